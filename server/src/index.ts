export { openDatabase } from './open-database.js';
export type { OpenDatabaseOptions } from './open-database.js';
export { FileStorage } from './storage/file-storage.js';
export { startServer } from './server.js';
export type { RunningServer } from './server.js';
export { configFromEnv } from './config.js';
export type { ServerConfig } from './config.js';
export { buildRestApp } from './rest/app.js';
export { startGrpcServer } from './grpc/server.js';
