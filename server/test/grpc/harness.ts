import { createEmbeddedClient } from '@sextant/core';
import type { EmbeddedClient } from '@sextant/core';
import { QdrantClient } from '@qdrant/js-client-grpc';
import { startGrpcServer } from '../../src/grpc/server.js';
import type { GrpcServerOptions, RunningGrpcServer } from '../../src/grpc/server.js';

export interface Harness {
  engine: EmbeddedClient;
  server: RunningGrpcServer;
  /** An official @qdrant/js-client-grpc client pointed at the server. */
  connect(options?: { apiKey?: string; compression?: boolean; timeout?: number }): QdrantClient;
  close(): Promise<void>;
}

/** A real engine (in memory) behind a real gRPC server on a free port. */
export async function startHarness(options: Partial<GrpcServerOptions> = {}): Promise<Harness> {
  const engine = await createEmbeddedClient();
  const server = await startGrpcServer({ client: engine, port: 0, host: '127.0.0.1', ...options });
  return {
    engine,
    server,
    connect: (o = {}) =>
      // The official client switches to TLS when given an api key unless told otherwise.
      new QdrantClient({ host: '127.0.0.1', port: server.port, https: false, checkCompatibility: false, ...o }),
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
}
