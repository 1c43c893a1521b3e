import { SyncReplica, httpTransport, storageDownloads, type Engine, type FetchLike, type ReplicaOptions, type Schemas } from '@sextant/core';

export interface WorkerSyncOptions {
  /** The server's REST base URL, e.g. `http://localhost:6333`. */
  url: string;
  apiKey?: string;
  filter?: Schemas['Filter'];
  /** Keep pulling by long poll and push local writes as they happen (default true). */
  live?: boolean;
  localName?: string;
  resolve?: ReplicaOptions['resolve'];
}

/**
 * Opens (does not start) the replica of one collection of the worker's engine: it lives next to the engine (in the
 * worker that owns writing), keeps its checkpoint and queue in the same IndexedDB storage, and reaches the server
 * with the worker's `fetch`. From here on, the app's writes to the local collection are queued for the server.
 */
export function openWorkerReplica(engine: Engine, collection: string, options: WorkerSyncOptions): Promise<SyncReplica> {
  // Looked up at each request, not captured at load: the global is the platform's, tests may swap it.
  const fetch = ((url, init) => globalThis.fetch(url, init as RequestInit)) as FetchLike;
  return SyncReplica.open(engine, {
    // A first download cut off by a closed tab resumes from what reached IndexedDB.
    transport: httpTransport({ url: options.url, apiKey: options.apiKey, fetch, downloads: storageDownloads(engine.storage, options.localName ?? collection) }),
    collection,
    ...(options.localName === undefined ? {} : { localName: options.localName }),
    ...(options.filter === undefined ? {} : { filter: options.filter }),
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    live: options.live ?? true,
  });
}

/** `openWorkerReplica`, started: the page observes it through `subscribe`. */
export async function startWorkerSync(engine: Engine, collection: string, options: WorkerSyncOptions): Promise<SyncReplica> {
  const replica = await openWorkerReplica(engine, collection, options);
  replica.start();
  return replica;
}
