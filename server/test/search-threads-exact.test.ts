import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedClient } from '@sextant/core';
import { openDatabase } from '../src/open-database.js';
import type { SearchPool } from '../src/search/search-pool.js';
import { counting, fillRows, seededRows } from './support/thread-fixtures.js';

// Exact scans on the search threads (issue 9): `exact: true`, collections below full_scan_threshold and collections
// not indexed yet are scanned by a thread over the shared arena; the answers must be the in-thread scan's, ids and
// scores, with deletions and under writes. 3,000 x 96 floats reach WebAssembly memory (1 MB), where arenas are shared.
const DIM = 96;
const START = 3_000;

const vectors = (seed: number, count: number) => seededRows(seed, count, DIM);

describe('exact scans on the search threads', () => {
  let client: EmbeddedClient;
  let threads: ReturnType<typeof counting>;
  const queries = vectors(7, 24);

  beforeAll(async () => {
    client = await openDatabase({ searchThreads: 2 });
    (client.executor as SearchPool).policy = 'always';
    threads = counting(client.executor!);
    client.executor = threads;
    // Default thresholds: 3,000 x 96 is far below full_scan_threshold (10,000 KB = 26,666 such vectors) and below
    // indexing_threshold (no graph is built): every search scans.
    await client.createCollection('small', { vectors: { size: DIM, distance: 'Cosine' } });
    await fillRows(client, 'small', 0, vectors(1, START));
  }, 120_000);
  afterAll(() => client.close());

  /** The same request with the executor detached: the in-thread answer. */
  async function inThread<T>(run: () => Promise<T>): Promise<T> {
    const executor = client.executor;
    client.executor = undefined;
    try {
      return await run();
    } finally {
      client.executor = executor;
    }
  }

  /**
   * Asks each request with threads on, checks the answer equals the in-thread one, and counts the answers that were a
   * thread's scan kept by the owner (a single-leaf request whose points are the thread's ids and scores; an answer
   * the owner refused, e.g. holding a deleted point, would have been scanned again in-thread and not count).
   */
  async function sameAsInThread(name: string, reqs: Parameters<EmbeddedClient['query']>[1][]): Promise<number> {
    let kept = 0;
    for (const req of reqs) {
      threads.lastScan = undefined;
      const threaded = await client.query(name, req);
      expect(threaded.points.length).toBeGreaterThan(0);
      expect(threaded).toEqual(await inThread(() => client.query(name, req)));
      const scan = threads.lastScan as { ids: Uint32Array; scores: Float32Array } | undefined;
      if (scan === undefined) continue;
      const ids = client.engine.resolve(name).segment.ids;
      expect(threaded.points.map((p) => p.id)).toEqual(Array.from(scan.ids, (id) => ids.externalOf(id)));
      expect(threaded.points.map((p) => Math.fround(p.score))).toEqual(Array.from(scan.scores));
      kept++;
    }
    return kept;
  }

  it('scans a collection below full_scan_threshold (no graph yet) on the threads, ids and scores as in-thread', async () => {
    const slot = client.engine.resolve('small').segment.slots.get('')!;
    expect(slot.kind === 'dense' && slot.index.indexedCount).toBe(0);
    const reqs = queries.map((query, i) => ({ query, limit: 1 + (i % 3) * 20, with_payload: false }));
    expect(await sameAsInThread('small', reqs)).toBe(reqs.length);
    // Ties: the same vector under many ids scores the same; the lower ids come first, as in-thread.
    await fillRows(client, 'small', START, Array.from({ length: 30 }, () => queries[0]!));
    expect(await sameAsInThread('small', [{ query: queries[0]!, limit: 40 }, { query: queries[0]!, limit: 7 }])).toBe(2);
    const top = (await client.query('small', { query: queries[0]!, limit: 40 })).points;
    expect(top.slice(0, 30).map((p) => p.id)).toEqual(Array.from({ length: 30 }, (_, i) => START + i));
    // search, batches and a fusion of two scanned prefetches go the same way.
    const search = { vector: queries[1]!, limit: 5 };
    expect(await client.search('small', search)).toEqual(await inThread(() => client.search('small', search)));
    const batch = { searches: queries.slice(0, 4).map((query) => ({ query, limit: 3 })) };
    expect(await client.queryBatch('small', batch)).toEqual(await inThread(() => client.queryBatch('small', batch)));
    const before = threads.scanned;
    const fused = { prefetch: [{ query: queries[1]!, limit: 20 }, { query: queries[2]!, limit: 20 }], query: { fusion: 'rrf' as const }, limit: 10 };
    expect(await client.query('small', fused)).toEqual(await inThread(() => client.query('small', fused)));
    expect(threads.scanned - before).toBe(2);
  }, 60_000);

  it('leaves deleted points and vectors out exactly as the in-thread scan does', async () => {
    await client.createCollection('del', { vectors: { a: { size: DIM, distance: 'Dot' }, b: { size: DIM, distance: 'Euclid' } } });
    const rows = vectors(3, START);
    for (let i = 0; i < START; i += 500) {
      await client.upsert('del', { wait: true, points: rows.slice(i, i + 500).map((v, j) => ({ id: i + j, vector: { a: v, b: v } })) });
    }
    const reqs = queries.flatMap((query) => [{ query, using: 'a', limit: 10 }, { query, using: 'b', limit: 10 }]);
    const before = await Promise.all(reqs.map((req) => client.query('del', req)));
    // Every query's best five points deleted, and vector `a` of the next five: the scans must skip both.
    const nearest = new Set(before.flatMap((r) => r.points.slice(0, 5).map((p) => p.id as number)));
    await client.delete('del', { wait: true, points: [...nearest] });
    const next = new Set(before.flatMap((r) => r.points.slice(5, 10).map((p) => p.id as number)).filter((id) => !nearest.has(id)));
    await client.deleteVectors('del', { wait: true, points: [...next], vector: ['a'] });
    expect(await sameAsInThread('del', reqs)).toBe(reqs.length);
    for (const req of reqs.filter((r) => r.using === 'a')) {
      const { points } = await client.query('del', req);
      for (const p of points) expect(nearest.has(p.id as number) || next.has(p.id as number)).toBe(false);
    }
  }, 60_000);

  it('scans on the threads when `exact: true` is asked of an indexed collection', async () => {
    await client.createCollection('idx', { vectors: { size: DIM, distance: 'Euclid' }, hnsw_config: { m: 8, ef_construct: 32, full_scan_threshold: 10 }, optimizers_config: { indexing_threshold: 1 } });
    await fillRows(client, 'idx', 0, vectors(5, START));
    await client.engine.resolve('idx').whenIndexed();
    const walked = threads.walked;
    expect(await sameAsInThread('idx', queries.map((query) => ({ query, limit: 10, params: { exact: true } })))).toBe(queries.length);
    expect(threads.walked).toBe(walked);
    // Without it, the same collection is walked.
    await client.query('idx', { query: queries[0]!, limit: 10 });
    expect(threads.walked).toBe(walked + 1);
  }, 60_000);

  it('scans float16 and uint8 rows on the threads as in-thread', async () => {
    for (const datatype of ['float16', 'uint8'] as const) {
      const name = `dt-${datatype}`;
      // uint8 takes 0..255 components; 4,000 x 256 bytes passes the 1 MB that puts the rows in shared memory.
      const dim = datatype === 'uint8' ? 256 : DIM;
      const rows = datatype === 'uint8' ? seededRows(9, 4_500, dim).map((v) => v.map((x) => Math.round((x + 1.5) * 80))) : vectors(9, START);
      await client.createCollection(name, { vectors: { size: dim, distance: 'Cosine', datatype } });
      await fillRows(client, name, 0, rows);
      const qs = datatype === 'uint8' ? rows.slice(0, 8).map((v) => v.map((x) => x + 1)) : queries.slice(0, 8);
      expect(await sameAsInThread(name, qs.map((query) => ({ query, limit: 10 })))).toBe(qs.length);
    }
  }, 60_000);

  it('never returns a deleted point or a torn row while writes race the scans, and agrees again once settled', async () => {
    await client.createCollection('race', { vectors: { size: DIM, distance: 'Cosine' } });
    const first = vectors(11, START);
    const second = vectors(12, START);
    await fillRows(client, 'race', 0, first);
    const cosine = (a: number[], b: number[]) => {
      let dot = 0, na = 0, nb = 0;
      for (let j = 0; j < DIM; j++) (dot += a[j]! * b[j]!), (na += a[j]! * a[j]!), (nb += b[j]! * b[j]!);
      return dot / Math.sqrt(na * nb);
    };
    // 1. Writers: points overwritten with their second vector (a fresh internal id each), deletions, and new points
    // (the arena doubles past 4,096 ids), acknowledged one by one.
    const deleted = new Set<number>();
    let writing = true;
    const more = vectors(13, 1_500);
    const writer = (async () => {
      try {
        for (let r = 0; r < 15; r++) {
          const moved = Array.from({ length: 100 }, (_, j) => (r * 100 + j * 7) % START).filter((id) => !deleted.has(id));
          await client.upsert('race', { wait: true, points: moved.map((id) => ({ id, vector: second[id]! })) });
          const victims = Array.from({ length: 20 }, (_, j) => (r * 53 + j * 149) % START).filter((id) => !deleted.has(id));
          await client.delete('race', { wait: true, points: victims });
          for (const id of victims) deleted.add(id);
          await client.upsert('race', { wait: true, points: more.slice(r * 100, r * 100 + 100).map((vector, j) => ({ id: START + r * 100 + j, vector })) });
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      } finally {
        writing = false;
      }
    })();
    // 2. Readers: no point deleted before the query was asked; each score is the point's cosine to one of its own
    // vectors (a row read while written would be neither); best first.
    const scannedBefore = threads.scanned;
    let answered = 0;
    const reader = async (lane: number) => {
      for (let i = lane; writing; i += 3) {
        const deletedBefore = new Set(deleted);
        const query = queries[i % queries.length]!;
        const { points } = await client.query('race', { query, limit: 10 });
        expect(points).toHaveLength(10);
        expect(new Set(points.map((p) => p.id)).size).toBe(10);
        for (let j = 0; j < points.length; j++) {
          const id = points[j]!.id as number;
          expect(deletedBefore.has(id)).toBe(false);
          const own = id >= START ? [more[id - START]!] : [first[id]!, second[id]!];
          expect(own.some((v) => Math.abs(cosine(query, v) - points[j]!.score) < 1e-5)).toBe(true);
          if (j > 0) expect(points[j]!.score).toBeLessThanOrEqual(points[j - 1]!.score);
        }
        answered++;
      }
    };
    await Promise.all([writer, reader(0), reader(1), reader(2)]);
    expect(answered).toBeGreaterThan(10);
    expect(threads.scanned - scannedBefore).toBeGreaterThan(5);
    // 3. Settled: the threads scan the grown arena, with its holes, exactly as in-thread.
    expect(await sameAsInThread('race', queries.map((query) => ({ query, limit: 10 })))).toBe(queries.length);
  }, 120_000);

  it('scans again in-thread when the best point is deleted or overwritten between the dispatch and the answer', async () => {
    await client.createCollection('late', { vectors: { size: DIM, distance: 'Cosine' } });
    const rows = vectors(17, START);
    await fillRows(client, 'late', 0, rows);
    const executor = client.executor!;
    const segment = () => client.engine.resolve('late').segment;
    let change: (id: number | string) => Promise<unknown> = async () => undefined;
    // The scan's answer comes back only after a write to the point it ranked first (acknowledged, so applied).
    client.executor = {
      threads: executor.threads,
      close: () => executor.close(),
      offloadNow: () => true,
      searchGraph: (...args) => executor.searchGraph(...args),
      scanRows: async (...args) => {
        const found = await executor.scanRows!(...args);
        if (found !== undefined && found.ids.length > 0) await change(segment().ids.externalOf(found.ids[0]!));
        return found;
      },
    };
    try {
      for (const [i, query] of queries.slice(0, 6).entries()) {
        let touched: number | string | undefined;
        change = async (id) => {
          touched = id;
          // Even queries: the point is deleted; odd ones: its vector is overwritten (a fresh internal id, far away).
          if (i % 2 === 0) await client.delete('late', { wait: true, points: [id] });
          else await client.upsert('late', { wait: true, points: [{ id, vector: query.map((x) => -x) }] });
        };
        const { points } = await client.query('late', { query, limit: 10 });
        expect(touched).toBeDefined();
        expect(points.map((p) => p.id)).not.toContain(touched);
        change = async () => undefined;
        expect(points).toEqual((await inThread(() => client.query('late', { query, limit: 10 }))).points);
      }
    } finally {
      client.executor = executor;
    }
  }, 60_000);

  it('under the default policy scans a lone search on the event loop and hops when it already has search work', async () => {
    const pool = threads.pool;
    pool.policy = 'busy';
    try {
      // 1. One per event-loop turn: every scan on the event loop.
      let before = threads.scanned;
      for (const query of queries.slice(0, 6)) {
        const req = { query, limit: 10 };
        expect(await client.query('small', req)).toEqual(await inThread(() => client.query('small', req)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(threads.scanned - before).toBe(0);
      // 2. Eight at once: the first on the event loop, the seven others on the threads, the same answers.
      const reqs = queries.slice(0, 8).map((query) => ({ query, limit: 10, params: { exact: true } }));
      const expected = await inThread(() => Promise.all(reqs.map((req) => client.query('small', req))));
      before = threads.scanned;
      expect(await Promise.all(reqs.map((req) => client.query('small', req)))).toEqual(expected);
      expect(threads.scanned - before).toBe(7);
    } finally {
      pool.policy = 'always';
    }
  });

  it('keeps filtered and quantized scans in-thread, with the same answers', async () => {
    await client.createCollection('q', { vectors: { size: DIM, distance: 'Cosine' }, quantization_config: { scalar: { type: 'int8' } } });
    await fillRows(client, 'q', 0, vectors(15, START), (id) => ({ g: id % 10 }));
    const before = threads.scanned;
    const filtered = { query: queries[0]!, limit: 5, filter: { must: [{ key: 'g', match: { value: 3 } }] } };
    const quantized = { query: queries[1]!, limit: 5 };
    for (const req of [filtered, quantized]) expect(await client.query('q', req)).toEqual(await inThread(() => client.query('q', req)));
    expect(threads.scanned).toBe(before);
    // `exact: true` skips the codes, so that scan goes.
    expect(await sameAsInThread('q', [{ query: queries[2]!, limit: 5, params: { exact: true } }])).toBe(1);
  }, 60_000);
});
