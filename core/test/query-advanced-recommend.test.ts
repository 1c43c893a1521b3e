import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  averageMultiVector,
  averageSparseVector,
  averageVector,
  bestScore,
  contextScore,
  createExampleScorer,
  discoverScore,
  feedbackPairs,
  feedbackScore,
  rawSimilarity,
  postprocessSimilarity,
  scaledFastSigmoid,
  sumScores,
} from '../src/query/advanced/index.js';
import { SextantError } from '../src/client/errors.js';
import { seededRandom as mulberry } from '../src/query/advanced/sample-random.js';

/** "Vectors" that are their own similarity, as in Qdrant's unit tests: sims = positives then negatives. */
const best = (pos: number[], neg: number[]) => bestScore([...pos, ...neg], pos.length, neg.length);

describe('recommend best_score', () => {
  // Qdrant's cases (reco_query.rs): which side wins, and the value it is transformed from.
  it.each([
    ['higher positive', [42], [4], 'pos', 42],
    ['higher negative', [4], [42], 'neg', 42],
    ['negative zero', [-1], [0], 'neg', 0],
    ['positive zero', [0], [-1], 'pos', 0],
    ['both under zero', [-42], [-84], 'pos', -42],
    ['both under zero, negative higher', [-84], [-42], 'neg', -42],
    ['multiple, negative best', [1, 2, 3], [4, 5, 6], 'neg', 6],
    ['multiple, positive best', [10, 2, 3], [4, 5, 6], 'pos', 10],
  ] as const)('%s', (_name, pos, neg, side, x) => {
    expect(best([...pos], [...neg])).toBe(side === 'pos' ? scaledFastSigmoid(x) : -scaledFastSigmoid(x));
  });

  it('ranks any point nearer a positive above any point nearer a negative', () => {
    fc.assert(
      fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), (a, b) => {
        expect(best([a], [])).toBeGreaterThanOrEqual(best([], [b]));
        // negatives invert order, positives keep it
        if (a < b) {
          expect(best([a], [])).toBeLessThanOrEqual(best([b], []));
          expect(best([], [a])).toBeGreaterThanOrEqual(best([], [b]));
        }
      }),
      { seed: 8 },
    );
  });
});

describe('recommend sum_scores', () => {
  it('adds positive similarities and subtracts negative ones', () => {
    expect(sumScores([1, 2, 3, 10, 0.5], 3, 2)).toBe(1 + 2 + 3 - 10 - 0.5);
    expect(sumScores([0.25], 1, 0)).toBe(0.25);
  });
});

describe('average_vector', () => {
  it('is avg(pos) without negatives and avg(pos) + avg(pos) - avg(neg) with them', () => {
    expect([...averageVector([[1, 2, 3], [3, 2, 1]])]).toEqual([2, 2, 2]);
    expect([...averageVector([[1, 0], [3, 0]], [[0, 4]])]).toEqual([4, -4]);
  });

  it("fails like Qdrant without positives or on mixed dimensions", () => {
    expect(() => averageVector([], [[1]])).toThrow('Positive vectors should not be empty with `average` strategy');
    expect(() => averageVector([[1, 2], [1]])).toThrow(SextantError);
    expect(() => averageVector([[1, 2]], [[1]])).toThrow('expected dim: 2, got 1');
  });

  it('averages sparse vectors over the union of indices (missing counts as 0)', () => {
    // Qdrant's case: [0, 0.1, 0.2] and [0, 1, 2] at indices 0..2 average to [0, 0.55, 1.1].
    const avg = averageSparseVector([
      { indices: [0, 1, 2], values: [0, 0.1, 0.2] },
      { indices: [0, 1, 2], values: [0, 1, 2] },
    ]);
    expect(avg.indices).toEqual([0, 1, 2]);
    avg.values.forEach((v, i) => expect(v).toBeCloseTo([0, 0.55, 1.1][i]!, 6));
    const withNeg = averageSparseVector([{ indices: [5, 1], values: [2, 4] }], [{ indices: [1, 9], values: [2, 6] }]);
    expect(withNeg).toEqual({ indices: [1, 5, 9], values: [6, 4, -6] });
  });

  it('concatenates multivectors, negatives negated', () => {
    expect(averageMultiVector([[[1, 2]], [[3, 4], [5, 6]]], [[[1, -1]]])).toEqual([[1, 2], [3, 4], [5, 6], [-1, 1]]);
  });
});

describe('discover and context', () => {
  const pairsOf = (pairs: [number, number][]) => pairs.flat();
  // Qdrant's discover_query.rs cases: the integer part of the score is the context rank.
  it.each([
    ['no pairs', [], 0],
    ['closer to positive', [[10, 4]], 1],
    ['closer to negative', [[4, 10]], -1],
    ['equal scores', [[11, 11]], 0],
    ['neutral zone', [[10, 4], [4, 10]], 0],
    ['best zone', [[10, 4], [4, 2]], 2],
    ['worst zone', [[4, 10], [2, 4]], -2],
    ['many pairs', [[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [0, 4]], 4],
  ] as [string, [number, number][], number][])('rank: %s', (_name, pairs, rank) => {
    const score = discoverScore(42, pairsOf(pairs), pairs.length);
    expect(score - scaledFastSigmoid(42)).toBe(rank);
  });

  it.each([
    ['no pairs', 1, [], -1],
    ['just above', 1, [[1, 0], [1, 0]], 1],
    ['just below', -1, [[1, 0], [1, 0]], -1],
    ['bad target, good context', -1000, [[1, 0], [1, 0], [1, 0]], 1],
    ['good target, bad context', 1000, [[1, 0], [0, 1]], -1],
  ] as [string, number, [number, number][], number][])('against a fixed 2.5: %s', (_n, target, pairs, sign) => {
    expect(Math.sign(discoverScore(target, pairsOf(pairs), pairs.length) - 2.5)).toBe(sign);
  });

  it('context loss is in (-1, 0] per pair and 0 once strictly nearer the positive', () => {
    fc.assert(
      fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), (pos, neg) => {
        const s = contextScore([pos, neg], 1);
        expect(s).toBeLessThanOrEqual(0);
        expect(s).toBeGreaterThan(-1);
      }),
      { seed: 8, numRuns: 500 },
    );
    expect(contextScore([5, 1, 3, 2], 2)).toBe(0);
    expect(contextScore([1, 1], 1)).toBeLessThan(0); // a tie is not "nearer the positive"
  });
});

