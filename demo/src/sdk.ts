import type { SextantClient } from '@sextant/core';
import type { DemoCallTiming } from './ui/call-timing.js';

/**
 * The part of the browser SDK the demo uses; the SDK itself is served by the Sextant server at /sdk/sextant.js.
 * Beyond the Qdrant client methods, the extras are optional so the page degrades instead of breaking when an SDK
 * lacks one.
 */
export type DemoDatabase = SextantClient & {
  /** Keeps local collection `collection` in step with the server's of the same name (the browser SDK's sync). */
  sync?(collection: string, options: { url: string; live?: boolean }): Promise<DemoSyncHandle>;
  /** Called after every write to the database from any tab of the origin; returns the unsubscribe. */
  onChange?(listener: (event: unknown) => void): () => void;
  /** Called with each call's engine time in the worker and round trip, just before the call resolves. */
  onTiming?(listener: (timing: DemoCallTiming) => void): () => void;
  /** Whether this tab's worker runs the engine or forwards to the tab that does. */
  role?(): Promise<string>;
};

/** The SDK's `SyncStatus`, as far as the page reads it. */
export interface DemoSyncStatus {
  state: 'idle' | 'pulling' | 'pushing' | 'synced' | 'offline' | 'error';
  /** The server op number the local copy has everything up to; null before the first download. */
  checkpoint: { epoch: string; seq: number } | null;
  /** Local writes the server has not acknowledged yet. */
  pending: number;
  conflicts: number;
  /** Epoch milliseconds of the last moment the copy was caught up. */
  lastSyncedAt: number | null;
  error: string | null;
}

export interface DemoSyncHandle {
  status(): Promise<DemoSyncStatus>;
  /** Calls `listener` with the current status and every change; returns the unsubscribe. */
  onStatus(listener: (status: DemoSyncStatus) => void): () => void;
  syncNow(): Promise<void>;
  stop(): Promise<void>;
}

export interface SextantSdk {
  openDatabase(options: { name: string; workerUrl?: string | URL }): Promise<DemoDatabase>;
}

/**
 * The worker the SDK should start: a same-origin blob module that imports the SDK's `sextant-worker.js`.
 *
 * Why not the worker file itself: Chromium does not pass a dedicated worker's own script request through the page's
 * service worker, so with the server stopped `new Worker('/sdk/sextant-worker.js')` fails even though the offline
 * cache holds the file. A blob worker inherits the page's service worker, and its `import` is an ordinary request
 * the cache answers. Online the two behave the same.
 */
export function offlineWorkerUrl(sdkUrl: string): string {
  const worker = new URL('sextant-worker.js', sdkUrl).href;
  return URL.createObjectURL(new Blob([`import ${JSON.stringify(worker)};`], { type: 'text/javascript' }));
}

/**
 * Imports the SDK at run time instead of bundling it, so the page always runs the SDK (and worker) of the server that
 * serves it. `?sdk=<url>` overrides the location, e.g. to try a local build of the browser package.
 */
export async function loadSdk(): Promise<{ sdk: SextantSdk; url: string }> {
  const override = new URLSearchParams(location.search).get('sdk');
  const url = new URL(override ?? '/sdk/sextant.js', location.href).href;
  const mod = (await import(/* webpackIgnore: true */ url)) as Partial<SextantSdk>;
  if (typeof mod.openDatabase !== 'function') throw new Error(`${url} loaded but exports no openDatabase()`);
  return { sdk: mod as SextantSdk, url };
}
