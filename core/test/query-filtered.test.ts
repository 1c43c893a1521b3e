import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, exactSearch, type EmbeddedClient, type Filter } from '@sextant/core';
import type { DenseSlot, LocalSegment } from '../src/collection/local-segment.js';
import { searchNearest, walkFilterOf } from '../src/query/nearest.js';
import { denseBeam, walkKind } from '../src/index/hnsw/filtered-walk.js';
import { bindFilter } from '../src/query/point-filter.js';

const DIM = 16;
const N = 6000;
const TAGS = ['a', 'b', 'c', 'd'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * Seeded clustered vectors with a uniform `bucket` in 0..99 (selectivity s = bucket < 100 s), a keyword `tag`,
 * sometimes two of them, and a bool. `indexed` decides whether payload indexes exist; everything else is equal.
 */
async function build(indexed: boolean): Promise<{ client: EmbeddedClient; segment: LocalSegment; vectors: Float32Array; buckets: Uint8Array }> {
  const r = rng(77);
  const centers = Array.from({ length: 20 }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
  const vectors = new Float32Array(N * DIM);
  const buckets = new Uint8Array(N);
  const client = await createEmbeddedClient();
  // full_scan_threshold 0 KB: every filtered query walks the graph unless a test forces `exact`.
  await client.createCollection('c', {
    vectors: { size: DIM, distance: 'Cosine' },
    hnsw_config: { full_scan_threshold: 0, m: 16, ef_construct: 64 },
    optimizers_config: { indexing_threshold: 1 },
  });
  if (indexed) {
    await client.createPayloadIndex('c', { field_name: 'bucket', field_schema: 'integer' });
    await client.createPayloadIndex('c', { field_name: 'tag', field_schema: 'keyword' });
    await client.createPayloadIndex('c', { field_name: 'flag', field_schema: 'bool' });
  }
  for (let from = 0; from < N; from += 1000) {
    const points = [];
    for (let id = from; id < from + 1000; id++) {
      const c = centers[Math.floor(r() * centers.length)]!;
      for (let d = 0; d < DIM; d++) vectors[id * DIM + d] = c[d]! + (r() - 0.5) * 0.6;
      buckets[id] = Math.floor(r() * 100);
      const tag = r() < 0.2 ? [TAGS[id % 4]!, TAGS[(id + 1) % 4]!] : TAGS[id % 4]!;
      points.push({ id, vector: Array.from(vectors.subarray(id * DIM, (id + 1) * DIM)), payload: { bucket: buckets[id]!, tag, flag: id % 3 === 0 } });
    }
    await client.upsert('c', { wait: true, points });
  }
  // 1. Delete some points so live-ness matters on every path.
  await client.delete('c', { wait: true, points: Array.from({ length: 60 }, (_, i) => i * 97) });
  const collection = client.engine.resolve('c') as unknown as { segment: LocalSegment; whenIndexed(): Promise<void> };
  await collection.whenIndexed();
  return { client, segment: collection.segment, vectors, buckets };
}

function slotOf(segment: LocalSegment): DenseSlot {
  return [...segment.slots.values()][0] as DenseSlot;
}

const indexedP = build(true);
const plainP = build(false);

describe('filtered nearest search', () => {
  it('keeps recall@10 >= 0.95 on the graph at 1%, 10% and 50% selectivity (path asserted)', async () => {
    const { segment, vectors, buckets } = await indexedP;
    const slot = slotOf(segment);
    const r = rng(5);
    for (const s of [0.01, 0.1, 0.5]) {
      const limit = Math.round(100 * s);
      const filter = bindFilter(segment, { must: [{ key: 'bucket', range: { lt: limit } }] })!;
      expect(filter.exact).toBe(true);
      const matching = Uint32Array.from(Array.from({ length: N }, (_, i) => i).filter((i) => buckets[i]! < limit && segment.ids.isLive(i)));
      let hits = 0;
      const Q = 40;
      for (let q = 0; q < Q; q++) {
        const base = Math.floor(r() * N);
        const query = Array.from(vectors.subarray(base * DIM, (base + 1) * DIM), (x) => x + (r() - 0.5) * 0.1);
        const res = searchNearest(segment, { slot, vector: query, filter, k: 10, hnswEf: 64 });
        expect(res.path).toBe('hnsw');
        for (const id of res.ids) expect(buckets[id]! < limit && segment.ids.isLive(id)).toBe(true);
        const want = new Set(exactSearch(slot.storage, slot.storage.prepareQuery(query), 10, undefined, matching).ids);
        for (const id of res.ids) if (want.has(id)) hits++;
      }
      expect(hits / (Q * 10)).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('scans the matches when the estimate is under the threshold, and walks the graph above it', async () => {
    const { segment } = await indexedP;
    const slot = slotOf(segment);
    const saved = slot.spec.hnsw.full_scan_threshold;
    try {
      // 16-dim floats: 1 KB = 16 points; 60 KB = 960 points, between 1% (~60) and 50% (~3000) of the segment.
      slot.spec.hnsw.full_scan_threshold = 60;
      const q = Array.from({ length: DIM }, (_, i) => (i % 2 ? 0.5 : -0.5));
      const small = bindFilter(segment, { must: [{ key: 'bucket', match: { value: 3 } }] })!;
      const large = bindFilter(segment, { must: [{ key: 'bucket', range: { gte: 50 } }] })!;
      expect(searchNearest(segment, { slot, vector: q, filter: small, k: 10 }).path).toBe('exact');
      expect(searchNearest(segment, { slot, vector: q, filter: large, k: 10 }).path).toBe('hnsw');
    } finally {
      slot.spec.hnsw.full_scan_threshold = saved;
    }
  });

  it('indexed and unindexed filtering agree exactly on every path (byte set vs payload check)', async () => {
    const indexed = await indexedP;
    const plain = await plainP;
    const condition = fc.oneof(
      fc.record({ key: fc.constant('bucket'), range: fc.record({ gte: fc.integer({ min: 0, max: 99 }), lt: fc.integer({ min: 0, max: 100 }) }) }),
      fc.record({ key: fc.constant('bucket'), match: fc.oneof(fc.record({ value: fc.integer({ min: 0, max: 99 }) }), fc.record({ any: fc.array(fc.integer({ min: 0, max: 99 }), { maxLength: 4 }) })) }),
      fc.record({ key: fc.constant('tag'), match: fc.oneof(fc.record({ value: fc.constantFrom(...TAGS) }), fc.record({ any: fc.subarray(TAGS) })) }),
      fc.record({ key: fc.constant('flag'), match: fc.record({ value: fc.boolean() }) }),
      fc.record({ has_id: fc.array(fc.integer({ min: 0, max: N - 1 }), { maxLength: 50 }) }),
    );
    const filter = fc.oneof(
      fc.record({ must: fc.array(condition, { minLength: 1, maxLength: 3 }) }),
      fc.record({ should: fc.array(condition, { minLength: 1, maxLength: 3 }) }),
      fc.record({ must: fc.array(condition, { minLength: 1, maxLength: 2 }), must_not: fc.array(condition, { minLength: 1, maxLength: 2 }) }),
    );
    const slotA = slotOf(indexed.segment);
    const slotB = slotOf(plain.segment);
    fc.assert(
      fc.property(filter, fc.integer({ min: 0, max: N - 1 }), fc.boolean(), (raw, base, exact) => {
        const a = bindFilter(indexed.segment, raw as Filter)!;
        const b = bindFilter(plain.segment, raw as Filter)!;
        // 2. The byte set of an exactly-answered filter is the payload check, id for id.
        if (a.exact) {
          const bits = a.candidateBits()!;
          for (let id = 0; id < N; id++) if (indexed.segment.ids.isLive(id)) expect(bits[id] === 1).toBe(b.matches(id));
        }
        // 3. Exact search: the same top-10 from indexed candidates, from a payload scan of another segment, and from
        //    a payload scan of this one.
        const vector = Array.from(indexed.vectors.subarray(base * DIM, (base + 1) * DIM));
        const ra = searchNearest(indexed.segment, { slot: slotA, vector, filter: a, k: 10, exact });
        const rb = searchNearest(plain.segment, { slot: slotB, vector, filter: b, k: 10, exact });
        const unindexed = { ...b, exact: false, candidates: undefined, candidateBits: () => undefined };
        const rc = searchNearest(indexed.segment, { slot: slotA, vector, filter: unindexed, k: 10, exact });
        expect(ra.path).toBe(exact ? 'exact' : 'hnsw');
        if (exact) {
          expect([...ra.ids]).toEqual([...rb.ids]);
          expect([...ra.ids]).toEqual([...rc.ids]);
          expect([...ra.scores]).toEqual([...rc.scores]);
        }
        // 4. Graph walks (two-hop with the byte set, or plain) return only live matches, and fill up to k when the
        //    matches are there to fill it.
        const count = Array.from({ length: N }, (_, id) => id).filter((id) => indexed.segment.ids.isLive(id) && b.matches(id)).length;
        for (const r of [ra, rc]) {
          for (const id of r.ids) expect(indexed.segment.ids.isLive(id) && b.matches(id)).toBe(true);
          if (count >= 200) expect(r.ids.length).toBe(10);
        }
      }),
      { seed: 909, numRuns: 150 },
    );
  });

  it('walks unfiltered with a beam of max(ef, 2k / p) when at least 30% match, keeping the best matches of that beam', async () => {
    const { segment, vectors, buckets } = await indexedP;
    const slot = slotOf(segment);
    const kind = (raw: Filter) => walkKind(walkFilterOf(segment, { slot, vector: [], k: 10, filter: undefined }, bindFilter(segment, raw)!), 16);
    const at = (lt: number) => bindFilter(segment, { must: [{ key: 'bucket', range: { lt } }] })!;
    // 1. Only exact (byte set) filters of 30% and more take the unfiltered beam; 20% goes two-hop, 2% plain, and so
    //    does a filter no index answers; acorn at or below its max_selectivity asks for the plain walk (recall first).
    expect(kind({ must: [{ key: 'bucket', range: { lt: 50 } }] })).toBe('dense');
    expect(kind({ must: [{ key: 'bucket', range: { lt: 20 } }] })).toBe('two-hop');
    expect(kind({ must: [{ key: 'bucket', range: { lt: 2 } }] })).toBe('filtered');
    expect(kind({ must: [{ key: 'missing', range: { lt: 5 } }], should: [{ key: 'bucket', range: { lt: 50 } }] })).toBe('filtered');
    const acorn = (lt: number, max?: number) =>
      walkKind(walkFilterOf(segment, { slot, vector: [], k: 10, filter: undefined, acorn: { enable: true, max_selectivity: max } }, at(lt)), 16);
    expect(acorn(20)).toBe('filtered');
    expect(acorn(50)).toBe('dense');
    expect(acorn(50, 0.6)).toBe('filtered');
    const half = at(50);
    const beam = denseBeam(10, 64, half.estimate.exp / segment.ids.liveCount);
    expect(beam).toBe(64);
    expect(denseBeam(10, 16, 0.5)).toBe(40);
    // 2. The answer is the first 10 matches of the unfiltered walk with that beam, live, and never an excluded id.
    const r = rng(11);
    for (let q = 0; q < 20; q++) {
      const base = Math.floor(r() * N);
      const query = Array.from(vectors.subarray(base * DIM, (base + 1) * DIM));
      const got = searchNearest(segment, { slot, vector: query, filter: half, k: 10, hnswEf: 64 });
      const wide = searchNearest(segment, { slot, vector: query, filter: undefined, k: beam, hnswEf: beam });
      const want = [...wide.ids].filter((id) => buckets[id]! < 50).slice(0, 10);
      expect(got.path).toBe('hnsw');
      expect([...got.ids]).toEqual(want);
      const exclude = new Set([got.ids[0]!, got.ids[3]!]);
      const without = searchNearest(segment, { slot, vector: query, filter: half, k: 10, hnswEf: 64, exclude });
      expect(without.ids.length).toBe(10);
      for (const id of without.ids) expect(!exclude.has(id) && segment.ids.isLive(id) && buckets[id]! < 50).toBe(true);
    }
  });

  it('falls back to a filtered walk (plain when two-hop finds too few) when the wide beam holds fewer than k matches', async () => {
    // 1. Two clusters of 500 points, 2 apart (the graph still links them); the filter matches exactly the far one (50%), the query sits in the
    //    near one, so an unfiltered beam of 2 ef finds no match at all.
    const client = await createEmbeddedClient();
    await client.createCollection('two', { vectors: { size: 4, distance: 'Euclid' }, hnsw_config: { full_scan_threshold: 0, m: 8, ef_construct: 32 }, optimizers_config: { indexing_threshold: 1 } });
    await client.createPayloadIndex('two', { field_name: 'far', field_schema: 'bool', wait: true });
    const r = rng(3);
    const points = Array.from({ length: 1000 }, (_, id) => {
      const far = id % 2 === 1;
      return { id, vector: [far ? 2 : 0, r(), r(), r()], payload: { far } };
    });
    await client.upsert('two', { wait: true, points });
    const collection = client.engine.resolve('two') as unknown as { segment: LocalSegment; whenIndexed(): Promise<void> };
    await collection.whenIndexed();
    const segment = collection.segment;
    const slot = slotOf(segment);
    const filter = bindFilter(segment, { must: [{ key: 'far', match: { value: true } }] })!;
    expect(walkKind(walkFilterOf(segment, { slot, vector: [], k: 10, filter }, filter), 8)).toBe('dense');
    // 2. Still k matches, the true nearest ones of the far cluster.
    const query = [0, 0.5, 0.5, 0.5];
    const got = searchNearest(segment, { slot, vector: query, filter, k: 10, hnswEf: 16 });
    expect(got.path).toBe('hnsw');
    expect(got.ids.length).toBe(10);
    for (const id of got.ids) expect(id % 2).toBe(1);
    const matching = Uint32Array.from(points.filter((p) => p.payload.far).map((p) => p.id));
    const want = new Set(exactSearch(slot.storage, slot.storage.prepareQuery(query), 10, undefined, matching).ids);
    expect([...got.ids].filter((id) => want.has(id)).length).toBeGreaterThanOrEqual(8);
  });

  it('a repeated filter sees every write made since its last use (cached plans go stale on change)', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('w', { vectors: { size: 2, distance: 'Euclid' } });
    await client.createPayloadIndex('w', { field_name: 'k', field_schema: 'keyword', wait: true });
    await client.upsert('w', { wait: true, points: [1, 2, 3].map((id) => ({ id, vector: [id, 0], payload: { k: id === 1 ? 'x' : 'y' } })) });
    const filter = { must: [{ key: 'k', match: { value: 'x' } }] };
    const byId = { must: [{ has_id: [1, 4] }] };
    const ids = async (f: Filter) => (await client.query('w', { query: [0, 0], filter: f, limit: 10 })).points.map((p) => p.id);
    expect(await ids(filter)).toEqual([1]);
    expect(await ids(byId)).toEqual([1]);
    // 1. A payload change, 2. a new point, 3. a delete: each must show on the next identical query.
    await client.setPayload('w', { wait: true, points: [3], payload: { k: 'x' } });
    expect(await ids(filter)).toEqual([1, 3]);
    await client.upsert('w', { wait: true, points: [{ id: 4, vector: [0.5, 0], payload: { k: 'x' } }] });
    expect(await ids(filter)).toEqual([4, 1, 3]);
    expect(await ids(byId)).toEqual([4, 1]);
    await client.delete('w', { wait: true, points: [1] });
    expect(await ids(filter)).toEqual([4, 3]);
    expect(await ids(byId)).toEqual([4]);
    // 4. A repeated bad filter is refused every time (a plan is cached only once its filter has parsed).
    const bad = { must: [{ key: 'k', match: { value: 1.5 } }] } as unknown as Filter;
    for (let i = 0; i < 2; i++) await expect(ids(bad)).rejects.toMatchObject({ status: 400 });
  });
});
