import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedClient, Schemas } from '@sextant/core';
import { cosine, fixtureClient, fixturePoints, l2, rng, sparseDotOf, DIM, type FixturePoint } from './query-fixture.js';

/**
 * Random prefetch trees (depth <= 3) of nearest / order_by leaves under nearest rescoring, rrf, dbsf and order_by,
 * with filters at every level, against an independent brute-force evaluator of Qdrant's semantics: the root
 * filter reaches every prefetch, each level keeps `limit`, rescoring only sees what the prefetches found.
 */
const points = fixturePoints();
const r = rng(1234);
const dense = Array.from({ length: 4 }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
const sparse = Array.from({ length: 4 }, () => ({ indices: [Math.floor(r() * 10), 10 + Math.floor(r() * 10)], values: [r() + 0.1, r() + 0.1] }));

type Leaf = { kind: 'd' | 'e' | 's' | 'order'; q: number; color?: string; limit: number };
type Inner = { kind: 'rescore-d' | 'rescore-e' | 'rrf' | 'dbsf' | 'order'; q: number; k: number; color?: string; limit: number; children: Tree[] };
type Tree = Leaf | Inner;
type Hit = { id: number; score: number; order?: number };

const colorArb = fc.option(fc.constantFrom('red', 'green', 'blue'), { nil: undefined });
const leafArb: fc.Arbitrary<Tree> = fc.record({ kind: fc.constantFrom('d' as const, 'e' as const, 's' as const, 'order' as const), q: fc.nat(3), color: colorArb, limit: fc.integer({ min: 1, max: 40 }) });
const treeArb = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({
      kind: fc.constantFrom('rescore-d' as const, 'rescore-e' as const, 'rrf' as const, 'dbsf' as const, 'order' as const),
      q: fc.nat(3),
      k: fc.integer({ min: 1, max: 10 }),
      color: colorArb,
      limit: fc.integer({ min: 1, max: 30 }),
      children: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }),
    }),
  ),
})).tree;

const colorFilter = (color: string | undefined) => (color === undefined ? undefined : { must: [{ key: 'color', match: { value: color } }] });

function toPrefetch(t: Tree): Schemas['Prefetch'] {
  const filter = colorFilter(t.color);
  const base = { limit: t.limit, ...(filter ? { filter } : {}) };
  if (!('children' in t)) {
    if (t.kind === 'order') return { ...base, query: { order_by: 'rank' } };
    const using = t.kind;
    return { ...base, query: t.kind === 's' ? sparse[t.q]! : dense[t.q]!, using, params: { exact: true } };
  }
  return { ...base, ...innerQuery(t), prefetch: t.children.map(toPrefetch) };
}

function innerQuery(t: Inner): Pick<Schemas['QueryRequest'], 'query' | 'using'> {
  switch (t.kind) {
    case 'rescore-d':
      return { query: dense[t.q]!, using: 'd' };
    case 'rescore-e':
      return { query: dense[t.q]!, using: 'e' };
    case 'rrf':
      return { query: { rrf: { k: t.k } } };
    case 'dbsf':
      return { query: { fusion: 'dbsf' } };
    case 'order':
      return { query: { order_by: 'rank' } };
  }
}

// --- the oracle ---

const byScore = (asc: boolean) => (a: Hit, b: Hit) => (asc ? a.score - b.score : b.score - a.score) || a.id - b.id;
const byId = new Map(points.map((p) => [p.id, p]));

