import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SparseVectorStorage } from '../src/segment/vector-storage.js';
import { SparseIndex } from '../src/index/sparse/sparse-index.js';

/** Sparse vectors with distinct indices in 0..50 and small integer values, so dot products are exact. */
const sparse = fc
  .uniqueArray(fc.integer({ min: 0, max: 50 }), { maxLength: 8 })
  .chain((indices) => fc.record({ indices: fc.constant(indices), values: fc.array(fc.integer({ min: -5, max: 5 }), { minLength: indices.length, maxLength: indices.length }) }));

function bruteForce(store: Map<number, { indices: number[]; values: number[] }>, q: { indices: number[]; values: number[] }, k: number, accept?: (id: number) => boolean) {
  const rows: { id: number; score: number }[] = [];
  for (const [id, v] of store) {
    if (accept && !accept(id)) continue;
    let overlap = false;
    let s = 0;
    v.indices.forEach((ix, i) => {
      const j = q.indices.indexOf(ix);
      if (j >= 0) {
        overlap = true;
        s += v.values[i]! * q.values[j]!;
      }
    });
    if (overlap) rows.push({ id, score: s });
  }
  rows.sort((a, b) => b.score - a.score || a.id - b.id);
  return rows.slice(0, k);
}

describe('SparseVectorStorage', () => {
  it('stores sorted by index, scores by dot product, deletes and round-trips', () => {
    const s = new SparseVectorStorage();
    s.set(2, { indices: [9, 1, 4], values: [0.5, 2, -1] });
    s.set(5, { indices: [], values: [] });
    expect(s.get(2)).toEqual({ indices: [1, 4, 9], values: [2, -1, 0.5] });
    expect(s.score(s.prepareQuery({ indices: [4, 9], values: [2, 2] }), 2)).toBe(-1);
    expect(s.has(5)).toBe(true);
    expect(s.count).toBe(2);
    const t = SparseVectorStorage.decode(s.encode());
    expect(t.get(2)).toEqual(s.get(2));
    expect(t.get(5)).toEqual({ indices: [], values: [] });
    expect(t.has(3)).toBe(false);
    t.delete(2);
    expect(t.get(2)).toBeUndefined();
    expect(t.count).toBe(1);
  });
});

describe('SparseIndex', () => {
  it('equals brute force through inserts, rewrites, removes and a round trip (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.option(sparse, { nil: undefined })), { maxLength: 200 }),
        sparse,
        fc.integer({ min: 1, max: 20 }),
        (ops, query, k) => {
          const storage = new SparseVectorStorage();
          const index = new SparseIndex(storage);
          const oracle = new Map<number, { indices: number[]; values: number[] }>();
          for (const [id, v] of ops) {
            if (v === undefined) {
              index.remove(id);
              storage.delete(id);
              oracle.delete(id);
            } else {
              storage.set(id, v); // storage first, as for HNSW: the index forgets the old vector on its own
              index.insert(id);
              oracle.set(id, v);
            }
          }
          const accept = (id: number) => id % 3 !== 0;
          const decoded = SparseIndex.decode(index.encode(), storage);
          for (const idx of [index, decoded]) {
            for (const acc of [undefined, accept]) {
              const got = idx.search(query, k, acc);
              const want = bruteForce(oracle, query, k, acc);
              expect(Array.from(got.ids)).toEqual(want.map((r) => r.id));
              expect(Array.from(got.scores)).toEqual(want.map((r) => r.score));
            }
          }
        },
      ),
      { seed: 4, numRuns: 200 },
    );
  });

  it('sweeps dead postings without changing results', () => {
    const storage = new SparseVectorStorage();
    const index = new SparseIndex(storage);
    for (let round = 0; round < 5; round++) {
      for (let id = 0; id < 500; id++) {
        storage.set(id, { indices: [id % 7, 10 + (id % 3), 20 + round], values: [1, id % 5, 2] });
        index.insert(id);
      }
    }
    const got = index.search({ indices: [3, 24], values: [1, 1] }, 5);
    // Score = 1 (dim 3, ids = 3 mod 7) + 2 (dim 24, every id): best are the ids = 3 mod 7, lowest ids first.
    expect(Array.from(got.ids)).toEqual([3, 10, 17, 24, 31]);
    expect(Array.from(got.scores)).toEqual([3, 3, 3, 3, 3]);
  });
});
