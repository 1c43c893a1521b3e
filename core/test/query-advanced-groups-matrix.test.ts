import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dropSelf,
  groupHits,
  groupIdToPointId,
  matrixOffsets,
  matrixPairs,
  payloadValuesAt,
  sortSampleIds,
  toGroupsResult,
} from '../src/query/advanced/index.js';

interface Hit {
  id: number;
  score: number;
  payload?: Record<string, unknown>;
}
const hit = (id: number, score: number, docId?: unknown): Hit =>
  docId === undefined ? { id, score } : { id, score, payload: { docId } };
const byDoc = { keyValues: (h: Hit) => (h.payload ? payloadValuesAt(h.payload, 'docId') : undefined) };
const bestFirst = (hits: Hit[]) => [...hits].sort((a, b) => b.score - a.score);
const summary = (groups: { id: unknown; hits: Hit[] }[]) => groups.map((g) => [g.id, g.hits.map((h) => h.id)]);

describe('groups', () => {
  // The points of Qdrant's aggregator tests (aggregator.rs), fed best first as a search returns them.
  const qdrantPoints = [
    hit(1, 0.99, 'a'),
    hit(1, 0.97, 'a'), // the same point again: not added twice
    hit(2, 0.81, ['a', 'b']), // into both groups
    hit(3, 0.84, 'b'),
    hit(4, 0.9, 'a'),
    hit(5, 0.4, 3),
    hit(6, 0.3, 'd'),
    ...[100, 101, 102, 103, 104, 105].map((id, i) => hit(id, 0.31 + i / 100, 'a')),
    hit(7, 1.0, 'b'),
    hit(8, 1.0, false), // not a key type: skipped
    hit(9, 1.0), // no payload: skipped
    hit(10, 0.6, 3),
    hit(11, 0.1, 3),
  ];

  it("matches Qdrant's aggregator: 4 groups of up to 3", () => {
    const groups = groupHits(bestFirst(qdrantPoints), { ...byDoc, groupSize: 3, limit: 4 });
    expect(summary(groups)).toEqual([
      ['b', [7, 3, 2]],
      ['a', [1, 4, 2]],
      [3, [10, 5, 11]],
      ['d', [6]],
    ]);
  });

  it("matches Qdrant's aggregator: 3 groups of 2", () => {
    const groups = groupHits(bestFirst(qdrantPoints), { ...byDoc, groupSize: 2, limit: 3 });
    expect(summary(groups)).toEqual([
      ['b', [7, 3]],
      ['a', [1, 4]],
      [3, [10, 5]],
    ]);
  });

  it('counts repeated values once and keeps string and integer keys apart', () => {
    const groups = groupHits([hit(1, 0.99, ['a', 'a']), hit(2, 0.85, ['a', 'b']), hit(3, 0.75, 'b'), hit(4, 0.7, '3'), hit(5, 0.6, 3)], {
      ...byDoc,
      groupSize: 2,
      limit: 10,
    });
    expect(summary(groups)).toEqual([
      ['a', [1, 2]],
      ['b', [2, 3]],
      ['3', [4]],
      [3, [5]],
    ]);
  });

  it('skips a point with any non-key value (float, bool, object) at the key', () => {
    const groups = groupHits([hit(1, 0.9, ['a', 1.5]), hit(2, 0.8, { x: 1 }), hit(3, 0.7, 'a')], { ...byDoc, groupSize: 3, limit: 3 });
    expect(summary(groups)).toEqual([['a', [3]]]);
  });

  it('stops consuming once every group is full', () => {
    let pulled = 0;
    function* stream() {
      for (let i = 0; ; i++) {
        pulled++;
        yield hit(i, 1 - i / 1e6, i % 2 === 0 ? 'even' : 'odd');
      }
    }
    const groups = groupHits(stream(), { ...byDoc, groupSize: 3, limit: 2 });
    expect(summary(groups)).toEqual([
      ['even', [0, 2, 4]],
      ['odd', [1, 3, 5]],
    ]);
    expect(pulled).toBe(6);
  });

  it("equals Qdrant's collect-then-distill aggregation on best-first input", () => {
    const arb = fc.record({
      keys: fc.array(fc.oneof(fc.constantFrom('x', 'y', 'z', 'w'), fc.integer({ min: 0, max: 3 }), fc.array(fc.constantFrom('x', 'y', 1), { maxLength: 3 })), {
        maxLength: 40,
      }),
      groupSize: fc.integer({ min: 1, max: 4 }),
      limit: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(
      fc.property(arb, ({ keys, groupSize, limit }) => {
        const hits = keys.map((k, i) => hit(i, 1 - i / 100, k));
        const expected = distillOracle(hits, groupSize, limit);
        expect(summary(groupHits(hits, { ...byDoc, groupSize, limit }))).toEqual(expected);
      }),
      { seed: 8, numRuns: 300 },
    );
  });

  it("builds Qdrant's {groups: [{id, hits, lookup?}]} and resolves lookup ids like Qdrant", () => {
    const groups = groupHits([hit(1, 0.9, 7), hit(2, 0.8, 'not-a-uuid')], { ...byDoc, groupSize: 1, limit: 2 });
    const lookups = new Map([[7, { id: 7, payload: { name: 'seven' } }]]);
    const result = toGroupsResult(groups, (h) => ({ id: h.id, score: h.score }), (id) => {
      const pid = groupIdToPointId(id);
      return pid === undefined ? undefined : lookups.get(pid as number);
    });
    expect(result).toEqual({
      groups: [
        { id: 7, hits: [{ id: 1, score: 0.9 }], lookup: { id: 7, payload: { name: 'seven' } } },
        { id: 'not-a-uuid', hits: [{ id: 2, score: 0.8 }] },
      ],
    });
    expect(groupIdToPointId('42')).toBeUndefined();
    expect(groupIdToPointId(-1)).toBeUndefined();
    expect(groupIdToPointId('{550E8400-E29B-41D4-A716-446655440000}')).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(groupIdToPointId('550e8400e29b41d4a716446655440000')).toBe('550e8400-e29b-41d4-a716-446655440000');
  });
});

/** Qdrant's GroupsAggregator, literally: every group collects everything, then the best `limit` groups are kept. */
function distillOracle(hits: Hit[], groupSize: number, limit: number): [unknown, number[]][] {
  const groups = new Map<unknown, Hit[]>();
  for (const h of hits) {
    const raw = h.payload!.docId;
    const values = Array.isArray(raw) ? raw : [raw];
    if (!values.every((v) => typeof v === 'string' || Number.isInteger(v))) continue;
    for (const key of new Set(values)) {
      if (!groups.has(key)) groups.set(key, []);
      const g = groups.get(key)!;
      if (!g.some((x) => x.id === h.id)) g.push(h);
    }
  }
  return [...groups.entries()]
    .sort((a, b) => b[1][0]!.score - a[1][0]!.score)
    .slice(0, limit)
    .map(([key, g]) => [key, [...g].sort((a, b) => b.score - a.score).slice(0, groupSize).map((h) => h.id)]);
}

describe('search matrix', () => {
  // Qdrant's fixture (distance_matrix.rs): 3 samples, 2 neighbours each.
  const ids = [1, 2, 3];
  const nearests = [
    [{ id: 1, score: 0.2 }, { id: 2, score: 0.1 }],
    [{ id: 2, score: 0.4 }, { id: 3, score: 0.3 }],
    [{ id: 1, score: 0.6 }, { id: 3, score: 0.5 }],
  ];

  it('builds pairs row by row', () => {
    expect(matrixPairs(ids, nearests)).toEqual({
      pairs: [
        { a: 1, b: 1, score: 0.2 },
        { a: 1, b: 2, score: 0.1 },
        { a: 2, b: 2, score: 0.4 },
        { a: 2, b: 3, score: 0.3 },
        { a: 3, b: 1, score: 0.6 },
        { a: 3, b: 3, score: 0.5 },
      ],
    });
  });

  it('builds offsets over the sample', () => {
    expect(matrixOffsets(ids, nearests)).toEqual({
      offsets_row: [0, 0, 1, 1, 2, 2],
      offsets_col: [0, 1, 1, 2, 0, 2],
      scores: [0.2, 0.1, 0.4, 0.3, 0.6, 0.5],
      ids: [1, 2, 3],
    });
  });

  it('drops the point itself, or the extra worst hit when it did not come back', () => {
    const near = [{ id: 5, score: 1 }, { id: 2, score: 0.9 }, { id: 8, score: 0.5 }, { id: 1, score: 0.1 }];
    expect(dropSelf(near, 5, 3).map((p) => p.id)).toEqual([2, 8, 1]);
    expect(dropSelf(near, 99, 3).map((p) => p.id)).toEqual([5, 2, 8]);
    expect(dropSelf(near.slice(0, 2), 99, 3).map((p) => p.id)).toEqual([5, 2]);
  });

  it('sorts the sample in Qdrant id order: numbers first, then UUIDs', () => {
    const u1 = '0b4f4bd6-2f4c-4a44-8a31-5a3c1a1e7a10';
    const u2 = 'f0000000-0000-4000-8000-000000000000';
    expect(sortSampleIds<number | string>([u2, 10, u1, 2])).toEqual([2, 10, u1, u2]);
  });
});
