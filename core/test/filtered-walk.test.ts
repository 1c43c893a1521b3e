import { describe, expect, it } from 'vitest';
import { DenseVectorStorage, HnswIndex, createEmbeddedClient, exactSearch, seededRandom, type EmbeddedClient, type Filter } from '@sextant/core';
import type { DenseSlot, LocalSegment } from '../src/collection/local-segment.js';
import { searchNearest } from '../src/query/nearest.js';
import { bindFilter } from '../src/query/point-filter.js';
import { scanIds } from '../src/index/hnsw/scan-ids.js';
import type { AcceptFn } from '../src/index/hnsw/search-layer.js';

const DIM = 16;
const N = 8000;
const SELECTIVITIES = [0.01, 0.1, 0.5];

interface Built {
  client: EmbeddedClient;
  segment: LocalSegment;
  slot: DenseSlot;
  vectors: Float32Array;
  buckets: Uint8Array;
}

/**
 * Seeded clustered vectors with a uniform integer `bucket` in 0..99 (selectivity s matches bucket < 100 s), an
 * integer index on it, some points deleted. `threshold` is full_scan_threshold in KB: 0 makes every filtered query
 * walk the graph, a large one makes the planner scan every match set exactly.
 */
async function build(threshold: number): Promise<Built> {
  const r = seededRandom(31);
  const centers = Array.from({ length: 24 }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
  const vectors = new Float32Array(N * DIM);
  const buckets = new Uint8Array(N);
  const client = await createEmbeddedClient();
  await client.createCollection('c', {
    vectors: { size: DIM, distance: 'Cosine' },
    hnsw_config: { full_scan_threshold: threshold, m: 16, ef_construct: 100 },
    optimizers_config: { indexing_threshold: 1 },
  });
  await client.createPayloadIndex('c', { field_name: 'bucket', field_schema: 'integer', wait: true });
  for (let from = 0; from < N; from += 1000) {
    const points = [];
    for (let id = from; id < from + 1000; id++) {
      const c = centers[Math.floor(r() * centers.length)]!;
      for (let d = 0; d < DIM; d++) vectors[id * DIM + d] = c[d]! + (r() - 0.5) * 0.7;
      buckets[id] = Math.floor(r() * 100);
      points.push({ id, vector: Array.from(vectors.subarray(id * DIM, (id + 1) * DIM)), payload: { bucket: buckets[id]! } });
    }
    await client.upsert('c', { wait: true, points });
  }
  await client.delete('c', { wait: true, points: Array.from({ length: 80 }, (_, i) => i * 89) });
  const collection = client.engine.resolve('c') as unknown as { segment: LocalSegment; whenIndexed(): Promise<void> };
  await collection.whenIndexed();
  const segment = collection.segment;
  return { client, segment, slot: [...segment.slots.values()][0] as DenseSlot, vectors, buckets };
}

const walkedP = build(0);
const scannedP = build(1_000_000);

function filterAt(s: number): Filter {
  return { must: [{ key: 'bucket', range: { lt: Math.round(100 * s) } }] };
}

function matchingIds(b: Built, s: number): Uint32Array {
  const limit = Math.round(100 * s);
  return Uint32Array.from(Array.from({ length: N }, (_, i) => i).filter((i) => b.buckets[i]! < limit && b.segment.ids.isLive(i)));
}

function queries(b: Built, count: number, seed: number): number[][] {
  const r = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const base = Math.floor(r() * N);
    return Array.from(b.vectors.subarray(base * DIM, (base + 1) * DIM), (x) => x + (r() - 0.5) * 0.2);
  });
}

