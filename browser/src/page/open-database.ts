import { proxy, releaseProxy, transfer, wrap, type Remote } from 'comlink';
import { SextantError, type SextantClient } from '@sextant/core';
import type { CallTiming, ChangeEvent, Role, WorkerApi } from '../protocol.js';
import type { ThreadReport } from '../worker/search-threads.js';
import { CLIENT_METHODS } from '../client-methods.js';
import { fromReply, pack, unpack } from '../wire.js';
import { spawnWorker } from './spawn-worker.js';
import { requestPersistence, storageReport, type StorageReport } from './storage-quota.js';
import { PageSync, type SyncHandle } from './sync-handle.js';
import type { SyncOptions } from '../sync/sync-spec.js';

export interface OpenDatabaseOptions {
  /** The database: one IndexedDB database per name, shared by every tab of the origin. */
  name: string;
  /** Where the worker script is, when it is not `sextant-worker.js` next to this module. */
  workerUrl?: string | URL;
  /**
   * Web Workers the engine walks HNSW graphs on, over one shared copy of the vectors and graphs, so searches run
   * beside writes and beside each other; background index builds plan their batches on them too (past 2,048 nodes
   * of a graph). Default: `navigator.hardwareConcurrency - 1` (at least 1); 0 or false: none.
   * They need shared memory, which browsers give only to cross-origin isolated pages (served with
   * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`); elsewhere every
   * search runs in the engine's worker, as with 0. Applies when this tab's worker runs the engine (see `role`).
   * Exact, turbo-quantized, sparse and multivector searches, and filters the planner scans, run in the engine's
   * worker; graph walks (filtered or not, float32 / float16 / uint8 vectors, int8 / binary / product codes) go to
   * the search workers when the engine's worker already has work.
   */
  searchThreads?: number | false;
}

/**
 * A database opened in the page: every `SextantClient` method (the official Qdrant client's), served by the engine
 * in a Web Worker, so no search runs on the page's thread. Writes with `wait: true` resolve once they are in
 * IndexedDB. Failures reject with `SextantError`, with Qdrant's `status` and message.
 */
export type BrowserDatabase = SextantClient & {
  /** The database name given to `openDatabase`. */
  readonly name: string;
  /** Whether this tab's worker runs the engine ('owner') or forwards to the tab that does ('follower'). */
  role(): Promise<Role>;
  /** Makes every acknowledged write durable, including ones made with `wait: false`. */
  flush(): Promise<void>;
  /** What the engine (the owner tab's) runs searches on: isolated or not, search workers, walks they answered. */
  threads(): Promise<ThreadReport>;
  /** Calls `listener` after every write to this database from any tab of the origin; returns the unsubscribe. */
  onChange(listener: (event: ChangeEvent) => void): () => void;
  /**
   * Calls `listener` with the timing of every client method this page calls (see `CallTiming`: the engine's time
   * in the worker and the round trip), just before that call's promise resolves; failed calls report none.
   * Returns the unsubscribe. Timings are beside the results, never in them: values equal the embedded client's.
   */
  onTiming(listener: (timing: CallTiming) => void): () => void;
  /** Usage and quota of the origin's storage. */
  storage(): Promise<StorageReport>;
  /** Asks the browser to keep the data under storage pressure; resolves to whether it will. */
  requestPersistence(): Promise<boolean>;
  /**
   * Keeps the local collection `options.localName ?? collection` in step with `collection` on a Sextant server,
   * both ways (see `SyncHandle`). The replica runs in the owner tab's worker; any tab may call this, and tabs that
   * sync the same collection with the same options share it. Resolves once the sync is registered (not synced).
   */
  sync(collection: string, options: SyncOptions): Promise<SyncHandle>;
  /** Flushes, stops the worker and hands ownership to another tab of the database, if any. */
  close(): Promise<void>;
};

