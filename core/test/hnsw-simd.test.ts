import { describe, expect, it } from 'vitest';
import { DISTANCES } from '../src/distance/distance.js';
import { DenseVectorStorage } from '../src/segment/dense-vector-storage.js';
import { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import { exactSearch } from '../src/index/hnsw/exact-search.js';
import { seededRandom as rng } from '../src/query/advanced/sample-random.js';

function clustered(n: number, dim: number, seed: number): Float32Array[] {
  const r = rng(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: 20 }, () => Float32Array.from({ length: dim }, g));
  return Array.from({ length: n }, () => Float32Array.from(centres[Math.floor(r() * 20)]!, (x) => x + 0.6 * g()));
}

/** The graph over a storage in WebAssembly memory: every rank of build and search goes through SIMD batches. */
describe.each(DISTANCES)('HnswIndex over a SIMD arena, %s', (distance) => {
  const dim = 33; // odd: the 16-float body, the 4-float body and the scalar tail all run
  const points = clustered(2500, dim, 1);
  const queries = clustered(60, dim, 2);

  it('builds, searches with recall@10 >= 0.95, filters, and stays sound after removals', () => {
    const vs = new DenseVectorStorage(dim, distance, 16, { simd: true });
    const index = new HnswIndex(vs, { m: 16, efConstruct: 100, seed: 3 });
    points.forEach((p, id) => {
      vs.set(id, p);
      index.insert(id);
    });
    expect(vs.simdActive).toBe(true);
    // Inner product on unnormalized vectors is not a metric; HNSW needs a wider beam there (as in hnsw.test.ts).
    const ef = distance === 'Dot' ? 256 : 64;
    const recall = (accept?: (id: number) => boolean) => {
      let hit = 0;
      let total = 0;
      for (const raw of queries) {
        const q = vs.prepareQuery(raw);
        const truth = new Set(exactSearch(vs, q, 10, accept).ids);
        const got = index.search(q, 10, ef, accept);
        for (const id of got.ids) {
          if (accept !== undefined) expect(accept(id)).toBe(true);
          if (truth.has(id)) hit++;
        }
        total += truth.size;
      }
      return hit / total;
    };
    expect(recall()).toBeGreaterThanOrEqual(0.95);
    expect(recall((id) => id % 10 === 3)).toBeGreaterThanOrEqual(0.9);
    // Remove a third (repair runs the batched selection too), then search the rest.
    for (let id = 0; id < points.length; id += 3) {
      index.remove(id);
      vs.delete(id);
    }
    const live = (id: number) => vs.has(id);
    expect(recall(live)).toBeGreaterThanOrEqual(0.93);
    const q = vs.prepareQuery(queries[0]!);
    for (const id of index.search(q, 50, 100).ids) expect(id % 3).not.toBe(0);
  });
});
