import { afterEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { createEmbeddedClient, HnswIndex, type EmbeddedClient } from '@sextant/core';

const DIM = 8;
const N = 2000;
const COLORS = ['red', 'green', 'blue', 'black', 'white'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Row {
  id: number;
  v: number[];
  color: string;
  rare: boolean;
}

/** 1. Seeded data: colors spread evenly, `rare` on 1 point in 50 (a filter small enough to scan). */
async function build(distance: 'Cosine' | 'Euclid'): Promise<{ client: EmbeddedClient; rows: Row[] }> {
  const r = rng(distance === 'Cosine' ? 11 : 12);
  const rows: Row[] = Array.from({ length: N }, (_, id) => ({
    id,
    v: Array.from({ length: DIM }, () => r() * 2 - 1),
    color: COLORS[id % COLORS.length]!,
    rare: id % 50 === 0,
  }));
  const client = await createEmbeddedClient();
  // 4 KB of 8-dim float vectors = 128 points: below that, planning scans; above it walks the graph. The graph is
  // built past 1 KB (32 points), and the test waits for background indexing to finish.
  await client.createCollection('c', {
    vectors: { size: DIM, distance },
    hnsw_config: { full_scan_threshold: 4, m: 16, ef_construct: 64 },
    optimizers_config: { indexing_threshold: 1 },
  });
  await client.createPayloadIndex('c', { field_name: 'color', field_schema: 'keyword' });
  await client.createPayloadIndex('c', { field_name: 'rare', field_schema: 'bool' });
  for (let i = 0; i < N; i += 500) {
    await client.upsert('c', { points: rows.slice(i, i + 500).map((x) => ({ id: x.id, vector: x.v, payload: { color: x.color, rare: x.rare } })) });
  }
  await client.engine.resolve('c').whenIndexed();
  expect((await client.getCollection('c')).indexed_vectors_count).toBe(N);
  return { client, rows };
}

/** Brute force in float64: the oracle. Cosine = dot of normalized vectors; Euclid = L2 distance. */
function oracle(rows: Row[], q: number[], distance: 'Cosine' | 'Euclid', keep: (r: Row) => boolean, k: number) {
  const norm = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const qn = norm(q);
  const scored = rows.filter(keep).map((r) => {
    const score =
      distance === 'Cosine' ? norm(r.v).reduce((s, x, i) => s + x * qn[i]!, 0) : Math.sqrt(r.v.reduce((s, x, i) => s + (x - q[i]!) ** 2, 0));
    return { id: r.id, score };
  });
  scored.sort((a, b) => (distance === 'Cosine' ? b.score - a.score : a.score - b.score) || a.id - b.id);
  return scored.slice(0, k);
}

const vec = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: DIM, maxLength: DIM }).filter((v) => Math.hypot(...v) > 1e-3);

afterEach(() => vi.restoreAllMocks());

describe.each(['Cosine', 'Euclid'] as const)('query against a brute-force oracle (%s)', (distance) => {
  it('exact search equals the oracle, with and without filters', async () => {
    const { client, rows } = await build(distance);
    const graph = vi.spyOn(HnswIndex.prototype, 'search');
    await fc.assert(
      fc.asyncProperty(vec, fc.constantFrom(undefined, 'red', 'rare'), fc.integer({ min: 1, max: 25 }), async (q, which, k) => {
        const filter =
          which === undefined ? undefined : which === 'rare' ? { must: [{ key: 'rare', match: { value: true } }] } : { must: [{ key: 'color', match: { value: which } }] };
        const keep = (r: Row) => which === undefined || (which === 'rare' ? r.rare : r.color === which);
        const got = (await client.query('c', { query: q, limit: k, filter, params: { exact: true } })).points;
        const want = oracle(rows, q, distance, keep, k);
        expect(got.map((p) => p.id)).toEqual(want.map((w) => w.id));
        got.forEach((p, i) => expect(p.score).toBeCloseTo(want[i]!.score, 4));
      }),
      { seed: 42, numRuns: 40 },
    );
    expect(graph).not.toHaveBeenCalled();
  });

  it('a small filtered set is scanned exactly by the planner; a large one walks the graph with recall >= 0.95', async () => {
    const { client, rows } = await build(distance);
    const graph = vi.spyOn(HnswIndex.prototype, 'search');
    // 2. `rare` matches 40 points, under the 128-point threshold: exact, so equal to the oracle, and no graph walk.
    await fc.assert(
      fc.asyncProperty(vec, async (q) => {
        const got = (await client.query('c', { query: q, limit: 10, filter: { must: [{ key: 'rare', match: { value: true } }] } })).points;
        expect(got.map((p) => p.id)).toEqual(oracle(rows, q, distance, (r) => r.rare, 10).map((w) => w.id));
      }),
      { seed: 7, numRuns: 20 },
    );
    expect(graph).not.toHaveBeenCalled();

    // 3. one color matches 400 points, above the threshold: graph walk with the filter as `accept`.
    let found = 0;
    let wanted = 0;
    await fc.assert(
      fc.asyncProperty(vec, fc.constantFrom(...COLORS), fc.constantFrom(true, false), async (q, color, negate) => {
        const filter = negate ? { must_not: [{ key: 'color', match: { value: color } }] } : { must: [{ key: 'color', match: { value: color } }] };
        const keep = (r: Row) => (r.color === color) !== negate;
        const got = (await client.query('c', { query: q, limit: 10, filter })).points;
        const want = new Set(oracle(rows, q, distance, keep, 10).map((w) => w.id));
        for (const p of got) {
          expect(keep(rows[p.id as number]!)).toBe(true);
          if (want.has(p.id as number)) found++;
        }
        wanted += want.size;
      }),
      { seed: 9, numRuns: 50 },
    );
    expect(graph).toHaveBeenCalled();
    expect(found / wanted).toBeGreaterThanOrEqual(0.95);
  });
});