function evaluate(t: Tree, pass: (p: FixturePoint) => boolean): Hit[] {
  const own = (p: FixturePoint) => pass(p) && (t.color === undefined || p.payload.color === t.color);
  if (!('children' in t)) {
    const pool = points.filter(own);
    switch (t.kind) {
      case 'd':
        return pool.map((p) => ({ id: p.id, score: cosine(p.d, dense[t.q]!) })).sort(byScore(false)).slice(0, t.limit);
      case 'e':
        return pool.map((p) => ({ id: p.id, score: l2(p.e, dense[t.q]!) })).sort(byScore(true)).slice(0, t.limit);
      case 's': {
        const q = sparse[t.q]!;
        return pool
          .filter((p) => p.s.indices.some((i) => q.indices.includes(i)))
          .map((p) => ({ id: p.id, score: sparseDotOf(q, p.s) }))
          .sort(byScore(false))
          .slice(0, t.limit);
      }
      case 'order':
        return orderBy(pool, t.limit);
    }
  }
  const sources = t.children.map((c) => evaluate(c, own));
  return merge(t, sources, t.limit);
}

function orderBy(pool: FixturePoint[], limit: number): Hit[] {
  return [...pool].sort((a, b) => a.payload.rank - b.payload.rank).slice(0, limit).map((p) => ({ id: p.id, score: 0, order: p.payload.rank }));
}

function merge(t: Inner, sources: Hit[][], limit: number): Hit[] {
  const union = [...new Set(sources.flat().map((h) => h.id))].map((id) => byId.get(id)!);
  switch (t.kind) {
    case 'rescore-d':
      return union.map((p) => ({ id: p.id, score: cosine(p.d, dense[t.q]!) })).sort(byScore(false)).slice(0, limit);
    case 'rescore-e':
      return union.map((p) => ({ id: p.id, score: l2(p.e, dense[t.q]!) })).sort(byScore(true)).slice(0, limit);
    case 'order':
      return orderBy(union, limit);
    case 'rrf': {
      const acc = new Map<number, number>();
      for (const list of sources) list.forEach((h, pos) => acc.set(h.id, (acc.get(h.id) ?? 0) + 1 / (t.k + pos)));
      return fused(acc, sources, limit);
    }
    case 'dbsf': {
      const acc = new Map<number, number>();
      for (const list of sources) {
        const n = list.length;
        const mean = list.reduce((s, h) => s + h.score, 0) / n;
        const std = n > 1 ? Math.sqrt(list.reduce((s, h) => s + (h.score - mean) ** 2, 0) / (n - 1)) : 0;
        for (const h of list) acc.set(h.id, (acc.get(h.id) ?? 0) + (std === 0 ? 0.5 : (h.score - (mean - 3 * std)) / (6 * std)));
      }
      return fused(acc, sources, limit);
    }
  }
}

/** A fused point is its first occurrence (earliest list) with the fused score: an order value rides along. */
function fused(acc: Map<number, number>, sources: Hit[][], limit: number): Hit[] {
  const first = new Map<number, Hit>();
  for (const list of sources) for (const h of list) if (!first.has(h.id)) first.set(h.id, h);
  return [...acc].map(([id, score]) => ({ ...first.get(id)!, score })).sort(byScore(false)).slice(0, limit);
}

describe('query: random prefetch trees equal a brute-force evaluation', () => {
  let client: EmbeddedClient;
  beforeAll(async () => {
    client = await fixtureClient(points);
  });

  it('on 200 seeded trees with filters at every level, root offset and limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(treeArb, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('rrf', 'dbsf', 'rescore-d', 'order') as fc.Arbitrary<Inner['kind']>,
        colorArb,
        fc.integer({ min: 1, max: 15 }),
        fc.nat(5),
        async (children, kind, color, limit, offset) => {
          const root: Inner = { kind, q: 0, k: 2, color, limit: limit + offset, children };
          const expected = evaluate(root, () => true).slice(offset);
          const res = await client.query('c', { ...innerQuery(root), prefetch: children.map(toPrefetch), filter: colorFilter(color), limit, offset });
          const got = res.points.map((p) => [p.id, Number(p.score.toFixed(4)), p.order_value ?? null]);
          expect(got).toEqual(expected.map((h) => [h.id, Number(h.score.toFixed(4)), h.order ?? null]));
        },
      ),
      { seed: 424242, numRuns: 200 },
    );
  });
});
