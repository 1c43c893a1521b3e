// Runs inside Chromium (bundled by the harness): search workers over shared memory, through `/sdk/sextant.js`.
import { openDatabase, type BrowserDatabase } from '@sextant/browser';

const open = new Map<string, BrowserDatabase>();

/** Opens `name` with `searchThreads` (null: the default) the first time; later calls return the open database. */
async function db(name: string, searchThreads?: number | false | null): Promise<BrowserDatabase> {
  let database = open.get(name);
  if (!database) {
    database = await openDatabase(searchThreads === null || searchThreads === undefined ? { name } : { name, searchThreads });
    open.set(name, database);
  }
  return database;
}

/** Seeded clustered vectors (mulberry32 around 16 centres): the same data, graphs and answers run to run. */
export function vectors(seed: number, count: number, dim: number): number[][] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const centres = Array.from({ length: 16 }, () => Array.from({ length: dim }, () => rand() * 2 - 1));
  return Array.from({ length: count }, (_, i) => centres[i % 16]!.map((c) => c + (rand() - 0.5) * 0.6));
}

/** `n` queries near the data of `fill` (same centres, fresh noise): what the collection's points are like. */
function queries(n: number, dim: number): number[][] {
  return vectors(1, FILLED + n, dim).slice(FILLED);
}

/** The points `fill` writes come first in `vectors(1, ...)`; queries are drawn past them. */
const FILLED = 3_000;

export function contextInfo() {
  return {
    isolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    cores: navigator.hardwareConcurrency,
  };
}

export async function threads(name: string, searchThreads?: number | false | null) {
  return (await db(name, searchThreads)).threads();
}

/** Opening with a bad `searchThreads` fails with Qdrant's 400 shape. */
export async function badOption(value: unknown) {
  try {
    await openDatabase({ name: 'bad-option', searchThreads: value as number });
    return { ok: true };
  } catch (e) {
    const err = e as { status?: number; code?: string; message?: string };
    return { ok: false, status: err.status, code: err.code, message: err.message };
  }
}

/**
 * A collection of `count` seeded points (quantized when `quantization` is given), graph-indexed (a low full-scan threshold, so searches walk the graph) and
 * fully linked before it returns. `count x dim` must reach 1 MB for the vectors to move into shared memory.
 */
export async function fill(name: string, searchThreads: number | false | null, collection: string, count: number, dim: number, quantization?: object) {
  const client = await db(name, searchThreads);
  await client.createCollection(collection, {
    vectors: { size: dim, distance: 'Cosine' },
    hnsw_config: { m: 8, ef_construct: 48, full_scan_threshold: 10 },
    optimizers_config: { indexing_threshold: 1 },
    ...(quantization === undefined ? {} : { quantization_config: quantization as never }),
  });
  // `g` picks a tenth of the points, answered whole by its index: filtered walks go to the search workers too.
  await client.createPayloadIndex(collection, { field_name: 'g', field_schema: 'integer', wait: true });
  if (count > FILLED) throw new Error(`fill: at most ${FILLED} points`);
  const rows = vectors(1, count, dim);
  for (let at = 0; at < count; at += 500) {
    await client.upsert(collection, { wait: true, points: rows.slice(at, at + 500).map((vector, j) => ({ id: at + j, vector, payload: { g: (at + j) % 10 } })) });
  }
  return waitIndexed(client, collection, count);
}

