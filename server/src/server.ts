import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EmbeddedClient } from '@sextant/core';
import type { ServerConfig } from './config.js';
import { startGrpcServer } from './grpc/server.js';
import { openDatabase } from './open-database.js';
import { buildRestApp } from './rest/app.js';
import { IssueLog } from './rest/issues.js';

export interface RunningServer {
  client: EmbeddedClient;
  httpPort: number;
  grpcPort: number;
  close(): Promise<void>;
}

/** Opens the database under `config.storagePath` and serves it over REST and gRPC. Port 0 picks free ports. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const issues = new IssueLog();
  const client = await openDatabase({
    path: config.storagePath,
    onIntegrityIssue: (message) => {
      console.error(`sextant: ${message}`);
      issues.integrity(message);
    },
  });
  const keys = { apiKey: config.apiKey, readOnlyApiKey: config.readOnlyApiKey };
  const app = await buildRestApp({
    client,
    ...keys,
    snapshotsDir: config.snapshotsPath,
    jwtRbac: config.jwtRbac,
    snapshotHosts: config.snapshotHosts,
    maxInFlight: config.maxInFlight,
    issues,
    sdkDir: siblingDir('browser/dist/sdk'),
    demoDir: siblingDir('demo/dist'),
  });
  await app.listen({ host: config.host, port: config.httpPort });
  const address = app.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
  const grpc = await startGrpcServer({
    client,
    host: config.host,
    port: config.grpcPort,
    snapshotsDir: config.snapshotsPath,
    ...keys,
  });

  let closing: Promise<void> | undefined;
  return {
    client,
    httpPort,
    grpcPort: grpc.port,
    close: () =>
      (closing ??= (async () => {
        await Promise.allSettled([app.close(), grpc.close()]);
        await client.close();
      })()),
  };
}

/** Built assets of sibling packages (the browser SDK, the demo), when they have been built. */
function siblingDir(path: string): string | undefined {
  const dir = fileURLToPath(new URL(`../../${path}/`, import.meta.url));
  return existsSync(dir) ? dir : undefined;
}
