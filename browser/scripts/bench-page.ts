// The page side of bench-chromium.mjs, bundled by it: loads and times a database through /sdk/sextant.js.
import { openDatabase } from '@sextant/browser';

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

/** Creates and fills the collection, then closes the database (which flushes the segment to IndexedDB). */
export async function load(name: string, count: number, dim: number, m: number) {
  const started = performance.now();
  const db = await openDatabase({ name });
  await db.createCollection('bench', { vectors: { size: dim, distance: 'Cosine', hnsw_config: { m } } });
  for (let at = 0; at < count; at += 2000) {
    const points = [];
    for (let i = at; i < Math.min(count, at + 2000); i++) points.push({ id: i + 1, vector: vector(i, dim) });
    await db.upsert('bench', { wait: at + 2000 >= count, points });
  }
  const loaded = performance.now();
  // The graph is built in the background (Qdrant's yellow status); wait for it, so that what the cold open reads
  // back is an indexed collection, as an app's would be, not one that a reopen must scan or index again.
  for (;;) {
    const info = await db.getCollection('bench');
    if (info.status === 'red') throw new Error(`indexing failed: ${JSON.stringify(info.optimizer_status)}`);
    if (info.status === 'green') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const indexed = performance.now();
  await db.close();
  return { loadMs: loaded - started, indexMs: indexed - loaded, closeMs: performance.now() - indexed, usage: (await navigator.storage.estimate()).usage ?? 0 };
}

/** Run on a fresh page: open from IndexedDB, first answer, then the latency of `queries` sequential queries. */
export async function coldOpenAndQuery(name: string, dim: number, queries: number) {
  const started = performance.now();
  const db = await openDatabase({ name });
  const { points_count, indexed_vectors_count } = await db.getCollection('bench');
  const opened = performance.now();
  await db.query('bench', { query: vector(1e9, dim), limit: 10 });
  const firstQuery = performance.now() - opened;
  const latencies: number[] = [];
  for (let i = 0; i < queries; i++) {
    const t = performance.now();
    await db.query('bench', { query: vector(2e9 + i, dim), limit: 10 });
    latencies.push(performance.now() - t);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  await db.close();
  return { points: points_count, indexed: indexed_vectors_count ?? 0, coldOpenMs: opened - started, firstQueryMs: firstQuery, p50Ms: at(0.5), p95Ms: at(0.95), queries };
}
