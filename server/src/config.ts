/** The server's settings, from the environment; the defaults are the quick start's. */
export interface ServerConfig {
  host: string;
  httpPort: number;
  grpcPort: number;
  storagePath: string;
  snapshotsPath: string;
  apiKey: string | undefined;
  readOnlyApiKey: string | undefined;
  /** Accept JWTs signed with the api key (Qdrant's `jwt_rbac`): SEXTANT_JWT_RBAC=true. */
  jwtRbac?: boolean | undefined;
  /** Hosts snapshot recovery may download from (SEXTANT_SNAPSHOT_HOSTS, comma separated, `*` for any). */
  snapshotHosts?: string[] | undefined;
  /** Requests handled at once before 429 (SEXTANT_MAX_IN_FLIGHT); undefined: the REST default. */
  maxInFlight?: number | undefined;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    // '::' accepts IPv4 and IPv6 on a dual-stack host, like Qdrant's all-interfaces default.
    host: env.SEXTANT_HOST || '::',
    httpPort: port(env, 'SEXTANT_HTTP_PORT', 6333),
    grpcPort: port(env, 'SEXTANT_GRPC_PORT', 6334),
    storagePath: env.SEXTANT_STORAGE || './storage',
    snapshotsPath: env.SEXTANT_SNAPSHOTS || './snapshots',
    apiKey: env.SEXTANT_API_KEY || undefined,
    readOnlyApiKey: env.SEXTANT_READ_ONLY_API_KEY || undefined,
    jwtRbac: env.SEXTANT_JWT_RBAC === 'true' || env.SEXTANT_JWT_RBAC === '1',
    snapshotHosts: (env.SEXTANT_SNAPSHOT_HOSTS ?? '').split(',').map((host) => host.trim()).filter((host) => host.length > 0),
    maxInFlight: positive(env, 'SEXTANT_MAX_IN_FLIGHT'),
  };
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a port number from 0 to 65535, got "${raw}"`);
  }
  return value;
}

function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
