import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import { readConfigFile } from './config-file.js';
import { DEFAULT_CONFIG, type ServerConfig, type TlsFiles } from './server-config.js';
import { coerce, ignoredAt, qdrantStyleEnv, settingAt, SETTINGS, type SettingValue } from './settings.js';

export interface ConfigSources {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Command-line values by long flag name (see SETTINGS); `--no-grpc` arrives as `grpc-port: 'null'`. */
  flags?: Readonly<Record<string, string | undefined>>;
  /** `--config PATH`; wins over SEXTANT_CONFIG_PATH. Either given: the file must exist. `false`: read no file. */
  configPath?: string | false;
  /** Where `./config/config.yaml` is looked for; default process.cwd(). */
  cwd?: string;
}

export interface LoadedConfig {
  config: ServerConfig;
  /** The config file read, if any. */
  file: string | undefined;
  /** Qdrant settings that were given but do not apply to Sextant, for one line in the start-up log. */
  ignored: string[];
}

interface Layered {
  value: SettingValue;
  /** Where it came from, for messages: a file, a variable name or a flag. */
  source: string;
  /** Given on the command line or by a short variable (these imply TLS on when they name a certificate). */
  explicit: boolean;
}

/**
 * Merges the settings as Qdrant does, plus Sextant's short names: defaults < config file < `SEXTANT__SECTION__KEY`
 * < `SEXTANT_*` < command-line flags. Every problem is collected and thrown together as one ConfigError.
 */
export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const problems: string[] = [];
  const ignored: string[] = [];
  const values = new Map<string, Layered>();
  const put = (path: string, raw: unknown, source: string, explicit: boolean) => {
    const setting = settingAt(path)!;
    const checked = coerce(setting.kind, raw);
    if ('problem' in checked) problems.push(`${path} (from ${source}): ${checked.problem}`);
    else values.set(path, { value: checked.value, source, explicit });
  };

  // 1. The file: named explicitly (must exist) or the Qdrant location under the working directory (optional).
  const named = sources.configPath === false ? undefined : (sources.configPath ?? (env.SEXTANT_CONFIG_PATH || undefined));
  const file = sources.configPath === false ? undefined : configFile(named, cwd);
  if (file !== undefined) {
    const label = named ?? 'config/config.yaml';
    const contents = readConfigFile(file, label);
    problems.push(...contents.problems);
    ignored.push(...contents.ignored);
    for (const entry of contents.entries) put(entry.path, entry.raw, label, false);
  }

  // 2. Qdrant-style variables. Unlike the short names an empty value counts (it clears a key set in the file).
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('SEXTANT__') || raw === undefined) continue;
    const path = name.slice('SEXTANT__'.length).split('__').join('.').toLowerCase();
    const cover = ignoredAt(path);
    if (cover !== undefined) {
      if (!ignored.includes(cover)) ignored.push(cover);
    } else if (settingAt(path) !== undefined) put(path, raw, name, false);
    else problems.push(`${name}: unknown setting (${path})`);
  }

  // 3. Short names, then 4. flags. An empty short variable means "not set", except for keys where it means none.
  for (const setting of SETTINGS) {
    const raw = setting.env === undefined ? undefined : env[setting.env];
    if (raw !== undefined && (raw !== '' || setting.kind === 'secret')) put(setting.path, raw, setting.env!, true);
  }
  for (const setting of SETTINGS) {
    const raw = setting.flag === undefined ? undefined : sources.flags?.[setting.flag];
    if (raw !== undefined) put(setting.path, raw, `--${setting.flag}`, true);
  }

  const config = build(values, problems, cwd);
  if (problems.length > 0) throw new ConfigError(problems);
  return { config, file, ignored };
}

function configFile(named: string | undefined, cwd: string): string | undefined {
  if (named !== undefined) return resolve(cwd, named);
  const usual = resolve(cwd, 'config/config.yaml');
  return existsSync(usual) ? usual : undefined;
}

function build(values: Map<string, Layered>, problems: string[], cwd: string): ServerConfig {
  const get = <T extends SettingValue>(path: string, fallback: T): T => {
    const entry = values.get(path);
    return entry === undefined || entry.value === undefined ? fallback : (entry.value as T);
  };
  const config: ServerConfig = {
    host: get('service.host', DEFAULT_CONFIG.host),
    httpPort: get('service.http_port', DEFAULT_CONFIG.httpPort),
    grpcPort: values.has('service.grpc_port') ? (values.get('service.grpc_port')!.value as number | null) : DEFAULT_CONFIG.grpcPort,
    storagePath: get('storage.storage_path', DEFAULT_CONFIG.storagePath),
    snapshotsPath: get('storage.snapshots_path', DEFAULT_CONFIG.snapshotsPath),
    apiKey: get<string | undefined>('service.api_key', undefined),
    readOnlyApiKey: get<string | undefined>('service.read_only_api_key', undefined),
    jwtRbac: get('service.jwt_rbac', false),
    snapshotHosts: get<string[]>('service.snapshot_hosts', []),
    maxInFlight: get<number | undefined>('service.max_in_flight', undefined),
    searchThreads: get<number | 'off'>('storage.performance.max_search_threads', 0),
    bodyLimit: values.has('service.max_request_size_mb') ? Math.floor(get('service.max_request_size_mb', 32) * 1024 * 1024) : undefined,
    tls: undefined,
  };
  const cluster = values.get('cluster.enabled');
  if (cluster?.value === true) {
    problems.push(`cluster.enabled (from ${cluster.source}): Sextant runs as a single node; distributed mode is not available`);
  }
  config.tls = tlsFiles(values, problems, cwd);
  return config;
}

/**
 * TLS is on when `service.enable_tls` is true (Qdrant's rule: its default file names certificate paths even with TLS
 * off), or when a certificate is given on the command line or by SEXTANT_TLS_CERT / SEXTANT_TLS_KEY.
 */
function tlsFiles(values: Map<string, Layered>, problems: string[], cwd: string): TlsFiles | undefined {
  const cert = values.get('tls.cert');
  const key = values.get('tls.key');
  const enabled = values.get('service.enable_tls')?.value === true || cert?.explicit === true || key?.explicit === true;
  if (!enabled) return undefined;
  const read = (path: string, entry: Layered | undefined, why: string): Buffer | undefined => {
    if (entry === undefined || typeof entry.value !== 'string') {
      problems.push(`${path}: required ${why}`);
      return undefined;
    }
    try {
      const pem = readFileSync(resolve(cwd, entry.value));
      if (!pem.includes('-----BEGIN')) throw new Error('not a PEM file');
      return pem;
    } catch (error) {
      problems.push(`${path} (from ${entry.source}): cannot read ${entry.value}: ${(error as Error).message}`);
      return undefined;
    }
  };
  const files: TlsFiles = {
    cert: read('tls.cert', cert, 'when TLS is on') ?? Buffer.alloc(0),
    key: read('tls.key', key, 'when TLS is on') ?? Buffer.alloc(0),
  };
  if (values.get('service.verify_https_client_certificate')?.value === true) {
    files.clientCa = read('tls.ca_cert', values.get('tls.ca_cert'), 'when service.verify_https_client_certificate is true');
  }
  return files;
}
