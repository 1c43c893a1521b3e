/**
 * The settings Sextant reads, named by their path in Qdrant's `config/config.yaml`, and the Qdrant settings it
 * accepts but does not use. One table drives the file, both environment styles and the command line, so a
 * setting cannot be readable one way and not another.
 */

export type SettingKind =
  | 'port'
  | 'optional-port'
  | 'string'
  | 'secret'
  | 'boolean'
  | 'positive-int'
  | 'positive-number'
  | 'host-list'
  | 'thread-count';

export interface Setting {
  /** Dotted path in config.yaml; the Qdrant-style variable is `SEXTANT__` + path with `.` → `__`, upper case. */
  path: string;
  kind: SettingKind;
  /** The short variable (`SEXTANT_HTTP_PORT`); it wins over the file and the Qdrant-style name. */
  env?: string;
  /** Long command-line flag without dashes; the flag wins over everything. */
  flag?: string;
}

export const SETTINGS: readonly Setting[] = [
  { path: 'service.host', kind: 'string', env: 'SEXTANT_HOST', flag: 'host' },
  { path: 'service.http_port', kind: 'port', env: 'SEXTANT_HTTP_PORT', flag: 'http-port' },
  { path: 'service.grpc_port', kind: 'optional-port', env: 'SEXTANT_GRPC_PORT', flag: 'grpc-port' },
  { path: 'service.api_key', kind: 'secret', env: 'SEXTANT_API_KEY', flag: 'api-key' },
  { path: 'service.read_only_api_key', kind: 'secret', env: 'SEXTANT_READ_ONLY_API_KEY', flag: 'read-only-api-key' },
  { path: 'service.jwt_rbac', kind: 'boolean', env: 'SEXTANT_JWT_RBAC' },
  { path: 'service.enable_tls', kind: 'boolean' },
  { path: 'service.verify_https_client_certificate', kind: 'boolean' },
  { path: 'service.max_request_size_mb', kind: 'positive-number' },
  // Sextant's own: Qdrant has no equivalent, so they sit in `service` next to the settings they resemble.
  { path: 'service.max_in_flight', kind: 'positive-int', env: 'SEXTANT_MAX_IN_FLIGHT' },
  { path: 'service.snapshot_hosts', kind: 'host-list', env: 'SEXTANT_SNAPSHOT_HOSTS' },
  { path: 'storage.storage_path', kind: 'string', env: 'SEXTANT_STORAGE', flag: 'storage' },
  { path: 'storage.snapshots_path', kind: 'string', env: 'SEXTANT_SNAPSHOTS', flag: 'snapshots' },
  // Qdrant's name and meaning (0: one per core); `off` is Sextant's: every search on the event loop.
  { path: 'storage.performance.max_search_threads', kind: 'thread-count', env: 'SEXTANT_SEARCH_THREADS', flag: 'search-threads' },
  { path: 'tls.cert', kind: 'string', env: 'SEXTANT_TLS_CERT', flag: 'tls-cert' },
  { path: 'tls.key', kind: 'string', env: 'SEXTANT_TLS_KEY', flag: 'tls-key' },
  { path: 'tls.ca_cert', kind: 'string', env: 'SEXTANT_TLS_CA_CERT' },
  // Only `false` is valid: Sextant is one node; accepting `true` silently would promise replication it lacks.
  { path: 'cluster.enabled', kind: 'boolean' },
];

/**
 * Qdrant settings (v1.19's config.yaml and its documented extras) that do not apply to this engine: accepted so a
 * Qdrant config file works unchanged, and reported once at start-up. A path covers everything under it.
 */
export const IGNORED_SETTINGS: readonly string[] = [
  'log_level',
  'logger',
  'storage.snapshots_config',
  'storage.temp_path',
  'storage.on_disk_payload',
  'storage.update_concurrency',
  'storage.wal',
  'storage.node_type',
  'storage.performance',
  'storage.optimizers',
  'storage.optimizers_overwrite',
  'storage.hnsw_index',
  'storage.hnsw_global_config',
  'storage.shard_transfer_method',
  'storage.collection',
  'storage.max_collections',
  'service.max_workers',
  'service.enable_cors',
  'service.hide_jwt_dashboard',
  'service.enable_static_content',
  'service.static_content_dir',
  'service.hardware_reporting',
  'service.metrics_prefix',
  'cluster.p2p',
  'cluster.consensus',
  'telemetry_disabled',
  'per_collection_metrics_enabled',
  'tls.cert_ttl',
  'audit',
  'gpu',
  'inference',
  'feature_flags',
];

