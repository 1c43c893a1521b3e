// Runs inside Chromium (bundled by the harness): db.sync as an app uses it, through `/sdk/sextant.js`.
import { openDatabase, type BrowserDatabase, type Schemas, type SyncHandle, type SyncOptions, type SyncStatus } from '@sextant/browser';

const open = new Map<string, BrowserDatabase>();
const handles = new Map<string, SyncHandle>();
/** Every status each handle's onStatus delivered, and every change event, for the test to inspect. */
const statuses = new Map<string, SyncStatus[]>();
const changes: Array<{ collection: string | undefined; method: string; at: number }> = [];
const conflictsSeen: unknown[] = [];

async function db(name: string): Promise<BrowserDatabase> {
  let database = open.get(name);
  if (!database) {
    database = await openDatabase({ name });
    database.onChange((event) => changes.push({ ...event, at: performance.now() }));
    open.set(name, database);
  }
  return database;
}

/** `merge`: a resolver function in this page (the worker asks it), keeping the server's point plus `merged: true`. */
export async function startSync(name: string, collection: string, options: SyncOptions & { merge?: boolean }) {
  const { merge, ...rest } = options;
  const handle = await (await db(name)).sync(collection, {
    ...rest,
    ...(merge
      ? {
          resolve: (conflict) => {
            conflictsSeen.push({ id: conflict.id, base: conflict.base });
            return { vectors: conflict.server!.vectors, payload: { ...conflict.server!.payload, merged: true } };
          },
        }
      : {}),
  });
  const key = `${name}/${handle.collection}`;
  handles.set(key, handle);
  statuses.set(key, []);
  handle.onStatus((status) => statuses.get(key)!.push(status));
  return handle.collection;
}

export async function status(name: string, key: string) {
  return handles.get(`${name}/${key}`)!.status();
}

export async function syncNow(name: string, key: string) {
  try {
    await handles.get(`${name}/${key}`)!.syncNow();
    return null;
  } catch (e) {
    return { code: (e as { code?: string }).code, message: (e as Error).message };
  }
}

export async function stopSync(name: string, key: string) {
  await handles.get(`${name}/${key}`)!.stop();
}

export function seenStates(name: string, key: string) {
  return statuses.get(`${name}/${key}`)!.map((s) => s.state);
}

export function seenChanges() {
  return changes;
}

export function seenConflicts() {
  return conflictsSeen;
}

export async function role(name: string) {
  return (await db(name)).role();
}

export async function count(name: string, collection: string, filter?: Schemas['Filter']) {
  return (await (await db(name)).count(collection, { exact: true, ...(filter ? { filter } : {}) })).count;
}

export async function query(name: string, collection: string, vector: number[], filter?: Schemas['Filter']) {
  const { points } = await (await db(name)).query(collection, { query: vector, limit: 10, ...(filter ? { filter } : {}) });
  return points.map((p) => p.id);
}

export async function payloads(name: string, collection: string, ids: number[]) {
  const points = await (await db(name)).retrieve(collection, { ids, with_payload: true });
  return points.map((p) => ({ id: p.id, payload: p.payload }));
}

export async function allTenants(name: string, collection: string) {
  const { points } = await (await db(name)).scroll(collection, { limit: 100_000, with_payload: ['tenant'] });
  return [...new Set(points.map((p) => p.payload?.['tenant']))];
}

export async function upsert(name: string, collection: string, id: number, vector: number[], payload: Record<string, unknown>) {
  await (await db(name)).upsert(collection, { wait: true, points: [{ id, vector, payload }] });
}

export async function setPayload(name: string, collection: string, id: number, payload: Record<string, unknown>) {
  await (await db(name)).setPayload(collection, { wait: true, points: [id], payload });
}

export async function close(name: string) {
  await open.get(name)?.close();
  open.delete(name);
}
