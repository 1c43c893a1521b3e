import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage } from '@sextant/core';
import { roundF16 } from '../src/distance/half-float.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('vector datatypes through the client', () => {
  it('echoes the datatype in the config and validates it with Qdrant wording', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('h', { vectors: { size: 3, distance: 'Dot', datatype: 'float16' } });
    await client.createCollection('named', {
      vectors: { a: { size: 2, distance: 'Cosine', datatype: 'uint8' }, b: { size: 2, distance: 'Dot' } },
      sparse_vectors: { s: { index: { datatype: 'float16' } } },
    });
    const h = await client.getCollection('h');
    expect(h.config.params.vectors).toMatchObject({ size: 3, distance: 'Dot', datatype: 'float16' });
    const named = await client.getCollection('named');
    expect((named.config.params.vectors as Record<string, { datatype?: string }>)['a']!.datatype).toBe('uint8');
    expect(named.config.params.sparse_vectors?.['s']?.index?.datatype).toBe('float16');
    await expect(client.createCollection('bad', { vectors: { size: 3, distance: 'Dot', datatype: 'int4' as never } })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('vectors.datatype: unknown variant `int4`, expected one of `float32`, `uint8`, `float16`, `turbo4`'),
    });
    await expect(client.createCollection('t4', { vectors: { size: 3, distance: 'Dot', datatype: 'turbo4' } })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('turbo4'),
    });
  });

  it('uint8: casts writes and queries as Qdrant (3.7 -> 3, 300 -> 255, -2 -> 0), returns integers, scores on them', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('u', { vectors: { size: 4, distance: 'Dot', datatype: 'uint8' } });
    await client.upsert('u', {
      points: [
        { id: 1, vector: [3.7, 300, -2, 10] },
        { id: 2, vector: [1, 2, 3, 4] },
      ],
    });
    const [p] = await client.retrieve('u', { ids: [1], with_vector: true });
    expect(p!.vector).toEqual([3, 255, 0, 10]);
    // Query [1.9, 1, 0, 0.5] is cast to [1, 1, 0, 0]: point 1 scores 3 + 255, point 2 scores 1 + 2.
    const res = await client.query('u', { query: [1.9, 1, 0, 0.5], with_vector: true });
    expect(res.points.map((x) => [x.id, x.score])).toEqual([[1, 258], [2, 3]]);
    expect(res.points[1]!.vector).toEqual([1, 2, 3, 4]);
  });

  it('uint8 Cosine divides by both norms (not normalized on write) and a zero vector scores 0', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('c', { vectors: { size: 2, distance: 'Cosine', datatype: 'uint8' } });
    await client.upsert('c', { points: [{ id: 1, vector: [3, 4] }, { id: 2, vector: [0, 0] }, { id: 3, vector: [10, 0] }] });
    const res = await client.query('c', { query: [6, 8], with_vector: true });
    expect(res.points.map((x) => x.id)).toEqual([1, 3, 2]);
    expect(res.points[0]!.score).toBeCloseTo(1, 6);
    expect(res.points[1]!.score).toBeCloseTo(0.6, 6);
    expect(res.points[2]!.score).toBe(0);
    expect(res.points[0]!.vector).toEqual([3, 4]);
  });

  it('float16: stores and returns the rounded values (Cosine: normalized, then rounded) and rejects overflow', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('f', { vectors: { e: { size: 3, distance: 'Euclid', datatype: 'float16' }, c: { size: 2, distance: 'Cosine', datatype: 'float16' } } });
    await client.upsert('f', { points: [{ id: 1, vector: { e: [0.1, 1000.3, -2.0001], c: [3, 4] } }] });
    const [p] = await client.retrieve('f', { ids: [1], with_vector: true });
    const v = p!.vector as Record<string, number[]>;
    expect(v['e']).toEqual([roundF16(0.1), roundF16(1000.3), roundF16(-2.0001)]);
    expect(v['e']![0]).toBe(0.0999755859375);
    expect(v['c']).toEqual([roundF16(Math.fround(0.6)), roundF16(Math.fround(0.8))]);
    const res = await client.query('f', { query: [0, 1000, -2], using: 'e' });
    const want = Math.hypot(roundF16(0.1), roundF16(1000.3) - 1000, roundF16(-2.0001) + 2);
    expect(res.points[0]!.score).toBeCloseTo(want, 4);
    // 70000 would be stored as Infinity; a Cosine vector is normalized first, so large values are fine there.
    await expect(client.upsert('f', { points: [{ id: 2, vector: { e: [70000, 0, 0], c: [1, 1] } }] })).rejects.toMatchObject({
      status: 422,
      message: expect.stringContaining('does not fit datatype float16'),
    });
    await client.upsert('f', { points: [{ id: 3, vector: { e: [65519, 0, 0], c: [70000, 1e6] } }] });
  });

  it.each(['float16', 'uint8'] as const)('%s: exact and HNSW searches agree with an oracle on the stored values, and survive a reopen', async (datatype) => {
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    const dim = 16;
    await client.createCollection('d', {
      vectors: { size: dim, distance: 'Euclid', datatype },
      hnsw_config: { full_scan_threshold: 0 },
      optimizers_config: { indexing_threshold: 1 },
    });
    const r = rng(3);
    const gen = () => Array.from({ length: dim }, () => (datatype === 'uint8' ? Math.floor(r() * 256) : r() * 2 - 1));
    const points = Array.from({ length: 800 }, (_, id) => ({ id, vector: gen() }));
    for (let i = 0; i < points.length; i += 200) await client.upsert('d', { points: points.slice(i, i + 200) });
    const stored = (v: number[]) => (datatype === 'uint8' ? v : v.map(roundF16));
    const queries = Array.from({ length: 10 }, gen);
    const oracle = (q: number[]) => {
      const sq = stored(q);
      return points
        .map((p) => ({ id: p.id, score: Math.hypot(...stored(p.vector).map((x, i) => x - sq[i]!)) }))
        .sort((a, b) => a.score - b.score || a.id - b.id)
        .slice(0, 10);
    };
    // Wait for the background graph, then compare exact scores and graph recall.
    for (let i = 0; i < 200 && (await client.getCollection('d')).indexed_vectors_count! < 800; i++) await new Promise((res) => setTimeout(res, 20));
    let hits = 0;
    for (const q of queries) {
      const want = oracle(q);
      const exact = await client.query('d', { query: q, limit: 10, params: { exact: true } });
      exact.points.forEach((p, i) => expect(p.score).toBeCloseTo(want[i]!.score, 3));
      const approx = await client.query('d', { query: q, limit: 10 });
      hits += approx.points.filter((p) => p.score! <= want[9]!.score + 1e-4).length;
    }
    expect(hits / 100).toBeGreaterThanOrEqual(0.95);
    const before = await client.query('d', { query: queries[0]!, limit: 5, with_vector: true });
    await client.close();
    const reopened = await createEmbeddedClient({ storage });
    const info = await reopened.getCollection('d');
    expect(info.config.params.vectors).toMatchObject({ datatype });
    const after = await reopened.query('d', { query: queries[0]!, limit: 5, with_vector: true });
    expect(after.points).toEqual(before.points);
    await reopened.close();
  });
});

