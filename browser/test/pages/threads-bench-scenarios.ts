// Runs inside Chromium (bundled by the bench driver, bench/threads-bench.ts): query latency with and without the
// search workers, over one database filled once and reopened.
import { openDatabase, type BrowserDatabase } from '@sextant/browser';

let db: BrowserDatabase | undefined;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Point `i` of seeded clustered data (64 centres); queries are drawn past the stored points. */
function makeRows(from: number, count: number, dim: number): number[][] {
  const centreRand = rng(1);
  const centres = Array.from({ length: 64 }, () => Array.from({ length: dim }, () => centreRand() * 2 - 1));
  const rows: number[][] = [];
  for (let i = from; i < from + count; i++) {
    const r = rng(1000 + i);
    rows.push(centres[i % 64]!.map((c) => c + (r() - 0.5) * 0.8));
  }
  return rows;
}

/** `searchThreads` null: the default count. */
export async function open(name: string, searchThreads: number | null) {
  db = await openDatabase(searchThreads === null ? { name } : { name, searchThreads });
  return { isolated: crossOriginIsolated, ...(await db.threads()) };
}

export async function fill(collection: string, count: number, dim: number) {
  const client = db!;
  const started = performance.now();
  await client.createCollection(collection, {
    vectors: { size: dim, distance: 'Cosine' },
    hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10 },
    optimizers_config: { indexing_threshold: 1 },
  });
  for (let at = 0; at < count; at += 1000) {
    const rows = makeRows(at, Math.min(1000, count - at), dim);
    await client.upsert(collection, { wait: true, points: rows.map((vector, j) => ({ id: at + j, vector })) });
  }
  const written = performance.now();
  for (let i = 0; ; i++) {
    const info = await client.getCollection(collection);
    if (info.indexed_vectors_count === count) break;
    if (i > 30_000) throw new Error(`not indexed after 10 minutes (${info.indexed_vectors_count} of ${count})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const indexed = performance.now();
  await client.flush();
  // `indexed`: first write to every point linked; `tail`: what the build still took after the last write was acknowledged.
  return { seconds: (performance.now() - started) / 1000, indexed: (indexed - started) / 1000, tail: (indexed - written) / 1000 };
}

/** Sequential queries (one in flight): latency percentiles; then `lanes` in flight at once: queries/s. */
export async function measure(collection: string, count: number, dim: number, queries: number, lanes: number, ef: number) {
  const client = db!;
  const qs = makeRows(count, queries, dim);
  for (let i = 0; i < 20; i++) await client.query(collection, { query: qs[i % queries]!, limit: 10, params: { hnsw_ef: ef } });
  const times: number[] = [];
  for (const query of qs) {
    const t = performance.now();
    await client.query(collection, { query, limit: 10, params: { hnsw_ef: ef } });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < qs.length) await client.query(collection, { query: qs[next++]!, limit: 10, params: { hnsw_ef: ef } });
    }),
  );
  const qps = qs.length / ((performance.now() - started) / 1000);
  return { p50: times[Math.floor(times.length * 0.5)]!, p99: times[Math.floor(times.length * 0.99)]!, qps, ...(await client.threads()) };
}

export async function close() {
  await db?.close();
  db = undefined;
}

/** The open database's thread report (`planned`: build batch shares the search workers planned). */
export async function report() {
  return db!.threads();
}

/**
 * The build alone: `count` points written with indexing off (`indexing_threshold: 0`), then indexing turned on; the
 * seconds from that switch to every point linked.
 */
export async function buildAfterWrites(collection: string, count: number, dim: number) {
  const client = db!;
  await client.createCollection(collection, {
    vectors: { size: dim, distance: 'Cosine' },
    hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10 },
    optimizers_config: { indexing_threshold: 0 },
  });
  for (let at = 0; at < count; at += 1000) {
    const rows = makeRows(at, Math.min(1000, count - at), dim);
    await client.upsert(collection, { wait: true, points: rows.map((vector, j) => ({ id: at + j, vector })) });
  }
  const started = performance.now();
  await client.updateCollection(collection, { optimizers_config: { indexing_threshold: 1 } });
  for (let i = 0; ; i++) {
    const info = await client.getCollection(collection);
    if (info.indexed_vectors_count === count) break;
    if (i > 30_000) throw new Error(`not indexed after 10 minutes (${info.indexed_vectors_count} of ${count})`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { seconds: (performance.now() - started) / 1000 };
}
