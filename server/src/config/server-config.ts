/** The server's settings once the config file, environment and command line are merged; see `load-config.ts`. */
export interface ServerConfig {
  host: string;
  httpPort: number;
  /** `null`: gRPC is off (Qdrant's `service.grpc_port: null`). */
  grpcPort: number | null;
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
  /** Largest REST body in bytes (Qdrant's `service.max_request_size_mb`); undefined: the REST default (32 MiB). */
  bodyLimit?: number | undefined;
  /**
   * Threads that walk HNSW graphs off the event loop (Qdrant's `storage.performance.max_search_threads`); 0 or
   * undefined: one per core; `off`: every search on the event loop.
   */
  searchThreads?: number | 'off' | undefined;
  /** Serve REST over https and gRPC over TLS; both APIs use the same certificate, as Qdrant does. */
  tls?: TlsFiles | undefined;
}

/** PEM contents, read at start-up so a missing or unreadable file stops the server before it listens. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** With `clientCa`, clients must present a certificate signed by it (`verify_https_client_certificate`). */
  clientCa?: Buffer | undefined;
}

/** The quick start's settings: REST 6333, gRPC 6334, data in ./storage, open API. */
export const DEFAULT_CONFIG: Readonly<ServerConfig> = {
  // '::' accepts IPv4 and IPv6 on a dual-stack host, like Qdrant's all-interfaces default.
  host: '::',
  httpPort: 6333,
  grpcPort: 6334,
  storagePath: './storage',
  snapshotsPath: './snapshots',
  apiKey: undefined,
  readOnlyApiKey: undefined,
  jwtRbac: false,
  snapshotHosts: [],
  maxInFlight: undefined,
  bodyLimit: undefined,
  searchThreads: 0,
  tls: undefined,
};
