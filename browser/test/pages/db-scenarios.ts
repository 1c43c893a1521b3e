// Runs inside Chromium (bundled by the harness): the database API as an app uses it, through `/sdk/sextant.js`.
import { openDatabase, SextantError, type BrowserDatabase } from '@sextant/browser';
import { conformanceScript, type Outcome } from '../support/conformance-script.js';

const open = new Map<string, BrowserDatabase>();
const changes: unknown[] = [];

async function db(name: string): Promise<BrowserDatabase> {
  let database = open.get(name);
  if (!database) {
    database = await openDatabase({ name });
    database.onChange((event) => changes.push(event));
    open.set(name, database);
  }
  return database;
}

/** Deterministic vectors: point i of dimension d. */
function vector(i: number, dim: number): number[] {
  const out = new Array<number>(dim);
  let x = (i + 1) * 2654435761;
  for (let k = 0; k < dim; k++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[k] = (x / 0xffffffff) * 2 - 1;
  }
  return out;
}

function errorFields(e: unknown) {
  const err = e as SextantError;
  return { isClass: e instanceof SextantError, name: err.name, code: err.code, status: err.status, message: err.message };
}

export async function role(name: string) {
  return (await db(name)).role();
}

export async function createAndFill(name: string, collection: string, count: number, dim: number) {
  const client = await db(name);
  await client.createCollection(collection, { vectors: { size: dim, distance: 'Dot' } });
  const points = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    vector: vector(i, dim),
    payload: { group: i % 3 === 0 ? 'a' : 'b', rank: i, tags: Array.from({ length: 40 }, (_, k) => k * 0.1) },
  }));
  for (let at = 0; at < points.length; at += 1000) {
    await client.upsert(collection, { wait: true, points: points.slice(at, at + 1000) });
  }
  return (await client.count(collection, { exact: true })).count;
}

export async function search(name: string, collection: string, seed: number, dim: number) {
  const client = await db(name);
  const result = await client.query(collection, {
    query: vector(seed, dim),
    limit: 5,
    with_payload: ['group', 'rank'],
    filter: { must: [{ key: 'group', match: { value: 'a' } }] },
  });
  return result.points.map((p) => ({ id: p.id, group: (p.payload as { group: string }).group, score: p.score }));
}

/** Vectors come back exactly as float32 rounding of what went in, payload arrays exactly. */
export async function roundTrip(name: string, collection: string, id: number, dim: number) {
  const client = await db(name);
  const [point] = await client.retrieve(collection, { ids: [id], with_vector: true, with_payload: true });
  const expected = vector(id - 1, dim).map(Math.fround);
  const got = point?.vector as number[];
  return {
    isArray: Array.isArray(got),
    vectorOk: got.length === dim && got.every((v, k) => v === expected[k]),
    tagsOk: JSON.stringify((point?.payload as { tags: number[] }).tags) === JSON.stringify(Array.from({ length: 40 }, (_, k) => k * 0.1)),
  };
}

export async function errorsFromWorker(name: string) {
  const client = await db(name);
  const out: Record<string, unknown> = {};
  try {
    await client.getCollection('does-not-exist');
  } catch (e) {
    out.missing = errorFields(e);
  }
  await client.createCollection('small', { vectors: { size: 3, distance: 'Cosine' } });
  try {
    await client.createCollection('small', { vectors: { size: 3, distance: 'Cosine' } });
  } catch (e) {
    out.exists = errorFields(e);
  }
  try {
    await client.upsert('small', { wait: true, points: [{ id: 1, vector: [1, 2] }] });
  } catch (e) {
    out.dimension = errorFields(e);
  }
  return out;
}

export async function upsertOne(name: string, collection: string, id: number, label: string, dim = 8) {
  const client = await db(name);
  await client.upsert(collection, { wait: true, points: [{ id, vector: vector(id, dim), payload: { label } }] });
  return 'ok';
}

export async function labels(name: string, collection: string, ids: number[]) {
  const client = await db(name);
  const points = await client.retrieve(collection, { ids, with_payload: true });
  return points
    .map((p) => ({ id: p.id, label: (p.payload as { label?: string }).label ?? null }))
    .sort((a, b) => Number(a.id) - Number(b.id));
}

export async function seenChanges() {
  return changes;
}

export async function close(name: string) {
  await open.get(name)?.close();
  open.delete(name);
  return 'closed';
}

export async function storageInfo(name: string) {
  const client = await db(name);
  const report = await client.storage();
  return { usage: report.usage, quota: report.quota, persisted: report.persisted };
}

