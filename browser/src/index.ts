export { openDatabase } from './page/open-database.js';
export type { BrowserDatabase, OpenDatabaseOptions } from './page/open-database.js';
export { storageReport, requestPersistence } from './page/storage-quota.js';
export type { StorageReport } from './page/storage-quota.js';
export { IdbStorage } from './storage/idb-storage.js';
export type { ChangeEvent, Role } from './protocol.js';
export { SextantError, VectorDbError, ERROR_CATALOGUE } from '@sextant/core';
export type { SextantClient, Schemas, SerializedError, ErrorCode } from '@sextant/core';
