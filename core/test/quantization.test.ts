import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, exactSearch, type EmbeddedClient } from '@sextant/core';
import type { DenseSlot, LocalSegment } from '../src/collection/local-segment.js';
import { DenseVectorStorage } from '../src/segment/dense-vector-storage.js';
import { ScalarQuantizedStorage } from '../src/segment/quantized-scalar-storage.js';
import { searchNearest } from '../src/query/nearest.js';

const DIM = 32;
const N = 4000;
const K = 10;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Seeded clustered vectors: 24 centres, uniform noise around each. */
function clustered(seed: number, n: number): Float32Array {
  const r = rng(seed);
  const centers = Array.from({ length: 24 }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = centers[Math.floor(r() * centers.length)]!;
    for (let d = 0; d < DIM; d++) out[i * DIM + d] = c[d]! + (r() - 0.5) * 0.8;
  }
  return out;
}

async function build(distance: 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan', data: Float32Array): Promise<{ client: EmbeddedClient; segment: LocalSegment }> {
  const client = await createEmbeddedClient();
  await client.createCollection('q', {
    vectors: { size: DIM, distance },
    hnsw_config: { full_scan_threshold: 0, m: 16, ef_construct: 100 },
    optimizers_config: { indexing_threshold: 1 },
    quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
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

function slotOf(segment: LocalSegment): DenseSlot {
  return [...segment.slots.values()][0] as DenseSlot;
}

describe('scalar int8 quantization', () => {
  it('keeps recall@10 >= 0.95 with rescoring (x2 oversampling) on the graph and the scan, and near the float walk', async () => {
    const data = clustered(11, N);
    const queries = clustered(12, 50);
    for (const distance of ['Cosine', 'Euclid', 'Dot', 'Manhattan'] as const) {
      const { segment } = await build(distance, data);
      const slot = slotOf(segment);
      let hitsGraph = 0;
      let hitsScan = 0;
      let hitsFloat = 0;
      for (let qi = 0; qi < 50; qi++) {
        const vector = Array.from(queries.subarray(qi * DIM, (qi + 1) * DIM));
        const truth = new Set(exactSearch(slot.storage, slot.storage.prepareQuery(vector), K).ids);
        const graph = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { oversampling: 2 } });
        expect(graph.path).toBe('hnsw');
        expect(graph.quantized).toBe(true);
        for (const id of graph.ids) if (truth.has(id)) hitsGraph++;
        const fl = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { ignore: true } });
        for (const id of fl.ids) if (truth.has(id)) hitsFloat++;
        // 1. Under full_scan_threshold the planner scans: the scan ranks int8 codes too, then rescores.
        const saved = slot.spec.hnsw.full_scan_threshold;
        slot.spec.hnsw.full_scan_threshold = 1e9;
        const scan = searchNearest(segment, { slot, vector, filter: undefined, k: K, quantization: { oversampling: 2 } });
        slot.spec.hnsw.full_scan_threshold = saved;
        expect(scan.path).toBe('exact');
        expect(scan.quantized).toBe(true);
        for (const id of scan.ids) if (truth.has(id)) hitsScan++;
      }
      // 2. Dot over unnormalized vectors is a weak graph even in floats (~0.8 here): there the bar is the float walk's.
      if (distance !== 'Dot') expect(hitsGraph / (50 * K), distance).toBeGreaterThanOrEqual(0.95);
      expect(hitsGraph, distance).toBeGreaterThanOrEqual(hitsFloat - 10);
      expect(hitsScan / (50 * K), distance).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('returns float scores after rescoring and approximate ones without', async () => {
    const { segment } = await build('Euclid', clustered(21, N));
    const slot = slotOf(segment);
    const vector = Array.from(clustered(22, 1));
    const q = slot.storage.prepareQuery(vector);
    const rescored = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128 });
    for (let i = 0; i < rescored.ids.length; i++) {
      expect(rescored.scores[i]).toBeCloseTo(Math.sqrt(slot.storage.rank(q, rescored.ids[i]!)), 4);
      if (i > 0) expect(rescored.scores[i]!).toBeGreaterThanOrEqual(rescored.scores[i - 1]!);
    }
    const raw = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 128, quantization: { rescore: false } });
    expect(raw.quantized).toBe(true);
    let differs = false;
    for (let i = 0; i < raw.ids.length; i++) {
      const float = Math.sqrt(slot.storage.rank(q, raw.ids[i]!));
      // int8 steps of (range / 255) per component: close to the float distance, rarely equal to it.
      expect(Math.abs(raw.scores[i]! - float)).toBeLessThan(0.05 * float + 0.05);
      if (Math.abs(raw.scores[i]! - float) > 1e-6) differs = true;
    }
    expect(differs).toBe(true);
  });

  it('ignore: true and exact: true give the unquantized result', async () => {
    const { client, segment } = await build('Cosine', clustered(31, N));
    const slot = slotOf(segment);
    const vector = Array.from(clustered(32, 1));
    const saved = slot.spec.scalar;
    const ignored = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 64, quantization: { ignore: true } });
    expect(ignored.quantized).toBeUndefined();
    // 1. Same segment with the config turned off must answer identically.
    (slot.spec as { scalar?: unknown }).scalar = undefined;
    const plain = searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 64 });
    (slot.spec as { scalar?: unknown }).scalar = saved;
    expect(Array.from(ignored.ids)).toEqual(Array.from(plain.ids));
    expect(Array.from(ignored.scores)).toEqual(Array.from(plain.scores));
    // 2. Through the client: exact ignores quantization too, as Qdrant's plain search.
    const viaClient = await client.query('q', { query: vector, limit: K, params: { quantization: { ignore: true }, hnsw_ef: 64 } });
    expect(viaClient.points.map((p) => p.id)).toEqual(Array.from(plain.ids));
    const exact = searchNearest(segment, { slot, vector, filter: undefined, k: K, exact: true });
    expect(exact.quantized).toBeUndefined();
  });

  it('maintains codes on writes: a point upserted later is found by its own vector', async () => {
    const { client } = await build('Euclid', clustered(41, N));
    const v = Array.from({ length: DIM }, (_, i) => (i % 2 === 0 ? 0.9 : -0.9));
    await client.upsert('q', { wait: true, points: [{ id: 99_999, vector: v }] });
    const res = await client.query('q', { query: v, limit: 1, params: { hnsw_ef: 64, quantization: { rescore: true, oversampling: 2 } } });
    expect(res.points[0]!.id).toBe(99_999);
    expect(res.points[0]!.score).toBeCloseTo(0, 5);
  });

  it('round-trips the config through getCollection, per collection and per vector', async () => {
    const client = await createEmbeddedClient();
    const scalar = { scalar: { type: 'int8' as const, quantile: 0.95, always_ram: true } };
    await client.createCollection('a', { vectors: { size: 4, distance: 'Dot' }, quantization_config: scalar });
    expect((await client.getCollection('a')).config.quantization_config).toEqual(scalar);
    await client.createCollection('b', { vectors: { v: { size: 4, distance: 'Dot', quantization_config: scalar } } });
    const info = await client.getCollection('b');
    expect((info.config.params.vectors as Record<string, { quantization_config?: unknown }>).v!.quantization_config).toEqual(scalar);
    const specs = (client.engine.resolve('b') as unknown as { segment: LocalSegment }).segment.slots.get('v') as DenseSlot;
    expect(specs.spec.scalar).toEqual({ quantile: 0.95 });
  });

  it('follows updateCollection: a new quantile rebuilds the codes, Disabled drops them', async () => {
    const { client, segment } = await build('Dot', clustered(51, N));
    const slot = slotOf(segment);
    const vector = Array.from(clustered(52, 1));
    searchNearest(segment, { slot, vector, filter: undefined, k: K, hnswEf: 64 });
    expect(slot.quantized?.quantile).toBe(0.99);
    await client.updateCollection('q', { quantization_config: { scalar: { type: 'int8', quantile: 0.9 } } });
    expect((await client.getCollection('q')).config.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.9 } });
    const again = slotOf(segment);
    expect(searchNearest(segment, { slot: again, vector, filter: undefined, k: K, hnswEf: 64 }).quantized).toBe(true);
    expect(again.quantized?.quantile).toBe(0.9);
    await client.updateCollection('q', { quantization_config: 'Disabled' });
    const off = searchNearest(segment, { slot: slotOf(segment), vector, filter: undefined, k: K, hnswEf: 64 });
    expect(off.quantized).toBeUndefined();
    expect(slotOf(segment).quantized).toBeUndefined();
  });

  it('clips to the quantile: outliers do not widen the code range', () => {
    const s = new DenseVectorStorage(4, 'Euclid');
    const r = rng(5);
    for (let id = 0; id < 500; id++) s.set(id, [r(), r(), r(), id === 7 ? 1000 : r()]);
    const q = new ScalarQuantizedStorage(s, 0.99);
    q.loadQuery(s.prepareQuery([0.5, 0.5, 0.5, 0.5]));
    q.batchIds[0] = 1;
    q.rankBatch(-1, 1);
    // With the range [0, 1000] every code would be 0 and the rank of id 1 would be ~1, not its true distance.
    expect(q.batchOut[0]).toBeCloseTo(s.rank(s.prepareQuery([0.5, 0.5, 0.5, 0.5]), 1), 1);
  });
});
