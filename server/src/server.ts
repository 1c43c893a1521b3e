import { existsSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { fileURLToPath } from 'node:url';
import { ServerCredentials } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import type { EmbeddedClient } from '@sextant/core';
import type { ServerConfig, TlsFiles } from './config.js';
import { startGrpcServer, type RunningGrpcServer } from './grpc/server.js';
import { openDatabase } from './open-database.js';
import { buildRestApp } from './rest/app.js';
import type { BackPressure } from './rest/back-pressure.js';
import { IssueLog } from './rest/issues.js';
import { SearchPool } from './search/search-pool.js';

export interface RunningServer {
  client: EmbeddedClient;
  httpPort: number;
  /** Undefined when gRPC is off (`grpcPort: null`). */
  grpcPort: number | undefined;
  /** Whether REST and gRPC are served over TLS. */
  tls: boolean;
  close(): Promise<void>;
}

/**
 * Opens the database under `config.storagePath` and serves it over REST and gRPC. Port 0 picks free ports. If a
 * port cannot be bound, whatever was opened is closed again before the error is thrown, so the data is flushed.
 */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const issues = new IssueLog();
  const client = await openDatabase({
    path: config.storagePath,
    searchThreads: config.searchThreads === 'off' ? undefined : (config.searchThreads ?? 0),
    onIntegrityIssue: (message) => {
      console.error(`sextant: ${message}`);
      issues.integrity(message);
    },
  });
  const keys = { apiKey: config.apiKey, readOnlyApiKey: config.readOnlyApiKey };
  let app: FastifyInstance | undefined;
  let https: HttpsServer | undefined;
  let grpc: RunningGrpcServer | undefined;
  const closeAll = async () => {
    await Promise.allSettled([closeRest(app, https), grpc?.close()]);
    await client.close();
  };
  try {
    app = await buildRestApp({
      client,
      ...keys,
      snapshotsDir: config.snapshotsPath,
      jwtRbac: config.jwtRbac,
      snapshotHosts: config.snapshotHosts,
      maxInFlight: config.maxInFlight,
      bodyLimit: config.bodyLimit,
      compileValidators: true,
      issues,
      sdkDir: siblingDir('browser/dist/sdk'),
      demoDir: siblingDir('demo/dist'),
    });
    let httpPort: number;
    if (config.tls) {
      https = createHttpsServer(httpsOptions(config.tls), app.routing);
      await app.ready();
      httpPort = await listen(https, config.host, config.httpPort);
    } else {
      await app.listen({ host: config.host, port: config.httpPort });
      const address = app.server.address();
      httpPort = typeof address === 'object' && address ? address.port : config.httpPort;
    }
    if (config.grpcPort !== null) {
      grpc = await startGrpcServer({
        client,
        host: config.host,
        port: config.grpcPort,
        snapshotsDir: config.snapshotsPath,
        credentials: config.tls ? grpcCredentials(config.tls) : undefined,
        jwtRbac: config.jwtRbac,
        maxInFlight: config.maxInFlight,
        ...keys,
      }).catch((error: Error) => {
        // grpc-js reports a taken port as a plain Error; give it the errno code REST's listen error carries, so the
        // CLI shows both as a user's problem rather than a crash.
        const code = /\b(E[A-Z]{3,}):/.exec(error.message)?.[1];
        throw Object.assign(new Error(`gRPC port ${config.grpcPort}: ${error.message}`, { cause: error }), code ? { code } : {});
      });
    }
    // Searches hop to the threads while the event loop has other calls to parse and answer (see SearchDispatch).
    const rest = (app as unknown as { sextantBackPressure: BackPressure }).sextantBackPressure;
    const running = grpc;
    if (client.executor instanceof SearchPool) client.executor.ownerLoad = () => rest.inFlight + (running?.inFlight ?? 0);
    let closing: Promise<void> | undefined;
    return { client, httpPort, grpcPort: grpc?.port, tls: config.tls !== undefined, close: () => (closing ??= closeAll()) };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * With TLS the https server is ours and hands each request to fastify's router (`app.routing`), which runs the
 * same hooks, limits and handlers as `app.listen` would; the app's own http server never listens.
 */
function httpsOptions(tls: TlsFiles) {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  };
}

function grpcCredentials(tls: TlsFiles): ServerCredentials {
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined);
}

function listen(server: HttpsServer, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Stops accepting, lets requests in flight finish (at most 5 s), then closes the app. */
async function closeRest(app: FastifyInstance | undefined, https: HttpsServer | undefined): Promise<void> {
  if (https?.listening) {
    const closed = new Promise<void>((resolve) => https.close(() => resolve()));
    https.closeIdleConnections();
    const force = setTimeout(() => https.closeAllConnections(), 5_000);
    await closed;
    clearTimeout(force);
  }
  await app?.close();
}

/** Built assets of sibling packages (the browser SDK, the demo), when they have been built. */
function siblingDir(path: string): string | undefined {
  const dir = fileURLToPath(new URL(`../../${path}/`, import.meta.url));
  return existsSync(dir) ? dir : undefined;
}
