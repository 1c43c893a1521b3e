import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, exactSearch, MemoryStorage, type EmbeddedClient } from '@sextant/core';
import type { DenseSlot, LocalSegment } from '../src/collection/local-segment.js';
import type { BinaryEncoding, BinaryQueryEncoding } from '../src/collection/quantization-config.js';
import { DenseVectorStorage } from '../src/segment/dense-vector-storage.js';
import { BinaryQuantizedStorage } from '../src/segment/quantized-binary-storage.js';
import { searchNearest } from '../src/query/nearest.js';

const DIM = 128;
const N = 4000;
const K = 10;
const ENCODINGS: BinaryEncoding[] = ['one_bit', 'two_bits', 'one_and_half_bits'];
const QUERY_ENCODINGS: BinaryQueryEncoding[] = ['default', 'binary', 'scalar4bits', 'scalar8bits'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * Seeded clustered vectors: 24 Gaussian centres, Gaussian noise of 0.5-1x their scale (bench/src/dataset.ts's
 * shape). Binary codes need the noise to reach the signs: around tight clusters every member has the centre's bits.
 */
function clustered(seed: number, n: number, dim = DIM): Float32Array {
  const r = rng(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centers = Array.from({ length: 24 }, () => Array.from({ length: dim }, g));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centers[Math.floor(r() * centers.length)]!;
    const spread = 0.5 + 0.5 * r();
    for (let d = 0; d < dim; d++) out[i * dim + d] = c[d]! + spread * g();
  }
  return out;
}

/** `count` queries from the distribution of `clustered(seed, N)` (the same centres, later draws). */
const queriesFor = (seed: number, count: number): Float32Array => clustered(seed, N + count).subarray(N * DIM);

/**
 * The reference: Qdrant's encodings written out bit by bit from their definitions (per-dimension mean and sample
 * deviation over all rows, 2/3 sigma band; query planes over [-max|q|, max|q|]) and the weighted XOR-popcount, one bit at a time.
 */
function reference(rows: Float32Array[], query: Float32Array, encoding: BinaryEncoding, queryEncoding: BinaryQueryEncoding): number[] {
  const dim = query.length;
  const mean = new Array<number>(dim).fill(0);
  const std = new Array<number>(dim).fill(0);
  for (const v of rows) for (let i = 0; i < dim; i++) mean[i]! += v[i]! / rows.length;
  for (const v of rows) for (let i = 0; i < dim; i++) std[i]! += (v[i]! - mean[i]!) ** 2 / (rows.length - 1);
  for (let i = 0; i < dim; i++) std[i] = Math.sqrt(std[i]!);
  const encode = (v: Float32Array): number[] => {
    const two = (x: number, i: number): [number, number] => {
      if (encoding === 'one_bit') return [x > 0 ? 1 : 0, 0];
      if (std[i]! < 1.1920929e-7) return [x > 0 ? 1 : 0, 0];
      const z = (x - mean[i]!) / std[i]!;
      return z <= -2 / 3 ? [0, 0] : z < 2 / 3 ? [1, 0] : [1, 1];
    };
    const first = Array.from(v, (x, i) => two(x, i)[0]);
    if (encoding === 'one_bit') return first;
    const second = Array.from(v, (x, i) => two(x, i)[1]);
    if (encoding === 'two_bits') return [...first, ...second];
    const merged: number[] = [];
    for (let j = 0; j < Math.ceil(dim / 2); j++) merged.push(second[2 * j]! | (second[2 * j + 1] ?? 0));
    return [...first, ...merged];
  };
  const planes = queryEncoding === 'scalar8bits' ? 8 : queryEncoding === 'scalar4bits' ? 4 : 1;
  let qValues: number[];
  if (planes === 1) qValues = encode(query);
  else {
    const ext = Array.from(query);
    if (encoding === 'two_bits') ext.push(...query);
    if (encoding === 'one_and_half_bits') for (let j = 0; j < Math.ceil(dim / 2); j++) ext.push(Math.max(query[2 * j]!, query[2 * j + 1] ?? -Infinity));
    const max = Math.max(...ext.map(Math.abs));
    const levels = 2 ** planes - 1;
    qValues = ext.map((x) => Math.round((x + max) / ((2 * max) / levels)) & levels);
  }
  return rows.map((v) => {
    const bits = encode(v);
    let s = 0;
    for (let i = 0; i < bits.length; i++) for (let b = 0; b < planes; b++) s += (bits[i]! ^ ((qValues[i]! >> b) & 1)) << b;
    return s;
  });
}

async function build(distance: 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan', data: Float32Array, binary: object, storage?: MemoryStorage) {
  const client = await createEmbeddedClient(storage === undefined ? {} : { storage });
  await client.createCollection('q', {
    vectors: { size: DIM, distance },
    hnsw_config: { full_scan_threshold: 0, m: 16, ef_construct: 100 },
    optimizers_config: { indexing_threshold: 1 },
    quantization_config: { binary },
  });
  for (let from = 0; from < N; from += 1000) {
    const points = [];
    for (let id = from; id < from + 1000; id++) points.push({ id, vector: Array.from(data.subarray(id * DIM, (id + 1) * DIM)) });
    await client.upsert('q', { wait: true, points });
  }
  const collection = client.engine.resolve('q') as unknown as { segment: LocalSegment; whenIndexed(): Promise<void> };
  await collection.whenIndexed();
  return { client, segment: collection.segment };
}

const slotOf = (segment: LocalSegment): DenseSlot => [...segment.slots.values()][0] as DenseSlot;
const segmentOf = (client: EmbeddedClient): LocalSegment => (client.engine.resolve('q') as unknown as { segment: LocalSegment }).segment;

describe('binary quantization', () => {
  it('ranks every encoding and query encoding as Qdrant defines them, in WebAssembly SIMD and in JS alike', () => {
    // 200 dims: rows of 2 to 4 chunks of 16 bytes with padding, so chunk and plane offsets are exercised.
    const dim = 200;
    const n = 300;
    const data = clustered(3, n, dim);
    for (const encoding of ENCODINGS) {
      for (const queryEncoding of QUERY_ENCODINGS) {
        for (const simd of [true, false]) {
          const floats = new DenseVectorStorage(dim, 'Euclid', 16, { simd });
          for (let id = 0; id < n; id++) floats.set(id, data.subarray(id * dim, (id + 1) * dim));
          const bq = new BinaryQuantizedStorage(floats, { encoding, queryEncoding });
          expect(bq.simdActive, `${encoding} ${queryEncoding}`).toBe(simd);
          const query = floats.prepareQuery(clustered(4, 1, dim));
          const want = reference(Array.from({ length: n }, (_, id) => floats.get(id)), query, encoding, queryEncoding);
          const planes = queryEncoding.startsWith('scalar') ? 2 ** Number(queryEncoding.slice(6, 7)) - 1 : 1;
          bq.loadQuery(query);
          for (let i = 0; i < n; i++) bq.batchIds[i] = (i * 7) % n;
          bq.rankBatch(-1, n);
          for (let i = 0; i < n; i++) expect(bq.batchOut[i]! * planes, `${encoding} ${queryEncoding} ${simd}`).toBeCloseTo(want[(i * 7) % n]!, 2);
          bq.rankRange(-1, 0, n);
          for (let i = 0; i < n; i++) expect(bq.batchOut[i]! * planes).toBeCloseTo(want[i]!, 2);
        }
      }
    }
  });

  it('keeps every row and the loaded query when the code arena grows (in WebAssembly memory and in JS)', () => {
    const dim = 40;
    const data = clustered(5, 1000, dim);
    // one_bit rows are never re-encoded (no statistics): what the checks see is what survived each growth.
    for (const [simd, queryEncoding, encoding] of [true, false].flatMap((m) =>
      (['default', 'scalar4bits'] as const).flatMap((qe) => (['one_bit', 'one_and_half_bits'] as const).map((e) => [m, qe, e] as const)),
    )) {
      const floats = new DenseVectorStorage(dim, 'Cosine', 16, { simd });
      for (let id = 0; id < 10; id++) floats.set(id, data.subarray(id * dim, (id + 1) * dim));
      const bq = new BinaryQuantizedStorage(floats, { encoding, queryEncoding });
      // 1. Writes past the first capacity: the arena doubles several times under set().
      for (let id = 10; id < 1000; id++) {
        floats.set(id, data.subarray(id * dim, (id + 1) * dim));
        bq.set(id);
      }
      bq.refresh();
      const query = floats.prepareQuery(clustered(6, 1, dim));
      const want = reference(Array.from({ length: 1000 }, (_, id) => floats.get(id)), query, encoding, queryEncoding);
      bq.loadQuery(query);
      bq.rankRange(-1, 0, 1000);
      const scale = queryEncoding === 'default' ? 1 : 15;
      for (let i = 0; i < 1000; i++) expect(((bq.batchOut[i]! + dim) / 2) * scale, `${simd} ${queryEncoding} ${i}`).toBeCloseTo(want[i]!, 2);
      expect(bq.simdActive).toBe(simd);
    }
  });

  it('keeps recall@10 >= 0.95 with rescoring (x16) on the graph and the scan, and more bits rank better', async () => {
    const data = clustered(11, N);
    const queries = queriesFor(11, 50);
    const recallAt4: Record<string, number> = {};
    for (const [encoding, queryEncoding] of [...ENCODINGS.map((e) => [e, 'default']), ['two_bits', 'scalar8bits']] as const) {
      const { segment } = await build('Cosine', data, { encoding, query_encoding: queryEncoding, always_ram: true });
      const slot = slotOf(segment);
      let hitsGraph = 0;
      let hitsScan = 0;
      for (let qi = 0; qi < 50; qi++) {
        const vector = Array.from(queries.subarray(qi * DIM, (qi + 1) * DIM));
        const truth = new Set(exactSearch(slot.storage, slot.storage.prepareQuery(vector), K).ids);
        const graph = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { oversampling: 16 } });
        expect(graph.path).toBe('hnsw');
        const x4 = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { oversampling: 4 } });
        for (const id of x4.ids) if (truth.has(id)) recallAt4[`${encoding} ${queryEncoding}`] = (recallAt4[`${encoding} ${queryEncoding}`] ?? 0) + 1 / (50 * K);
        expect(graph.quantized).toBe(true);
        for (const id of graph.ids) if (truth.has(id)) hitsGraph++;
        // 1. Under full_scan_threshold the planner scans: the scan ranks the bits too, then rescores.
        slot.spec.hnsw.full_scan_threshold = 1e9;
        const scan = searchNearest(segment, { slot, vector, filter: undefined, k: K, quantization: { oversampling: 16 } });
        slot.spec.hnsw.full_scan_threshold = 0;
        expect(scan.path).toBe('exact');
        expect(scan.quantized).toBe(true);
        for (const id of scan.ids) if (truth.has(id)) hitsScan++;
      }
      expect(hitsGraph / (50 * K), encoding).toBeGreaterThanOrEqual(0.95);
      expect(hitsScan / (50 * K), encoding).toBeGreaterThanOrEqual(0.95);
      expect(slot.quantized).toBeInstanceOf(BinaryQuantizedStorage);
    }
    // 2. At x4 the two-bit rows with an 8-bit query keep clearly more of the truth than one bit a dimension.
    expect(recallAt4['two_bits scalar8bits']!).toBeGreaterThan(recallAt4['one_bit default']! + 0.05);
  });

  it('serves Dot, Euclid and Manhattan too, and filtered searches with deleted points', async () => {
    const data = clustered(71, N);
    const queries = queriesFor(71, 30);
    for (const distance of ['Dot', 'Euclid', 'Manhattan'] as const) {
      const { client, segment } = await build(distance, data, { query_encoding: 'scalar8bits' });
      const slot = slotOf(segment);
      let hits = 0;
      for (let qi = 0; qi < 30; qi++) {
        const vector = Array.from(queries.subarray(qi * DIM, (qi + 1) * DIM));
        const truth = new Set(exactSearch(slot.storage, slot.storage.prepareQuery(vector), K).ids);
        const found = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { oversampling: 16 } });
        expect(found.quantized).toBe(true);
        for (const id of found.ids) if (truth.has(id)) hits++;
      }
      // Dot over unnormalized vectors is a weak graph even in floats; the others must hold the bar.
      expect(hits / (30 * K), distance).toBeGreaterThanOrEqual(distance === 'Dot' ? 0.8 : 0.95);
      if (distance !== 'Euclid') continue;
      // 1. Mark odd ids, delete every third point, then a filtered query (odd ids) must return only live odd ids, in float order.
      await client.createPayloadIndex('q', { field_name: 'odd', field_schema: 'bool', wait: true });
      await client.setPayload('q', { wait: true, payload: { odd: true }, points: Array.from({ length: N / 2 }, (_, i) => 2 * i + 1) });
      await client.delete('q', { wait: true, points: Array.from({ length: Math.ceil(N / 3) }, (_, i) => 3 * i) });
      const vector = Array.from(queries.subarray(0, DIM));
      const res = await client.query('q', {
        query: vector,
        limit: K,
        filter: { must: [{ key: 'odd', match: { value: true } }] },
        params: { hnsw_ef: 128, quantization: { oversampling: 16 } },
      });
      expect(res.points).toHaveLength(K);
      for (const p of res.points) {
        expect(Number(p.id) % 2).toBe(1);
        expect(Number(p.id) % 3).not.toBe(0);
      }
      for (let i = 1; i < K; i++) expect(res.points[i]!.score).toBeGreaterThanOrEqual(res.points[i - 1]!.score);
      const exact = await client.query('q', { query: vector, limit: K, filter: { must: [{ key: 'odd', match: { value: true } }] }, params: { exact: true } });
      const want = new Set(exact.points.map((p) => p.id));
      expect(res.points.filter((p) => want.has(p.id)).length).toBeGreaterThanOrEqual(9);
    }
  });

  it('quantizes float16 vectors too (binary and int8), and leaves uint8 ones to rank as they are', async () => {
    const data = clustered(81, 2000);
    const queries = queriesFor(81, 20);
    for (const [datatype, quantization_config] of [
      ['float16', { binary: { query_encoding: 'scalar8bits' } }],
      ['float16', { scalar: { type: 'int8', quantile: 0.99 } }],
      ['uint8', { binary: {} }],
    ] as const) {
      const client = await createEmbeddedClient();
      await client.createCollection('h', {
        vectors: { size: DIM, distance: 'Cosine', datatype },
        hnsw_config: { full_scan_threshold: 0 },
        optimizers_config: { indexing_threshold: 1 },
        quantization_config,
      });
      const points = Array.from({ length: 2000 }, (_, id) => ({
        id,
        vector: Array.from(data.subarray(id * DIM, (id + 1) * DIM), (x) => (datatype === 'uint8' ? Math.round(128 + 40 * x) : x)),
      }));
      await client.upsert('h', { wait: true, points });
      const collection = client.engine.resolve('h') as unknown as { segment: LocalSegment; whenIndexed(): Promise<void> };
      await collection.whenIndexed();
      const slot = slotOf(collection.segment);
      let hits = 0;
      for (let qi = 0; qi < 20; qi++) {
        const vector = Array.from(queries.subarray(qi * DIM, (qi + 1) * DIM), (x) => (datatype === 'uint8' ? Math.round(128 + 40 * x) : x));
        const truth = new Set(exactSearch(slot.storage, slot.storage.prepareQuery(vector), K).ids);
        const found = searchNearest(collection.segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { oversampling: 16 } });
        expect(found.quantized, `${datatype} ${JSON.stringify(quantization_config)}`).toBe(datatype === 'uint8' ? undefined : true);
        for (const id of found.ids) if (truth.has(id)) hits++;
      }
      expect(hits / (20 * K), datatype).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('returns float scores after rescoring and Qdrant quantized scores (dim - 2 x Hamming) without', async () => {
    const { segment } = await build('Cosine', clustered(21, N), {});
    const slot = slotOf(segment);
    const vector = Array.from(queriesFor(21, 1));
    const q = slot.storage.prepareQuery(vector);
    const rescored = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { oversampling: 3 } });
    for (let i = 0; i < rescored.ids.length; i++) {
      expect(rescored.scores[i]).toBeCloseTo(slot.storage.score(q, rescored.ids[i]!), 5);
      if (i > 0) expect(rescored.scores[i]!).toBeLessThanOrEqual(rescored.scores[i - 1]!);
    }
    const raw = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { rescore: false } });
    expect(raw.quantized).toBe(true);
    const hamming = reference(Array.from(raw.ids, (id) => slot.storage.get(id)), q, 'one_bit', 'default');
    for (let i = 0; i < raw.ids.length; i++) expect(raw.scores[i]).toBe(DIM - 2 * hamming[i]!);
  });

  it('keeps the fit across close and reopen: the same codes and answers, even when fitted on fewer points than now', async () => {
    for (const quantization_config of [
      { binary: { encoding: 'two_bits', query_encoding: 'scalar8bits' } },
      { scalar: { type: 'int8', quantile: 0.95 } },
    ] as const) {
      const storage = new MemoryStorage();
      const data = clustered(31, N);
      const client = await createEmbeddedClient({ storage });
      await client.createCollection('q', {
        vectors: { size: DIM, distance: 'Cosine' },
        hnsw_config: { full_scan_threshold: 0 },
        optimizers_config: { indexing_threshold: 1 },
        quantization_config,
      });
      const upsert = async (c: EmbeddedClient, from: number, to: number) => {
        const points = [];
        for (let id = from; id < to; id++) points.push({ id, vector: Array.from(data.subarray(id * DIM, (id + 1) * DIM)) });
        await c.upsert('q', { wait: true, points });
      };
      const vector = Array.from(queriesFor(31, 1));
      const ask = (c: EmbeddedClient) => c.query('q', { query: vector, limit: K, params: { hnsw_ef: 64, quantization: { oversampling: 2, rescore: false } } });
      // 1. The first search fits on 1,000 points; 900 more stay under the refit (x2) and are encoded with that fit.
      await upsert(client, 0, 1000);
      await ask(client);
      await upsert(client, 1000, 1900);
      await (client.engine.resolve('q') as unknown as { whenIndexed(): Promise<void> }).whenIndexed();
      const codes = (c: EmbeddedClient): number[] => {
        const slot = slotOf(segmentOf(c));
        const q = slot.quantized!;
        q.loadQuery(slot.storage.prepareQuery(vector));
        for (let i = 0; i < 1900; i++) q.batchIds[i] = i;
        q.rankBatch(-1, 1900);
        return Array.from(q.batchOut.subarray(0, 1900));
      };
      const before = await ask(client);
      const codesBefore = codes(client);
      await client.close();
      // 2. Reopened: the saved fit (not one over the 1,900 points now live) encodes the rows, so nothing moves.
      const reopened = await createEmbeddedClient({ storage });
      const slot = slotOf(segmentOf(reopened));
      expect(slot.quantized, JSON.stringify(quantization_config)).toBeDefined();
      expect(codes(reopened)).toEqual(codesBefore);
      const after = await ask(reopened);
      expect(after.points.map((p) => p.id)).toEqual(before.points.map((p) => p.id));
      after.points.forEach((p, i) => expect(p.score).toBeCloseTo(before.points[i]!.score, 5));
      // 3. A config changed since the save is not restored: the first search builds a fresh companion.
      await reopened.updateCollection('q', { quantization_config: { binary: { encoding: 'one_bit' } } });
      await ask(reopened);
      expect((slotOf(segmentOf(reopened)).quantized as BinaryQuantizedStorage).spec.encoding).toBe('one_bit');
      await reopened.close();
    }
  });

  it('follows updateCollection: scalar -> binary -> another encoding -> Disabled', async () => {
    const { client, segment } = await build('Dot', clustered(51, N), {});
    const vector = Array.from(queriesFor(51, 1));
    const ask = () => searchNearest(segment, { slot: slotOf(segment), vector, filter: undefined, k: K, hnswEf: 64 });
    expect(ask().quantized).toBe(true);
    expect((slotOf(segment).quantized as BinaryQuantizedStorage).spec.encoding).toBe('one_bit');
    await client.updateCollection('q', { quantization_config: { scalar: { type: 'int8', quantile: 0.99 } } });
    expect(ask().quantized).toBe(true);
    expect(slotOf(segment).quantized).not.toBeInstanceOf(BinaryQuantizedStorage);
    await client.updateCollection('q', { quantization_config: { binary: { encoding: 'one_and_half_bits', query_encoding: 'scalar4bits' } } });
    expect((await client.getCollection('q')).config.quantization_config).toEqual({ binary: { encoding: 'one_and_half_bits', query_encoding: 'scalar4bits' } });
    expect(ask().quantized).toBe(true);
    const bq = slotOf(segment).quantized as BinaryQuantizedStorage;
    expect(bq.spec).toEqual({ encoding: 'one_and_half_bits', queryEncoding: 'scalar4bits' });
    expect(bq.bits).toBe(DIM + DIM / 2);
    await client.updateCollection('q', { quantization_config: 'Disabled' });
    expect(ask().quantized).toBeUndefined();
    expect(slotOf(segment).quantized).toBeUndefined();
  });

  it('keeps codes current on writes and honours a per-vector config over the collection one', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('v', {
      vectors: { a: { size: 8, distance: 'Cosine', quantization_config: { binary: { encoding: 'two_bits' } } }, b: { size: 8, distance: 'Cosine' } },
      quantization_config: { scalar: { type: 'int8' } },
      hnsw_config: { full_scan_threshold: 0 },
    });
    const segment = (client.engine.resolve('v') as unknown as { segment: LocalSegment }).segment;
    expect((segment.slots.get('a') as DenseSlot).spec.binary).toEqual({ encoding: 'two_bits', queryEncoding: 'default' });
    expect((segment.slots.get('b') as DenseSlot).spec.binary).toBeUndefined();
    const r = rng(61);
    const points = Array.from({ length: 200 }, (_, id) => ({ id, vector: { a: Array.from({ length: 8 }, () => r() - 0.5), b: Array.from({ length: 8 }, () => r() - 0.5) } }));
    await client.upsert('v', { wait: true, points });
    await client.query('v', { query: points[0]!.vector.a, using: 'a', limit: 1 });
    const v = [0.9, -0.9, 0.9, -0.9, 0.9, -0.9, 0.9, -0.9];
    await client.upsert('v', { wait: true, points: [{ id: 999, vector: { a: v, b: v } }] });
    const res = await client.query('v', { query: v, using: 'a', limit: 1, params: { quantization: { oversampling: 4 } } });
    expect(res.points[0]!.id).toBe(999);
    expect(res.points[0]!.score).toBeCloseTo(1, 5);    // 1. Per-vector diffs as Qdrant applies them: Disabled drops the vector's own config (the collection's int8
    //    applies again); a binary one replaces; an unknown encoding is refused.
    await client.updateCollection('v', { vectors: { a: { quantization_config: 'Disabled' }, b: { quantization_config: { binary: { encoding: 'one_and_half_bits' } } } } });
    const vectors = (await client.getCollection('v')).config.params.vectors as Record<string, { quantization_config?: unknown }>;
    expect(vectors.a!.quantization_config).toBeUndefined();
    expect(vectors.b!.quantization_config).toEqual({ binary: { encoding: 'one_and_half_bits' } });
    const after = (client.engine.resolve('v') as unknown as { segment: LocalSegment }).segment;
    expect((after.slots.get('a') as DenseSlot).spec).toMatchObject({ scalar: { quantile: 1 } });
    expect((after.slots.get('a') as DenseSlot).spec.binary).toBeUndefined();
    expect((after.slots.get('b') as DenseSlot).spec.binary).toEqual({ encoding: 'one_and_half_bits', queryEncoding: 'default' });
    await expect(client.updateCollection('v', { vectors: { a: { quantization_config: { binary: { encoding: 'x' as never } } } } })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('vectors.a.quantization_config.binary.encoding'),
    });
  });

  it('refuses unknown encodings with a 400 naming the field (a body that does not deserialize, as in Qdrant)', async () => {
    const client = await createEmbeddedClient();
    await expect(
      client.createCollection('bad', { vectors: { size: 4, distance: 'Dot' }, quantization_config: { binary: { encoding: 'three_bits' as never } } }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('quantization_config.binary.encoding') });
    await expect(
      client.createCollection('bad', { vectors: { v: { size: 4, distance: 'Dot', quantization_config: { binary: { query_encoding: 'scalar2bits' as never } } } } }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('vectors.v.quantization_config.binary.query_encoding') });
    await client.createCollection('ok', { vectors: { size: 4, distance: 'Dot' } });
    await expect(client.updateCollection('ok', { quantization_config: { binary: { encoding: 'x' as never } } })).rejects.toMatchObject({ status: 400 });
    await expect(
      client.createCollection('bad', { vectors: { size: 4, distance: 'Dot' }, quantization_config: { binary: { memory: 'warm' as never } } }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringContaining('quantization_config.binary.memory') });
    await client.createCollection('pinned', { vectors: { size: 4, distance: 'Dot' }, quantization_config: { binary: { memory: 'pinned' } as never } });
    expect((await client.getCollection('pinned')).config.quantization_config).toEqual({ binary: { memory: 'pinned' } });
    // 1. An out-of-range value deserializes but fails validation: 422.
    await expect(
      client.createCollection('bad', { vectors: { size: 4, distance: 'Dot' }, quantization_config: { scalar: { type: 'int8', quantile: 0.2 } } }),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining('quantization_config.scalar.quantile') });
  });
});