/** Under a tiny quota, a large upsert fails with storage_full and the collection still answers with its old data. */
export async function upsertBeyondQuota(name: string, collection: string, count: number, dim: number) {
  const client = await db(name);
  const points = Array.from({ length: count }, (_, i) => ({ id: 100_000 + i, vector: vector(i, dim) }));
  let error: unknown = null;
  try {
    await client.upsert(collection, { wait: true, points });
  } catch (e) {
    error = errorFields(e);
  }
  return { error };
}

export async function countPoints(name: string, collection: string) {
  const client = await db(name);
  return (await client.count(collection, { exact: true })).count;
}

/**
 * Runs `queries` searches while the page keeps animating; returns the frames painted and the longest gap between
 * two frames, which stays small because the searches run in the worker.
 */
export async function searchWhileRendering(name: string, collection: string, queries: number, dim: number) {
  const client = await db(name);
  const gaps: number[] = [];
  let last = performance.now();
  let running = true;
  const tick = (now: number) => {
    gaps.push(now - last);
    last = now;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const started = performance.now();
  let answered = 0;
  for (let i = 0; i < queries; i++) {
    const result = await client.query(collection, { query: vector(10_000_000 + i, dim), limit: 10 });
    if (result.points.length === 10) answered++;
  }
  const elapsed = performance.now() - started;
  running = false;
  return { frames: gaps.length, maxGap: Math.max(...gaps.slice(1)), elapsed, queries: answered };
}

/** Bulk load without payload (the rendering test needs many points, not payloads); returns the load time in ms. */
export async function fillPlain(name: string, collection: string, count: number, dim: number, hnswM = 16) {
  const client = await db(name);
  const started = performance.now();
  await client.createCollection(collection, { vectors: { size: dim, distance: 'Cosine', hnsw_config: { m: hnswM } } });
  for (let at = 0; at < count; at += 2000) {
    const points = [];
    for (let i = at; i < Math.min(count, at + 2000); i++) points.push({ id: i + 1, vector: vector(i, dim) });
    await client.upsert(collection, { wait: at + 2000 >= count, points });
  }
  return performance.now() - started;
}

/** Runs the shared conformance script (see test/support/conformance-script.ts) and returns each outcome as JSON. */
export async function conformance(name: string) {
  const client = (await db(name)) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const outcomes: Outcome[] = [];
  for (const [method, ...args] of conformanceScript()) {
    try {
      outcomes.push({ ok: true, value: await client[method]!(...args) });
    } catch (e) {
      outcomes.push({ ok: false, error: errorFields(e) });
    }
  }
  return JSON.stringify(outcomes);
}

export async function contextInfo() {
  return { secure: isSecureContext, locks: 'locks' in navigator };
}

/** Acknowledged writes, one batch at a time; returns how many points were acknowledged (all of them). */
export async function ackedWrites(name: string, collection: string, batches: number, dim: number) {
  const client = await db(name);
  if (!(await client.collectionExists(collection)).exists) {
    await client.createCollection(collection, { vectors: { size: dim, distance: 'Dot' } });
  }
  let acked = 0;
  for (let b = 0; b < batches; b++) {
    const points = Array.from({ length: 100 }, (_, i) => ({ id: b * 100 + i + 1, vector: vector(b * 100 + i, dim) }));
    await client.upsert(collection, { wait: true, points });
    acked += points.length;
    (globalThis as { progress?: number }).progress = acked;
  }
  return acked;
}

export async function openWithBadWorker() {
  try {
    await openDatabase({ name: 'bad', workerUrl: '/sdk/no-such-worker.js' });
    return null;
  } catch (e) {
    return errorFields(e);
  }
}

/**
 * Queries with a timing listener and again without one: returns the timings the listener saw (one per call it
 * observed) and whether both results are equal, since timings must never change a method's value.
 */
export async function timedSearch(name: string, collection: string, seed: number, dim: number) {
  const client = await db(name);
  // Exact: a full scan gives the engine measurable work even where the browser coarsens performance.now().
  const request = { query: vector(seed, dim), limit: 10, with_payload: true, params: { exact: true } };
  const timings: Array<{ method: string; collection: string | undefined; workerMs: number; roundTripMs: number }> = [];
  const unsubscribe = client.onTiming((timing) => timings.push(timing));
  const timed = await client.query(collection, request);
  // Seen by the time the call resolves, as the demo relies on.
  const seenBeforeResolve = timings.length;
  await client.count(collection, { exact: true });
  unsubscribe();
  const plain = await client.query(collection, request);
  return { timings, seenBeforeResolve, sameResult: JSON.stringify(timed) === JSON.stringify(plain), hits: timed.points.length };
}
