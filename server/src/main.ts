#!/usr/bin/env node
import { configFromEnv } from './config.js';
import { startServer } from './server.js';

// `npm start`: the server with its embedded defaults, configured from SEXTANT_* environment variables.
const config = configFromEnv();
const server = await startServer(config);
console.log(
  `Sextant listening: REST http://localhost:${server.httpPort}, gRPC localhost:${server.grpcPort}, ` +
    `data in ${config.storagePath}${config.apiKey ? ', api key required' : ''}`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