describe('createExampleScorer over an arena', () => {
  const rng = mulberry(8);
  const dim = 8;
  const vec = () => Float32Array.from({ length: dim }, () => rng() * 2 - 1);
  const arena = new Float32Array(50 * dim).map(() => rng() * 2 - 1);

  it.each(['Cosine', 'Dot', 'Euclid', 'Manhattan'] as const)('matches the formulas on %s', (distance) => {
    const sim = rawSimilarity(distance);
    const pos = [vec(), vec()];
    const neg = [vec()];
    const target = vec();
    const context = [{ positive: vec(), negative: vec() }, { positive: vec(), negative: vec() }];
    const s = (v: Float32Array, off: number) => sim(v, 0, arena, off, dim);
    const scorers = {
      best: createExampleScorer({ kind: 'best_score', positive: pos, negative: neg }, dim, sim),
      sum: createExampleScorer({ kind: 'sum_scores', positive: pos, negative: neg }, dim, sim),
      discover: createExampleScorer({ kind: 'discover', target, context }, dim, sim),
      context: createExampleScorer({ kind: 'context', context }, dim, sim),
    };
    for (let id = 0; id < 50; id++) {
      const off = id * dim;
      const sims = [...pos, ...neg].map((v) => s(v, off));
      const pairSims = context.flatMap((p) => [s(p.positive, off), s(p.negative, off)]);
      expect(scorers.best(arena, off)).toBe(bestScore(sims, 2, 1));
      expect(scorers.sum(arena, off)).toBe(sumScores(sims, 2, 1));
      expect(scorers.discover(arena, off)).toBe(discoverScore(s(target, off), pairSims, 2));
      expect(scorers.context(arena, off)).toBe(contextScore(pairSims, 2));
    }
  });

  it('uses raw similarities: minus squared L2 for Euclid, minus L1 for Manhattan', () => {
    const a = Float32Array.of(0, 0);
    const b = Float32Array.of(3, 4);
    expect(rawSimilarity('Euclid')(a, 0, b, 0, 2)).toBe(-25);
    expect(postprocessSimilarity('Euclid', -25)).toBe(5);
    expect(rawSimilarity('Manhattan')(a, 0, b, 0, 2)).toBe(-7);
    expect(postprocessSimilarity('Manhattan', -7)).toBe(7);
    expect(rawSimilarity('Dot')(a, 0, b, 0, 2)).toBe(0);
  });

  it('rejects an example of the wrong dimension', () => {
    expect(() => createExampleScorer({ kind: 'context', context: [{ positive: [1], negative: [1, 2] }] }, 2, rawSimilarity('Dot'))).toThrow(
      SextantError,
    );
  });
});

describe('relevance feedback (naive)', () => {
  it('pairs best with worst, at most 3 pairs and at most half the examples', () => {
    // scores by index: 0.2, 0.9, 0.5, 0.1, 0.7 -> descending order 1, 4, 2, 0, 3
    const pairs = feedbackPairs([0.2, 0.9, 0.5, 0.1, 0.7], 1, 1);
    expect(pairs.map((p) => [p.positive, p.negative])).toEqual([
      [1, 3],
      [4, 0],
    ]);
    expect(pairs[0]!.weight).toBeCloseTo(0.8, 6);
    expect(feedbackPairs([1], 1, 1)).toEqual([]);
    expect(feedbackPairs([8, 7, 6, 5, 4, 3, 2, 1], 1, 1)).toHaveLength(3);
  });

  it('weights each pair by confidence^b * c', () => {
    const [pair] = feedbackPairs([1, 0.5], 2, 3);
    expect(pair!.weight).toBeCloseTo(0.5 ** 2 * 3, 6);
  });

  it('scores a * sim(target) + sum of weight * (sim(better) - sim(worse))', () => {
    const pairs = feedbackPairs([0.9, 0.1], 1, 2);
    expect(feedbackScore(0.5, 10, pairs, [3, 1])).toBeCloseTo(0.5 * 10 + 0.8 * 2 * (3 - 1), 5);
    const dim = 2;
    const scorer = createExampleScorer(
      { kind: 'relevance_feedback', target: [1, 0], feedback: [{ example: [0, 1], score: 0.1 }, { example: [1, 1], score: 0.9 }], strategy: { a: 0.5, b: 1, c: 2 } },
      dim,
      rawSimilarity('Dot'),
    );
    const arena = Float32Array.of(2, 3);
    // sim(target) = 2, sim(better [1,1]) = 5, sim(worse [0,1]) = 3
    expect(scorer(arena, 0)).toBeCloseTo(0.5 * 2 + Math.fround(0.8) * 2 * (5 - 3), 5);
  });
});