async function waitIndexed(client: BrowserDatabase, collection: string, count: number) {
  for (let i = 0; i < 600; i++) {
    const info = await client.getCollection(collection);
    // Green too: quantized codes fitted in the background rank only once their fit is done.
    if (info.indexed_vectors_count === count && info.points_count === count && info.status === 'green') return count;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${collection}: not indexed in time`);
}

/** Nearest ids and scores of seeded queries: `query` and `search` requests, one batch, and a fusion of two prefetches. */
export async function answers(name: string, collection: string, dim: number, count: number) {
  const client = await db(name);
  const qs = queries(count, dim);
  // Sent together, as a busy page would: a lone search is answered by the engine's worker itself (the `busy` policy).
  const out: unknown[] = (await Promise.all(qs.map((query) => client.query(collection, { query, limit: 10 })))).map((r) =>
    r.points.map((p) => [p.id, p.score]),
  );
  const search = await client.search(collection, { vector: qs[0]!, limit: 5, params: { hnsw_ef: 64 } });
  out.push(search.map((p) => [p.id, p.score]));
  const batch = await client.queryBatch(collection, { searches: qs.slice(0, 4).map((query) => ({ query, limit: 3 })) });
  out.push(batch.map((b) => b.points.map((p) => [p.id, p.score])));
  const fused = await client.query(collection, {
    prefetch: [
      { query: qs[1]!, limit: 20 },
      { query: qs[2]!, limit: 20 },
    ],
    query: { fusion: 'rrf' },
    limit: 10,
  });
  out.push(fused.points.map((p) => [p.id, p.score]));
  // Filtered (a tenth), sent together: their walks carry the accept set the engine's worker evaluated.
  const filter = { must: [{ key: 'g', match: { value: 3 } }] };
  const filtered = await Promise.all(qs.slice(0, 8).map((query) => client.query(collection, { query, limit: 10, filter })));
  out.push(filtered.map((r) => r.points.map((p) => [p.id, p.score])));
  return out;
}

/** One search alone, nothing else in flight: the offload policy answers it in the engine's worker. */
export async function lone(name: string, collection: string, dim: number) {
  const client = await db(name);
  return (await client.query(collection, { query: queries(1, dim)[0]!, limit: 10 })).points.length;
}

/** recall@10 of `query` against the exact answer (`params.exact`) over seeded queries. */
export async function recall(name: string, collection: string, dim: number, count: number) {
  const client = await db(name);
  let hit = 0;
  for (const query of queries(count, dim)) {
    const [walked, exact] = await Promise.all([
      client.query(collection, { query, limit: 10 }),
      client.query(collection, { query, limit: 10, params: { exact: true } }),
    ]);
    const truth = new Set(exact.points.map((p) => p.id));
    for (const p of walked.points) if (truth.has(p.id)) hit++;
  }
  return hit / (count * 10);
}

/**
 * A collection of `count` seeded points with the default thresholds (below full_scan_threshold, no graph built), a
 * tenth of them deleted, then the ids and scores of `n` queries sent together, and of `n` more with `exact: true`,
 * also sent together: every one of them an exact scan (on the search workers, but the first of each group).
 */
export async function scans(name: string, searchThreads: number, collection: string, count: number, dim: number, n: number) {
  const client = await db(name, searchThreads);
  await client.createCollection(collection, { vectors: { size: dim, distance: 'Dot' } });
  const rows = vectors(1, count, dim);
  for (let at = 0; at < count; at += 500) {
    await client.upsert(collection, { wait: true, points: rows.slice(at, at + 500).map((vector, j) => ({ id: at + j, vector })) });
  }
  await client.delete(collection, { wait: true, points: Array.from({ length: count / 10 }, (_, i) => i * 10 + 3) });
  const qs = queries(n, dim);
  const plain = await Promise.all(qs.map((query) => client.query(collection, { query, limit: 10 })));
  const exact = await Promise.all(qs.map((query) => client.query(collection, { query, limit: 25, params: { exact: true } })));
  const indexed = (await client.getCollection(collection)).indexed_vectors_count;
  return { indexed, answers: [...plain, ...exact].map((r) => r.points.map((p) => [p.id, p.score])) };
}

/**
 * Searches while another stream of calls writes: fresh points (so the arena and graph grow under the walks) and
 * deletions, each acknowledged before the next. Every answer is checked: no point deleted before the search was
 * sent, every id one that was written. Returns what was checked.
 */
export async function searchDuringWrites(name: string, collection: string, start: number, dim: number, rounds: number) {
  const client = await db(name);
  const more = vectors(11, rounds * 100, dim);
  const deleted = new Set<number>();
  let next = start;
  let writing = true;
  const writer = (async () => {
    try {
      for (let r = 0; r < rounds; r++) {
        await client.upsert(collection, { wait: true, points: more.slice(r * 100, r * 100 + 100).map((vector, j) => ({ id: next + j, vector })) });
        next += 100;
        const gone = Array.from({ length: 20 }, (_, j) => r * 37 + j * 11);
        await client.delete(collection, { wait: true, points: gone });
        for (const id of gone) deleted.add(id);
      }
    } finally {
      writing = false;
    }
  })();
  const qs = queries(64, dim);
  let searches = 0;
  let bad = 0;
  const problems: string[] = [];
  const reader = async (lane: number) => {
    for (let i = lane; writing || i < lane + 8; i += 4) {
      const goneBefore = new Set(deleted);
      const written = next + 100;
      const r = await client.query(collection, { query: qs[i % qs.length]!, limit: 10 });
      searches++;
      if (r.points.length !== 10) problems.push(`search ${searches}: ${r.points.length} points`);
      for (const p of r.points) {
        const id = p.id as number;
        if (goneBefore.has(id) || id < 0 || id >= written) {
          bad++;
          if (problems.length < 5) problems.push(`search ${searches}: id ${id}`);
        }
      }
    }
  };
  await Promise.all([writer, reader(0), reader(1), reader(2), reader(3)]);
  const count = (await client.count(collection, { exact: true })).count;
  return { searches, bad, problems, count, expected: start + rounds * 100 - deleted.size };
}

/** Seed of `build`'s points; its queries are drawn past them from the same centres (`buildQueries`). */
const BUILD_SEED = 7;

function buildQueries(count: number, dim: number, n: number): number[][] {
  return vectors(BUILD_SEED, count + n, dim).slice(count);
}

/**
 * A graph-indexed collection of `count` seeded points (no payload), written in chunks while the background build
 * runs, as a page filling a database would; resolves once every point is linked, with the time that took (first
 * write to fully indexed) and the thread report (`planned`: build batch shares the search workers planned).
 */
export async function build(
  name: string,
  searchThreads: number | false | null,
  collection: string,
  count: number,
  dim: number,
  /** False: return once the last write is acknowledged, the build still running. */
  untilIndexed = true,
  chunk = 500,
  /** The vectors' datatype (float16 / uint8 graphs plan on the workers too, ranking the rows as stored). */
  datatype: 'float32' | 'float16' | 'uint8' = 'float32',
) {
  const client = await db(name, searchThreads);
  await client.createCollection(collection, {
    vectors: { size: dim, distance: 'Cosine', datatype },
    hnsw_config: { m: 16, ef_construct: 64, full_scan_threshold: 10 },
    optimizers_config: { indexing_threshold: 1 },
  });
  const rows = vectors(BUILD_SEED, count, dim);
  const started = performance.now();
  for (let at = 0; at < count; at += chunk) {
    await client.upsert(collection, { wait: true, points: rows.slice(at, at + chunk).map((vector, j) => ({ id: at + j, vector })) });
  }
  if (!untilIndexed) return { ms: performance.now() - started, ...(await client.threads()), ...(await counts(name, collection)) };
  for (let i = 0; ; i++) {
    const info = await client.getCollection(collection);
    if (info.indexed_vectors_count === count && info.points_count === count) break;
    if (i > 12_000) throw new Error(`${collection}: ${info.indexed_vectors_count} of ${count} indexed after 10 minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ms: performance.now() - started, ...(await client.threads()) };
}

