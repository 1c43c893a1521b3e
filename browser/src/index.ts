export { openDatabase } from './page/open-database.js';
export type { BrowserDatabase, OpenDatabaseOptions } from './page/open-database.js';
// db.sync(collection, options) -> SyncHandle { collection, status(), onStatus(listener), onProgress(listener), syncNow(), stop() }
export type { SyncHandle } from './page/sync-handle.js';
export type { SyncOptions } from './sync/sync-spec.js';
export { storageReport, requestPersistence } from './page/storage-quota.js';
export type { StorageReport } from './page/storage-quota.js';
export { IdbStorage } from './storage/idb-storage.js';
// db.onTiming(listener) -> unsubscribe; listener(CallTiming { method, collection, workerMs, roundTripMs })
export type { CallTiming, ChangeEvent, Role } from './protocol.js';
export type { ThreadReport } from './worker/search-threads.js';
export { SextantError, VectorDbError, ERROR_CATALOGUE } from '@sextant/core';
export type { SextantClient, Schemas, SerializedError, ErrorCode, SyncStatus, SyncState, SyncProgress, Conflict, LocalChange, ConflictResolution, ConflictResolver } from '@sextant/core';