export async function openDatabase(options: OpenDatabaseOptions): Promise<BrowserDatabase> {
  if (typeof options?.name !== 'string' || options.name.length === 0) {
    throw new SextantError('bad_request', 'Bad request: openDatabase needs a non-empty `name`.');
  }
  const threads = options.searchThreads;
  if (threads !== undefined && threads !== false && !(typeof threads === 'number' && Number.isInteger(threads) && threads >= 0)) {
    throw new SextantError('bad_request', 'Bad request: `searchThreads` must be a non-negative integer, or false for no search workers.');
  }
  const worker = spawnWorker(options.workerUrl);
  const api = wrap<WorkerApi>(worker);
  // A worker script that fails to load or run never answers comlink; its `error` event is the only signal.
  let onError: (event: Event) => void = () => undefined;
  const failedToStart = new Promise<never>((_, reject) => {
    onError = (event) =>
      reject(
        new SextantError(
          'unavailable',
          `Service unavailable: the Sextant worker did not start (${(event as ErrorEvent).message || 'script failed to load'}); ` +
            'check that sextant-worker.js is served next to sextant.js, or pass `workerUrl`.',
        ),
      );
    worker.addEventListener('error', onError);
  });
  try {
    fromReply(await Promise.race([api.open(threads === undefined ? { name: options.name } : { name: options.name, searchThreads: threads === false ? 0 : threads }), failedToStart]));
    worker.removeEventListener('error', onError);
  } catch (error) {
    api[releaseProxy]();
    worker.terminate();
    throw error;
  }
  return createBrowserDatabase(options.name, api, worker);
}

function createBrowserDatabase(name: string, api: Remote<WorkerApi>, worker: Worker): BrowserDatabase {
  const listeners = new Set<(event: ChangeEvent) => void>();
  let closed: Promise<void> | undefined;
  let subscribed = false;

  const ensureOpen = () => {
    if (closed) throw new SextantError('unavailable', `Service unavailable: database "${name}" was closed; open it again.`);
  };
  const syncs = new PageSync(api, ensureOpen);

  const timingListeners = new Set<(timing: CallTiming) => void>();

  const call = async (method: (typeof CLIENT_METHODS)[number], args: unknown[]): Promise<unknown> => {
    ensureOpen();
    const started = performance.now();
    const packed = pack(args);
    const reply = await api.call(method, transfer(packed.value as unknown[], packed.transfer));
    const value = unpack(fromReply(reply));
    if (reply.ok && timingListeners.size > 0) {
      const workerMs = typeof reply.workerMs === 'number' ? reply.workerMs : Number.NaN;
      const timing: CallTiming = {
        method,
        collection: typeof args[0] === 'string' ? args[0] : undefined,
        workerMs,
        // Includes packing, two thread hops (four for a follower) and unpacking around the worker's interval.
        roundTripMs: performance.now() - started,
      };
      for (const listener of timingListeners) {
        try {
          listener(timing);
        } catch {
          // A failing timing listener must not fail the call it observes.
        }
      }
    }
    return value;
  };

  const database: Record<string, unknown> = {
    name,
    role: async () => {
      ensureOpen();
      return api.role();
    },
    flush: async () => {
      ensureOpen();
      fromReply(await api.flush());
    },
    threads: async () => {
      ensureOpen();
      return fromReply(await api.threads());
    },
    onChange(listener: (event: ChangeEvent) => void) {
      listeners.add(listener);
      if (!subscribed) {
        subscribed = true;
        // One subscription per page; listeners are fanned out here so unsubscribing needs no round trip.
        void api.onChange(proxy((event: ChangeEvent) => listeners.forEach((l) => l(event))));
      }
      return () => listeners.delete(listener);
    },
    onTiming(listener: (timing: CallTiming) => void) {
      timingListeners.add(listener);
      return () => timingListeners.delete(listener);
    },
    storage: () => storageReport(),
    requestPersistence: () => requestPersistence(),
    sync: (collection: string, options: SyncOptions) => syncs.start(collection, options),
    close() {
      closed ??= (async () => {
        try {
          fromReply(await api.close());
        } finally {
          syncs.close();
          listeners.clear();
          timingListeners.clear();
          api[releaseProxy]();
          worker.terminate();
        }
      })();
      return closed;
    },
  };
  for (const method of CLIENT_METHODS) database[method] = (...args: unknown[]) => call(method, args);
  return database as unknown as BrowserDatabase;
}