/**
 * recall@10 of graph walks against the exact answer (`params.exact`) over `n` seeded queries near `build`'s points,
 * and the walks' answers (ids and scores), to compare after a reload.
 */
export async function buildRecall(name: string, collection: string, count: number, dim: number, n: number) {
  const client = await db(name);
  let hit = 0;
  const answers: [number, number][][] = [];
  for (const query of buildQueries(count, dim, n)) {
    const walked = await client.query(collection, { query, limit: 10 });
    const exact = await client.query(collection, { query, limit: 10, params: { exact: true } });
    const truth = new Set(exact.points.map((p) => p.id));
    for (const p of walked.points) if (truth.has(p.id)) hit++;
    answers.push(walked.points.map((p) => [p.id as number, p.score]));
  }
  return { recall: hit / (n * 10), answers };
}

/**
 * Every point of `build` searched with its own vector through the graph (batches of 100): the ids not among their
 * own 10 nearest. A point the graph cannot reach (linked by no one) is missing from every walk, so it shows here.
 */
export async function unreachable(name: string, collection: string, count: number, dim: number) {
  const client = await db(name);
  const rows = vectors(BUILD_SEED, count, dim);
  const missing: number[] = [];
  for (let at = 0; at < count; at += 100) {
    const searches = rows.slice(at, at + 100).map((query) => ({ query, limit: 10, params: { hnsw_ef: 64 } }));
    const found = await client.queryBatch(collection, { searches });
    found.forEach((r, j) => {
      if (!r.points.some((p) => p.id === at + j)) missing.push(at + j);
    });
  }
  return missing;
}

/** Points and indexed vectors of `collection` as the engine reports them now (after a reopen: what was persisted). */
export async function counts(name: string, collection: string) {
  const info = await (await db(name)).getCollection(collection);
  return { points: info.points_count, indexed: info.indexed_vectors_count };
}

/** Resolves once `collection` has `count` points, every one linked into the graph. */
export async function indexed(name: string, collection: string, count: number) {
  return waitIndexed(await db(name), collection, count);
}

/** Makes everything written durable in IndexedDB (the segment with its graph), as before a reload. */
export async function flush(name: string) {
  await (await db(name)).flush();
}

export async function close(name: string) {
  const database = open.get(name);
  open.delete(name);
  await database?.close();
}
