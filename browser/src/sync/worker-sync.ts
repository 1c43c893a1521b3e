import { SyncReplica, httpTransport, type Engine, type FetchLike, type ReplicaOptions, type Schemas } from '@sextant/core';

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
 * Starts syncing one collection of the worker's engine with a server: the replica lives next to the engine (in
 * the worker that owns writing), keeps its queue in the same IndexedDB storage, and reaches the server with the
 * worker's `fetch`. The page observes it through `subscribe` (forward the status over the worker protocol).
 */
export async function startWorkerSync(engine: Engine, collection: string, options: WorkerSyncOptions): Promise<SyncReplica> {
  const fetch = ((url, init) => globalThis.fetch(url, init as RequestInit)) as FetchLike;
  const replica = await SyncReplica.open(engine, {
    transport: httpTransport({ url: options.url, apiKey: options.apiKey, fetch }),
    collection,
    ...(options.localName === undefined ? {} : { localName: options.localName }),
    ...(options.filter === undefined ? {} : { filter: options.filter }),
    ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
    live: options.live ?? true,
  });
  replica.start();
  return replica;
}