describe('multivector datatypes', () => {
  it.each(['float16', 'uint8'] as const)('%s: max_sim on the stored values, vectors returned as stored, reopen', async (datatype) => {
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    await client.createCollection('m', {
      vectors: {
        cos: { size: 3, distance: 'Cosine', datatype, multivector_config: { comparator: 'max_sim' } },
        l2: { size: 3, distance: 'Euclid', datatype, multivector_config: { comparator: 'max_sim' } },
      },
    });
    const r = rng(21);
    const gen = () => Array.from({ length: 1 + Math.floor(r() * 3) }, () => Array.from({ length: 3 }, () => (datatype === 'uint8' ? r() * 300 - 10 : r() * 2 - 1)));
    const points = Array.from({ length: 60 }, (_, id) => ({ id, vector: { cos: gen(), l2: gen() } }));
    await client.upsert('m', { points });
    // The stored form of a row, and the oracle's max_sim over it.
    const store = (row: number[], cosine: boolean) => {
      if (datatype === 'uint8') return row.map((x) => (x > 0 ? Math.min(255, Math.trunc(x)) : 0));
      let v = row.map(Math.fround);
      if (cosine) {
        const n = Math.hypot(...v);
        v = v.map((x) => Math.fround(x / n));
      }
      return v.map(roundF16);
    };
    const sim = (q: number[], p: number[], cosine: boolean) => {
      if (!cosine) return Math.hypot(...q.map((x, i) => x - p[i]!));
      const d = q.reduce((s, x, i) => s + x * p[i]!, 0);
      if (datatype === 'float16') return d;
      const n = Math.hypot(...q) * Math.hypot(...p);
      return n === 0 ? 0 : d / n;
    };
    // Euclid sums the squared nearest distances and roots the sum once, as Qdrant does
    const maxSim = (query: number[][], rows: number[][], cosine: boolean) => {
      const best = query.map((q) => rows.reduce((b, p) => (cosine ? Math.max(b, sim(q, p, true)) : Math.min(b, sim(q, p, false))), cosine ? -Infinity : Infinity));
      return cosine ? best.reduce((t, b) => t + b, 0) : Math.sqrt(best.reduce((t, b) => t + b * b, 0));
    };
    const [p7] = await client.retrieve('m', { ids: [7], with_vector: true });
    const v7 = p7!.vector as Record<string, number[][]>;
    expect(v7['cos']).toEqual(points[7]!.vector.cos.map((row) => store(row, true)));
    expect(v7['l2']).toEqual(points[7]!.vector.l2.map((row) => store(row, false)));
    for (const [using, cosine] of [['cos', true], ['l2', false]] as const) {
      const query = gen();
      const sq = query.map((row) => store(row, cosine));
      const want = points
        .map((p) => ({ id: p.id, score: maxSim(sq, p.vector[using].map((row) => store(row, cosine)), cosine) }))
        .sort((a, b) => (cosine ? b.score - a.score : a.score - b.score) || a.id - b.id)
        .slice(0, 5);
      const got = await client.query('m', { query, using, limit: 5 });
      got.points.forEach((p, i) => expect(p.score).toBeCloseTo(want[i]!.score, 3));
    }
    const before = await client.query('m', { query: gen(), using: 'cos', limit: 5, with_vector: true });
    await client.close();
    const reopened = await createEmbeddedClient({ storage });
    // The query's vector was drawn before close; the same draw is replayed here by querying with the stored rows.
    const again = await reopened.query('m', { query: before.points[0]!.vector!['cos'] as number[][], using: 'cos', limit: 1 });
    expect(again.points[0]!.id).toBe(before.points[0]!.id);
    const [back] = await reopened.retrieve('m', { ids: [7], with_vector: true });
    expect(back!.vector).toEqual(p7!.vector);
    await reopened.close();
  });
});

