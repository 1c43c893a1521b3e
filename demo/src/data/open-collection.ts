import type { DemoDatabase, DemoSyncHandle, DemoSyncStatus } from '../sdk.js';
import { ensureShippedData, type LoadProgress, type ShippedData } from './load-dataset.js';
import { seedServer, serverCollection } from './seed-server.js';

export interface OpenedCollection {
  /** The running sync, or null when the SDK has none (the shipped data set was loaded into the browser instead). */
  sync: DemoSyncHandle | null;
  /** What the banner says once the collection is ready. */
  message: string;
}

export interface OpenHooks {
  say(text: string): void;
  progress(p: LoadProgress | null): void;
  /** Called with the sync handle as soon as it exists, before the first download ends, so the panel shows it. */
  syncing(handle: DemoSyncHandle): void;
}

/**
 * Gives the browser database the demo's collection. With sync (the normal case) the browser holds a replica of the
 * server's collection: a fresh server is first seeded with the shipped documents (the page does what
 * `demo/scripts/seed-server.mjs` does, through Qdrant's REST API), then the replica downloads it and stays live.
 * A returning visit is ready at once from IndexedDB, server or no server, and catches up in the background.
 *
 * Without sync in the SDK, the shipped data set is stored in the browser directly, as the demo did before sync.
 */
export async function openCollection(db: DemoDatabase, dbName: string, data: ShippedData, hooks: OpenHooks): Promise<OpenedCollection> {
  const name = data.manifest.collection;
  if (!db.sync) {
    const created = await ensureShippedData(db, dbName, data, (p) => {
      hooks.progress(p);
      hooks.say(`First visit: storing ${p.loaded} / ${p.total} documents in this browser (IndexedDB)\u2026`);
    });
    hooks.progress(null);
    return {
      sync: null,
      message: created
        ? `Stored ${data.manifest.count} documents in this browser (this SDK has no sync). Searches now run locally, in the worker.`
        : 'Loaded from this browser\u2019s database. Searches run locally, in the worker.',
    };
  }

  const origin = new URL(location.origin);
  const { exists: local } = await db.collectionExists(name);
  if (!local && (await serverCollection(origin, name)) === 'missing') {
    await seedServer(origin, data, (p) => {
      hooks.progress(p);
      hooks.say(`The server has no \u201c${name}\u201d collection yet: uploading the ${p.total} shipped documents to it (${p.loaded} / ${p.total})\u2026`);
    });
    hooks.progress(null);
  }
  const sync = await db.sync(name, { url: origin.origin, live: true });
  hooks.syncing(sync);
  if (local) {
    return { sync, message: 'Loaded from this browser\u2019s database. Searches run locally, in the worker; sync keeps it in step with the server.' };
  }

  // First visit: nothing to search until the first download is in.
  const first = await new Promise<DemoSyncStatus>((resolve) => {
    const stop = sync.onStatus((status) => {
      if (status.checkpoint !== null && (status.state === 'synced' || status.state === 'pushing' || status.state === 'offline')) {
        queueMicrotask(() => stop());
        resolve(status);
      } else if (status.state === 'offline') {
        hooks.say('The server cannot be reached and this browser has no copy of the collection yet: waiting for the server\u2026');
      } else if (status.state === 'error') {
        hooks.say(`Sync failed, retrying: ${status.error ?? 'unknown error'}`);
      } else {
        hooks.say(`Downloading \u201c${name}\u201d from the server (sync)\u2026`);
      }
    });
  });
  const { count } = await db.count(name, { exact: true });
  return {
    sync,
    message: `Synced ${count} documents from the server into this browser (op ${first.checkpoint!.seq}). Searches run locally, in the worker.`,
  };
}