const BY_PATH = new Map(SETTINGS.map((setting) => [setting.path, setting]));

export function settingAt(path: string): Setting | undefined {
  return BY_PATH.get(path);
}

/** The ignored entry covering `path`, if any: none for a setting, or a section holding one (`storage.performance`). */
export function ignoredAt(path: string): string | undefined {
  if (BY_PATH.has(path) || SETTINGS.some((setting) => setting.path.startsWith(`${path}.`))) return undefined;
  return IGNORED_SETTINGS.find((ignored) => path === ignored || path.startsWith(`${ignored}.`));
}

/** Whether some setting lives below `path`, so a mapping there is a section to descend into. */
export function isSection(path: string): boolean {
  const prefix = `${path}.`;
  return SETTINGS.some((setting) => setting.path.startsWith(prefix)) || IGNORED_SETTINGS.some((ignored) => ignored.startsWith(prefix));
}

/** `service.http_port` → `SEXTANT__SERVICE__HTTP_PORT`. */
export function qdrantStyleEnv(path: string): string {
  return `SEXTANT__${path.split('.').join('__').toUpperCase()}`;
}

export type SettingValue = string | number | boolean | null | string[] | undefined;

/**
 * Checks and converts one raw value (YAML scalar, or a string from the environment or command line). Returns the
 * value, or a string saying what is wrong. `null` means "off" for an optional port, "no key" for a secret and "the
 * default" otherwise (returned as undefined).
 */
export function coerce(kind: SettingKind, raw: unknown): { value: SettingValue } | { problem: string } {
  if (raw === null) return { value: kind === 'optional-port' ? null : undefined };
  switch (kind) {
    case 'port':
    case 'optional-port': {
      if (kind === 'optional-port' && typeof raw === 'string' && raw.trim().toLowerCase() === 'null') return { value: null };
      const value = toNumber(raw);
      if (value === undefined || !Number.isInteger(value) || value < 0 || value > 65535) {
        return { problem: `must be a port number from 0 to 65535${kind === 'optional-port' ? ' (or null to turn it off)' : ''}, got ${show(raw)}` };
      }
      return { value };
    }
    case 'positive-int':
    case 'positive-number': {
      const value = toNumber(raw);
      if (value === undefined || value <= 0 || (kind === 'positive-int' && !Number.isInteger(value))) {
        return { problem: `must be a positive ${kind === 'positive-int' ? 'integer' : 'number'}, got ${show(raw)}` };
      }
      return { value };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      if (text === 'true' || text === '1') return { value: true };
      if (text === 'false' || text === '0') return { value: false };
      return { problem: `must be true or false, got ${show(raw)}` };
    }
    case 'string':
    case 'secret': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return { problem: `must be a string, got ${show(raw)}` };
      const text = String(raw);
      if (text === '') return kind === 'secret' ? { value: undefined } : { problem: 'must not be empty' };
      return { value: text };
    }
    case 'thread-count': {
      if (raw === false || (typeof raw === 'string' && raw.trim().toLowerCase() === 'off')) return { value: 'off' };
      const value = toNumber(raw);
      if (value === undefined || !Number.isInteger(value) || value < 0) {
        return { problem: `must be a number of threads (0: one per core) or off, got ${show(raw)}` };
      }
      return { value };
    }
    case 'host-list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
      if (items === undefined || items.some((item) => typeof item !== 'string')) {
        return { problem: `must be a list of hosts (or a comma-separated string), got ${show(raw)}` };
      }
      return { value: (items as string[]).map((item) => item.trim()).filter((item) => item.length > 0) };
    }
  }
}

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

function show(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : Array.isArray(raw) ? 'a list' : raw !== null && typeof raw === 'object' ? 'a mapping' : String(raw);
}