describe('datatype in the other collection paths', () => {
  it('a named vector added later keeps its datatype; a bad one is refused', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('c', { vectors: { a: { size: 2, distance: 'Dot' } } });
    await client.createVectorName('c', 'b', { dense: { size: 2, distance: 'Dot', datatype: 'uint8' } });
    await client.upsert('c', { points: [{ id: 1, vector: { a: [1.5, 2.5], b: [1.5, 2.5] } }] });
    const [p] = await client.retrieve('c', { ids: [1], with_vector: true });
    expect(p!.vector).toEqual({ a: [1.5, 2.5], b: [1, 2] });
    await expect(client.createVectorName('c', 'x', { dense: { size: 2, distance: 'Dot', datatype: 'int16' as never } })).rejects.toMatchObject({ status: 422 });
  });

  it('strict mode counts the bytes a datatype stores (uint8: one a component)', async () => {
    const client = await createEmbeddedClient();
    // 10 points x 4 components: 40 bytes as uint8 (160 as float32).
    await client.createCollection('s', {
      vectors: { size: 4, distance: 'Dot', datatype: 'uint8' },
      strict_mode_config: { enabled: true, max_collection_vector_size_bytes: 44 },
    });
    await client.upsert('s', { points: Array.from({ length: 10 }, (_, id) => ({ id, vector: [1, 2, 3, 4] })) });
    await client.upsert('s', { points: [{ id: 10, vector: [1, 2, 3, 4] }] });
    await expect(client.upsert('s', { points: [{ id: 11, vector: [1, 2, 3, 4] }] })).rejects.toMatchObject({ status: 400 });
  });
});
