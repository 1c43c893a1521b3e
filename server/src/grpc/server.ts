import type { Socket } from 'node:net';
import type { SextantClient } from '@sextant/core';
import { Collections, Points, Qdrant, Snapshots, StorageRead, health } from '@sextant/proto';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { SnapshotService } from '../rest/snapshots/snapshot-service.js';
import { DirectorySnapshotStore, MemorySnapshotStore } from '../rest/snapshots/snapshot-store.js';
import type { ApiKeys, ValueExistsCheck } from './auth.js';
import { InFlightLimit } from './back-pressure.js';
import { collectionsHandlers, collectionsReadOnly } from './collections-service.js';
import { boundHttp2Servers, gzipResponses } from './gzip-responses.js';
import { healthHandlers, qdrantHandlers } from './health-service.js';
import { pointsHandlers, pointsReadOnly } from './points-service.js';
import { serviceDefinition } from './service-definition.js';
import { snapshotsHandlers, snapshotsReadOnly } from './snapshots-service.js';
import type { SnapshotProvider } from './snapshots-service.js';
import { UnaryFastPath } from './unary-fast-path.js';
import { implement } from './unary.js';
import { unimplementedService } from './unimplemented.js';

export interface GrpcServerOptions extends ApiKeys {
  /** The engine; any `SextantClient` works (the server passes its `EmbeddedClient`). */
  client: SextantClient;
  /** 0 picks a free port; the chosen one is returned. */
  port: number;
  host?: string;
  /** Shared with REST so snapshots are visible over both APIs; wins over `snapshotsDir`. */
  snapshots?: SnapshotProvider;
  /** The REST server's snapshot folder: snapshots then live in the same files. Neither given: kept in memory. */
  snapshotsDir?: string;
  /** Largest request accepted, bytes (Qdrant's default gRPC limit is 64 MiB). */
  maxMessageBytes?: number;
  /** TLS (`ServerCredentials.createSsl`); default plaintext. */
  credentials?: ServerCredentials;
  /** Calls worked on at once before new ones get RESOURCE_EXHAUSTED (back-pressure.ts); default 512. */
  maxInFlight?: number | undefined;
}

export interface RunningGrpcServer {
  port: number;
  /** Calls being worked on now. */
  readonly inFlight: number;
  close(): Promise<void>;
}

/**
 * Qdrant's gRPC API (qdrant.Qdrant, Collections, Points, Snapshots, StorageRead and grpc.health.v1) on
 * @grpc/grpc-js: 59 rpcs, StorageRead's seven answering UNIMPLEMENTED as they are internal to Qdrant.
 * gzip-compressed requests are accepted; responses of 1 KiB or more are gzipped for clients that list gzip in
 * `grpc-accept-encoding`, which grpc-js cannot do alone (see gzip-responses.ts). Unary calls, all of Qdrant's API,
 * are answered by unary-fast-path.ts on grpc-js's HTTP/2 servers; grpc-js answers the rest and keeps the sessions.
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const keys: ApiKeys = { apiKey: options.apiKey, readOnlyApiKey: options.readOnlyApiKey, jwtRbac: options.jwtRbac };
  const limit = new InFlightLimit(options.maxInFlight);
  // A JWT's `value_exists` claim holds while a point with those payload values exists (checked per call, as REST).
  const valueExists: ValueExistsCheck = async (collection, filter) =>
    (await options.client.scroll(collection, { filter, limit: 1, with_payload: false, with_vector: false })).points.length > 0;
  const guarded = (readOnly: ReadonlySet<string>) => ({ keys, readOnly, valueExists, limit });
  const maxBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
  const gzip = gzipResponses();
  // Unary rpcs are answered on node:http2 directly (unary-fast-path.ts); grpc-js keeps everything else.
  const fast = new UnaryFastPath({ maxReceiveBytes: maxBytes, maxSendBytes: maxBytes });
  const server = new Server({
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    // Channelz bookkeeping (per call: an event tracker of closures, counters and a Date) feeds only grpc-js's channelz
    // admin service, which this server does not serve.
    'grpc.enable_channelz': 0,
    interceptors: [gzip.interceptor],
  });
  const snapshots =
    options.snapshots ??
    new SnapshotService(
      options.client,
      options.snapshotsDir === undefined ? new MemorySnapshotStore() : new DirectorySnapshotStore(options.snapshotsDir),
    );
  const always = new Set(['HealthCheck', 'Check']);
  const add = (definition: ServiceDefinition, implementation: UntypedServiceImplementation) => {
    server.addService(definition, implementation);
    fast.add(definition, implementation);
  };

  add(serviceDefinition(Qdrant), implement(Qdrant, qdrantHandlers(), { keys, readOnly: always, open: always }));
  add(
    serviceDefinition(health.Health),
    implement(health.Health, healthHandlers(new Set([Qdrant.typeName, Collections.typeName, Points.typeName, Snapshots.typeName])), {
      keys,
      readOnly: always,
      open: always,
    }),
  );
  add(serviceDefinition(Collections), implement(Collections, collectionsHandlers(options.client), guarded(collectionsReadOnly)));
  add(serviceDefinition(Points), implement(Points, pointsHandlers(options.client), guarded(pointsReadOnly)));
  add(serviceDefinition(Snapshots), implement(Snapshots, snapshotsHandlers(snapshots), guarded(snapshotsReadOnly)));
  add(
    serviceDefinition(StorageRead),
    unimplementedService(StorageRead, 'StorageRead is internal to Qdrant (raw shard files); Sextant stores data differently'),
  );

  const host = options.host ?? '0.0.0.0';
  const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${options.port}` : `${host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, options.credentials ?? ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  gzip.attach(server);
  fast.attach(server);
  // Node's HTTP/2 server keeps net.Server's Nagle default and grpc-js turns it off only client-side: with many
  // calls multiplexed on one connection, a reply written while an earlier one is unacknowledged would wait for
  // the client's delayed ACK. gRPC's C core and Go servers set TCP_NODELAY on every connection; so do we.
  for (const http2 of boundHttp2Servers(server)) http2.on('connection', (socket: Socket) => socket.setNoDelay(true));

  let closing: Promise<void> | undefined;
  return {
    port,
    get inFlight() {
      return limit.inFlight;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        // Let calls in flight finish, but never hang shutdown on a stuck client.
        const force = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      })),
  };
}
