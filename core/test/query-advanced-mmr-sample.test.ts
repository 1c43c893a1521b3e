import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mmrCandidatesLimit,
  mmrLambda,
  mmrSelect,
  mmrSelectDense,
  rawSimilarity,
  sampleFrom,
  sampleIndices,
  seededRandom,
} from '../src/query/advanced/index.js';

describe('mmr', () => {
  // Qdrant's test_mmr_lambda: Euclid, query [1, 0], ids 1..5; the expected selections are Qdrant's.
  const points = [
    [1.0, 0.05],
    [0.95, 0.15],
    [0.8, 0.0],
    [0.85, 0.25],
    [1.0, 0.5],
  ];
  const arena = Float32Array.from(points.flat());
  const offsets = [0, 2, 4, 6, 8];
  it.each([
    ['full relevance', 1.0, [1, 2, 3]],
    ['balanced', 0.5, [1, 3, 2]],
    ['more diversity', 0.01, [1, 5, 4]],
  ])('%s (lambda %s) selects %j', (_name, lambda, expected) => {
    const picked = mmrSelectDense(Float32Array.of(1, 0), arena, offsets, 2, rawSimilarity('Euclid'), lambda, 3);
    expect([...picked].map((i) => i + 1)).toEqual(expected);
  });

  it('derives lambda from diversity (default 0.5) and candidates from limit', () => {
    expect(mmrLambda()).toBe(0.5);
    expect(mmrLambda(0.8)).toBe(Math.fround(1 - Math.fround(0.8)));
    expect(mmrLambda(0)).toBe(1);
    expect(mmrCandidatesLimit({}, 10)).toBe(10);
    expect(mmrCandidatesLimit({ candidates_limit: 100 }, 10)).toBe(100);
  });

  it('handles empty, zero-limit and short candidate lists', () => {
    expect([...mmrSelect([], () => 0, 0.5, 3)]).toEqual([]);
    expect([...mmrSelect([1, 2], () => 0, 0.5, 0)]).toEqual([]);
    expect([...mmrSelect([0.1, 0.9], () => 0, 0.5, 10)]).toEqual([1, 0]);
  });

  it('with lambda 1 is the relevance order', () => {
    const rel = [0.3, 0.9, 0.1, 0.5];
    expect([...mmrSelect(rel, () => 1, 1, 4)]).toEqual([1, 3, 0, 2]);
  });

  it('equals a literal Qdrant-style oracle (full max over the selection, IndexSet order, last max wins)', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 14 }),
      limit: fc.integer({ min: 0, max: 16 }),
      lambda: fc.constantFrom(0, 0.25, 0.5, 0.75, 1),
      seed: fc.integer(),
      levels: fc.integer({ min: 2, max: 6 }), // few distinct values => many ties
    });
    fc.assert(
      fc.property(arb, ({ n, limit, lambda, seed, levels }) => {
        const rnd = seededRandom(seed);
        const q = () => Math.floor(rnd() * levels) / levels;
        const rel = Array.from({ length: n }, q);
        const sim = Array.from({ length: n }, () => Array.from({ length: n }, q));
        const symmetric = (i: number, j: number) => sim[Math.min(i, j)]![Math.max(i, j)]!;
        expect([...mmrSelect(rel, symmetric, lambda, limit)]).toEqual(oracle(rel, symmetric, lambda, limit));
      }),
      { seed: 8, numRuns: 300 },
    );
  });
});

/** Qdrant's maximal_marginal_relevance written out naively, as the reference. */
function oracle(rel: number[], sim: (i: number, j: number) => number, lambda: number, limit: number): number[] {
  const f = Math.fround;
  if (rel.length === 0 || limit === 0) return [];
  const remaining = rel.map((_, i) => i);
  const selected: number[] = [];
  const swapRemove = (pos: number) => {
    remaining[pos] = remaining[remaining.length - 1]!;
    remaining.pop();
  };
  const lastMax = (key: (c: number) => number) => {
    let best = 0;
    remaining.forEach((c, pos) => {
      if (key(c) >= key(remaining[best]!)) best = pos;
    });
    return best;
  };
  let pos = lastMax((c) => f(rel[c]!));
  selected.push(remaining[pos]!);
  swapRemove(pos);
  while (selected.length < limit && remaining.length > 0) {
    pos = lastMax((c) => {
      const maxSim = Math.max(...selected.map((s) => f(sim(c, s))));
      return f(f(lambda * rel[c]!) - f(f(1 - lambda) * maxSim));
    });
    selected.push(remaining[pos]!);
    swapRemove(pos);
  }
  return selected;
}

describe('sample: random', () => {
  it('draws distinct in-range indices, min(limit, population) of them, on both code paths', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 250 }), fc.integer(), (population, limit, seed) => {
        const picks = sampleIndices(population, limit, seededRandom(seed));
        expect(picks.length).toBe(Math.min(population, limit));
        expect(new Set(picks).size).toBe(picks.length);
        for (const p of picks) expect(p).toBeLessThan(population);
      }),
      { seed: 8, numRuns: 300 },
    );
  });

  it.each([
    ['Floyd (small sample)', 40, 3],
    ['Fisher-Yates (large sample)', 10, 6],
  ])('is uniform: %s', (_name, population, limit) => {
    const rnd = seededRandom(8);
    const rounds = 20_000;
    const counts = new Array(population).fill(0);
    const firsts = new Array(population).fill(0);
    for (let r = 0; r < rounds; r++) {
      const picks = sampleIndices(population, limit, rnd);
      for (const p of picks) counts[p]++;
      firsts[picks[0]!]++;
    }
    const expected = (rounds * limit) / population;
    for (const c of counts) expect(Math.abs(c - expected) / expected).toBeLessThan(0.08);
    // the order is random too: every index is drawn first about equally often
    for (const c of firsts) expect(Math.abs(c - rounds / population) / (rounds / population)).toBeLessThan(0.2);
  });

  it('is reproducible with a seed and samples from a candidate list', () => {
    const ids = [10, 20, 30, 40, 50];
    expect(sampleFrom(ids, 3, seededRandom(1))).toEqual(sampleFrom(ids, 3, seededRandom(1)));
    expect(sampleFrom(ids, 9, seededRandom(1)).sort()).toEqual(ids);
  });
});