describe('filtered search at 1%, 10% and 50%, both paths forced', () => {
  it('the default request (no hnsw_ef) walks the graph with recall@10 >= 0.95 and returns only live matches', async () => {
    const b = await walkedP;
    for (const s of SELECTIVITIES) {
      const filter = bindFilter(b.segment, filterAt(s))!;
      const matching = matchingIds(b, s);
      const allowed = new Set(matching);
      let hits = 0;
      const qs = queries(b, 40, 7);
      for (const vector of qs) {
        const got = searchNearest(b.segment, { slot: b.slot, vector, filter, k: 10 });
        expect(got.path).toBe('hnsw');
        expect(got.ids.length).toBe(10);
        for (const id of got.ids) expect(allowed.has(id)).toBe(true);
        const want = new Set(exactSearch(b.slot.storage, b.slot.storage.prepareQuery(vector), 10, undefined, matching).ids);
        for (const id of got.ids) if (want.has(id)) hits++;
      }
      expect(hits / (qs.length * 10), `recall at ${s * 100}%`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('the planner scan (threshold above every match set) and exact: true equal the oracle id for id, score for score', async () => {
    for (const b of [await scannedP, await walkedP]) {
      for (const s of SELECTIVITIES) {
        const filter = bindFilter(b.segment, filterAt(s))!;
        const matching = matchingIds(b, s);
        for (const vector of queries(b, 10, 9)) {
          const planned = b === (await scannedP);
          const got = searchNearest(b.segment, { slot: b.slot, vector, filter, k: 10, exact: !planned });
          expect(got.path).toBe('exact');
          const want = exactSearch(b.slot.storage, b.slot.storage.prepareQuery(vector), 10, undefined, matching);
          expect([...got.ids]).toEqual([...want.ids]);
          expect([...got.scores]).toEqual([...want.scores]);
        }
      }
    }
  });

  it('the client query without params agrees with the planner, and acorn keeps recall on the plain walk', async () => {
    const b = await walkedP;
    const vector = queries(b, 1, 13)[0]!;
    for (const s of SELECTIVITIES) {
      const res = await b.client.query('c', { query: vector, filter: filterAt(s), limit: 10, with_payload: false });
      const direct = searchNearest(b.segment, { slot: b.slot, vector, filter: bindFilter(b.segment, filterAt(s))!, k: 10 });
      expect(res.points.map((p) => p.id)).toEqual([...direct.ids].map((id) => b.segment.ids.externalOf(id)));
    }
    // acorn at or below max_selectivity (10% <= 0.4) takes the plain filtered walk: only matches, recall >= 0.95.
    const matching = matchingIds(b, 0.1);
    const allowed = new Set(matching);
    let hits = 0;
    const qs = queries(b, 20, 17);
    for (const q of qs) {
      const res = await b.client.query('c', { query: q, filter: filterAt(0.1), limit: 10, with_payload: false, params: { acorn: { enable: true } } });
      const ids = res.points.map((p) => b.segment.ids.internalOf(p.id as number)!);
      expect(ids.length).toBe(10);
      for (const id of ids) expect(allowed.has(id)).toBe(true);
      const want = new Set(exactSearch(b.slot.storage, b.slot.storage.prepareQuery(q), 10, undefined, matching).ids);
      for (const id of ids) if (want.has(id)) hits++;
    }
    expect(hits / (qs.length * 10)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('filtered walking parts', () => {
  it('scanIds equals exactSearch over candidate lists, with deleted ids, an accept, ties, checked or not', () => {
    const r = seededRandom(5);
    const dim = 8;
    const vs = new DenseVectorStorage(dim, 'Euclid', 64);
    for (let id = 0; id < 3000; id++) {
      // Every fifth vector repeats an earlier one, so equal ranks (ties) are common.
      const v = id % 5 === 4 ? Array.from(vs.get(id - 3)) : Array.from({ length: dim }, () => Math.round(r() * 4));
      vs.set(id, Float32Array.from(v));
    }
    for (let id = 0; id < 3000; id += 17) vs.delete(id);
    for (let round = 0; round < 30; round++) {
      const ids = Uint32Array.from(Array.from({ length: 3000 }, (_, i) => i).filter(() => r() < 0.3 + round / 60));
      const query = vs.prepareQuery(Float32Array.from({ length: dim }, () => Math.round(r() * 4)));
      const k = 1 + Math.floor(r() * 40);
      const accept = (id: number) => id % 3 !== 0;
      const want = exactSearch(vs, query, k, undefined, ids);
      const got = scanIds(vs, query, k, ids, false);
      expect([...got.ids]).toEqual([...want.ids]);
      expect([...got.scores]).toEqual([...want.scores]);
      const withAccept = scanIds(vs, query, k, ids, false, accept);
      expect([...withAccept.ids]).toEqual([...exactSearch(vs, query, k, accept, ids).ids]);
      // checked: the caller vouches that every id has a vector, so hand it only live ones.
      const live = ids.filter((id) => vs.has(id));
      expect([...scanIds(vs, query, k, live, true).ids]).toEqual([...want.ids]);
    }
  });

  it('a walk reading AcceptFn.bits returns what the same walk calling accept returns, in every walk kind', () => {
    const r = seededRandom(8);
    const dim = 12;
    const n = 4000;
    const vs = new DenseVectorStorage(dim, 'Dot', n);
    const index = new HnswIndex(vs, { m: 8, efConstruct: 48, seed: 3 });
    for (let id = 0; id < n; id++) {
      vs.set(id, Float32Array.from({ length: dim }, () => r() * 2 - 1));
      index.insert(id);
    }
    for (const share of [0.02, 0.1, 0.5]) {
      const bits = new Uint8Array(n);
      for (let id = 0; id < n; id++) bits[id] = r() < share ? 1 : 0;
      for (const twoHop of [false, true]) {
        for (let q = 0; q < 10; q++) {
          const query = vs.prepareQuery(Float32Array.from({ length: dim }, () => r() * 2 - 1));
          const called: AcceptFn = (id) => bits[id] === 1;
          called.twoHop = twoHop;
          const read: AcceptFn = () => {
            throw new Error('the walk must read the byte set, not call');
          };
          read.twoHop = twoHop;
          read.bits = bits;
          const a = index.search(query, 10, 32, called);
          const b = index.search(query, 10, 32, read);
          expect([...b.ids]).toEqual([...a.ids]);
          expect([...b.scores]).toEqual([...a.scores]);
          for (const id of a.ids) expect(bits[id]).toBe(1);
        }
      }
    }
  });
});

describe('indexed_only', () => {
  it('leaves out vectors not in the graph when they are too many to scan, and keeps a small collection whole', async () => {
    const client = await createEmbeddedClient();
    // 1. Indexing off (indexing_threshold 0): every vector stays pending. 10 KB of 16-dim floats = 160 points.
    for (const [name, n] of [['big', 1000], ['small', 100]] as const) {
      await client.createCollection(name, { vectors: { size: DIM, distance: 'Euclid' }, hnsw_config: { full_scan_threshold: 10 }, optimizers_config: { indexing_threshold: 0 } });
      await client.createPayloadIndex(name, { field_name: 'bucket', field_schema: 'integer', wait: true });
      const r = seededRandom(2);
      const points = Array.from({ length: n }, (_, id) => ({ id, vector: Array.from({ length: DIM }, () => r()), payload: { bucket: id % 100 } }));
      await client.upsert(name, { wait: true, points });
    }
    const query = Array.from({ length: DIM }, () => 0.5);
    const filter = { must: [{ key: 'bucket', range: { lt: 50 } }] };
    // 2. Without indexed_only both answer; with it, the big one (1000 pending >= 160) answers nothing, filtered or
    //    not, exact or planned; the small one (100 < 160) still answers in full.
    for (const params of [{}, { exact: true }]) {
      expect((await client.query('big', { query, limit: 5, params })).points).toHaveLength(5);
      expect((await client.query('big', { query, limit: 5, params: { ...params, indexed_only: true } })).points).toHaveLength(0);
      expect((await client.query('big', { query, filter, limit: 5, params: { ...params, indexed_only: true } })).points).toHaveLength(0);
      const small = await client.query('small', { query, filter, limit: 5, params: { ...params, indexed_only: true } });
      expect(small.points.map((p) => p.id)).toEqual((await client.query('small', { query, filter, limit: 5, params })).points.map((p) => p.id));
      expect(small.points).toHaveLength(5);
    }
  });
});
