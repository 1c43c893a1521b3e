import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RRF_K, dbsf, distributionNormalize, fusePrefetches, isFusionQuery, positionScore, rrf } from '../src/query/advanced/index.js';
import { SextantError } from '../src/client/errors.js';

const p = (id: number | string, score = 0) => ({ id, score });
const ids = (points: { id: unknown }[]) => points.map((x) => x.id);

describe('rrf', () => {
  it('defaults k to 2, like Qdrant v1.19', () => {
    expect(DEFAULT_RRF_K).toBe(2);
    expect(rrf([[p(1, 0.9)]])).toEqual([p(1, 0.5)]);
  });

  it("reproduces Qdrant's worked example bit for bit (f32 scores)", () => {
    // Qdrant's own unit test: three prefetches, k = 2.
    const fused = rrf([
      [p(2, 0.9), p(1, 0.8)],
      [p(1, 0.7), p(2, 0.6), p(3, 0.5)],
      [p(5, 0.9), p(3, 0.5), p(1, 0.4)],
    ]);
    expect(ids(fused)).toEqual([1, 2, 3, 5]);
    expect(fused.map((x) => x.score)).toEqual([
      Math.fround(1.0833334),
      Math.fround(0.8333334),
      Math.fround(0.5833334),
      0.5,
    ]);
  });

  it('ignores input scores: only positions count', () => {
    const a = rrf([[p(1, 100), p(2, -5)], [p(2, 0), p(3, 0)]]);
    const b = rrf([[p(1, 0.1), p(2, 0.05)], [p(2, 9), p(3, 1)]]);
    expect(a).toEqual(b.map((x, i) => ({ ...x, score: a[i]!.score })));
    expect(a.map((x) => x.score)).toEqual(b.map((x) => x.score));
  });

  it('weights compress positions: 3:1 makes position 2 of the first list worth position 0 of the second', () => {
    expect(positionScore(2, 60, 3)).toBe(positionScore(0, 60, 1));
    // Qdrant's example: swapped lists tie without weights, weight 3 on the first list favours its runner-up.
    const lists = [[p(1), p(2)], [p(2), p(1)]];
    const plain = rrf(lists);
    expect(plain[0]!.score).toBe(plain[1]!.score);
    const weighted = rrf(lists, { weights: [3, 1] });
    expect(weighted[0]!.id).toBe(2);
    expect(weighted[0]!.score).toBeGreaterThan(weighted[1]!.score);
  });

  it('a zero weight contributes nothing but keeps the point', () => {
    const fused = rrf([[p(1)], [p(2)]], { weights: [1, 0] });
    expect(fused).toEqual([p(1, 0.5), p(2, 0)]);
  });

  it("rejects a weight count that does not match the prefetches, with Qdrant's message", () => {
    const run = () => rrf([[p(1)], [p(2)]], { weights: [1, 2, 3] });
    expect(run).toThrow(SextantError);
    expect(run).toThrow('Number of weights in RRF should match number of pre-fetches: got 3, expected 2');
  });

  it('keeps the first occurrence of a point with its other fields', () => {
    const fused = rrf([[{ id: 'a', score: 1, payload: { n: 1 } }], [{ id: 'a', score: 2, payload: { n: 2 } }]]);
    expect(fused).toEqual([{ id: 'a', score: 1, payload: { n: 1 } }]);
  });

  it('is independent of the order of its input lists (unweighted), ties broken by id', () => {
    const list = fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 12 }).map((xs) => [...new Set(xs)].map((id) => p(id)));
    fc.assert(
      fc.property(fc.array(list, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 100 }), (lists, k) => {
        const expected = rrf(lists, { k });
        const reversed = rrf([...lists].reverse(), { k });
        expect(reversed).toEqual(expected);
        for (let i = 1; i < expected.length; i++) {
          const [a, b] = [expected[i - 1]!, expected[i]!];
          expect(a.score > b.score || (a.score === b.score && (a.id as number) < (b.id as number))).toBe(true);
        }
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  it('orders numeric ids before UUIDs on ties, like Qdrant', () => {
    const uuid = '0b4f4bd6-2f4c-4a44-8a31-5a3c1a1e7a10';
    expect(ids(rrf([[p(uuid)], [p(7)]]))).toEqual([7, uuid]);
  });
});

describe('dbsf', () => {
  it('normalises each list by mean ± 3 sample standard deviations', () => {
    const scores = [0.9, 0.5, 0.1];
    const mean = 0.5;
    const std = Math.sqrt(((0.4 ** 2) * 2) / 2);
    const out = distributionNormalize(scores.map((s) => p(0, s)));
    scores.forEach((s, i) => expect(out[i]).toBeCloseTo((s - (mean - 3 * std)) / (6 * std), 6));
  });

  it('maps a one-point list and a constant list to 0.5', () => {
    expect(distributionNormalize([p(1, 42)])).toEqual([0.5]);
    expect(distributionNormalize([p(1, 3), p(2, 3), p(3, 3)])).toEqual([0.5, 0.5, 0.5]);
  });

  it('sums normalised scores of the same point across lists, best first', () => {
    const fused = dbsf([
      [p(1, 0.9), p(2, 0.5), p(3, 0.1)],
      [p(3, 10), p(1, 8)],
    ]);
    const first = distributionNormalize([p(1, 0.9), p(2, 0.5), p(3, 0.1)]);
    const second = distributionNormalize([p(3, 10), p(1, 8)]);
    const expected = new Map([
      [1, Math.fround(first[0]! + second[1]!)],
      [2, first[1]!],
      [3, Math.fround(first[2]! + second[0]!)],
    ]);
    for (const x of fused) expect(x.score).toBeCloseTo(expected.get(x.id as number)!, 6);
    expect(ids(fused)).toEqual([...expected.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id));
  });

  it('is independent of the order of its input lists and of each list', () => {
    const list = fc
      .uniqueArray(fc.record({ id: fc.integer({ min: 0, max: 20 }), score: fc.float({ min: -10, max: 10, noNaN: true }) }), {
        selector: (x) => x.id,
        maxLength: 10,
      });
    fc.assert(
      fc.property(fc.array(list, { minLength: 1, maxLength: 4 }), (lists) => {
        const expected = dbsf(lists);
        const shuffled = dbsf([...lists].reverse().map((l) => [...l].reverse()));
        // Same points with the same scores (up to the last f32 bit), and both sorted best first.
        const byId = new Map(expected.map((x) => [x.id, x.score]));
        expect(shuffled.length).toBe(expected.length);
        for (const x of shuffled) expect(x.score).toBeCloseTo(byId.get(x.id)!, 5);
        for (let i = 1; i < shuffled.length; i++) expect(shuffled[i - 1]!.score).toBeGreaterThanOrEqual(shuffled[i]!.score);
      }),
      { seed: 8, numRuns: 200 },
    );
  });
});

describe('fusePrefetches', () => {
  const lists = [
    [p(1, 0.9), p(2, 0.8)],
    [p(2, 0.7), p(3, 0.1)],
  ];

  it('dispatches {fusion} and {rrf} queries', () => {
    expect(fusePrefetches({ fusion: 'rrf' }, lists)).toEqual(rrf(lists));
    expect(fusePrefetches({ fusion: 'dbsf' }, lists)).toEqual(dbsf(lists));
    expect(fusePrefetches({ rrf: { k: 60, weights: [2, 1] } }, lists)).toEqual(rrf(lists, { k: 60, weights: [2, 1] }));
    expect(fusePrefetches({ rrf: {} }, lists)).toEqual(rrf(lists));
    expect(isFusionQuery({ fusion: 'rrf' })).toBe(true);
    expect(isFusionQuery({ nearest: [1] })).toBe(false);
  });

  it('keeps points while their fused score reaches score_threshold', () => {
    // rrf, k = 2: point 2 = 1/3 + 1/2, point 1 = 1/2, point 3 = 1/3
    expect(ids(fusePrefetches({ fusion: 'rrf' }, lists, 0.5))).toEqual([2, 1]);
    expect(ids(fusePrefetches({ fusion: 'rrf' }, lists, 0.9))).toEqual([]);
    expect(ids(fusePrefetches({ fusion: 'rrf' }, lists, null))).toEqual([2, 1, 3]);
  });
});
