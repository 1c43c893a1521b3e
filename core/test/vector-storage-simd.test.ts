import { describe, expect, it } from 'vitest';
import { DISTANCES, rankKernel } from '../src/distance/distance.js';
import { kernelModule } from '../src/distance/wasm-kernels.js';
import { BATCH_CAPACITY } from '../src/distance/wasm-arena.js';
import { DenseVectorStorage, QUERY, SIMD_MIN_BYTES } from '../src/segment/dense-vector-storage.js';
import { exactSearch } from '../src/index/hnsw/exact-search.js';
import { seededRandom as rng } from '../src/query/advanced/sample-random.js';

function fill(vs: DenseVectorStorage, n: number, seed: number): void {
  const r = rng(seed);
  for (let id = 0; id < n; id++) vs.set(id, Float32Array.from({ length: vs.dim }, () => r() * 2 - 1));
}

describe('WebAssembly SIMD kernels', () => {
  it('compile on this engine (Node 20 has wasm SIMD), so the fast path is what the other tests exercise', () => {
    expect(kernelModule()).toBeDefined();
  });

  // Dimensions around the 16- and 4-float bodies and the scalar tail.
  describe.each(DISTANCES)('%s', (distance) => {
    it.each([1, 3, 4, 5, 15, 16, 17, 63, 64, 100, 128, 131, 384])('rank like the JS kernel at dim %i, in batches and ranges', (dim) => {
      const simd = new DenseVectorStorage(dim, distance, 64, { simd: true });
      const js = new DenseVectorStorage(dim, distance, 64, { simd: false });
      expect(simd.simdActive).toBe(true);
      expect(js.simdActive).toBe(false);
      fill(simd, 50, dim);
      fill(js, 50, dim);
      const kernel = rankKernel(distance);
      const q = simd.prepareQuery(Float32Array.from({ length: dim }, (_, i) => Math.sin(i + dim)));
      const check = (s: DenseVectorStorage, qArr: Float32Array, qOff: number, id: number, got: number) => {
        const want = kernel(qArr, qOff, s.data, id * dim, dim);
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      };
      for (const s of [simd, js]) {
        // 1. a loaded query against gathered ids, in a scrambled order
        const h = s.loadQuery(q);
        expect(h).toBe(QUERY);
        for (let i = 0; i < 50; i++) s.batchIds[i] = (i * 17) % 50;
        s.rankBatch(h, 50);
        for (let i = 0; i < 50; i++) check(s, q, 0, (i * 17) % 50, s.batchOut[i]!);
        // 2. a stored vector as the query (HNSW insert), over a contiguous range
        s.rankRange(7, 10, 30);
        for (let i = 0; i < 30; i++) check(s, s.data, 7 * dim, 10 + i, s.batchOut[i]!);
      }
    });
  });
});

describe('DenseVectorStorage in WebAssembly memory', () => {
  it('grows in place across many doublings, keeping every vector, its bits and its encoding', () => {
    const simd = new DenseVectorStorage(37, 'Euclid', 1, { simd: true });
    const js = new DenseVectorStorage(37, 'Euclid', 1, { simd: false });
    fill(simd, 5000, 3);
    fill(js, 5000, 3);
    simd.delete(10);
    js.delete(10);
    expect(simd.simdActive).toBe(true);
    expect(simd.capacity).toBeGreaterThanOrEqual(5000);
    expect(simd.count).toBe(4999);
    // Views are re-made after growth: the arena and the batch scratch must cover the whole capacity.
    expect(simd.data.length).toBe(simd.capacity * 37);
    expect(simd.batchIds.length).toBe(BATCH_CAPACITY);
    expect(Array.from(simd.get(4999))).toEqual(Array.from(js.get(4999)));
    expect(simd.encode()).toEqual(js.encode());
    const back = DenseVectorStorage.decode(simd.encode());
    expect(Array.from(back.get(1234))).toEqual(Array.from(js.get(1234)));
    expect(back.has(10)).toBe(false);
  });

  it('moves a growing storage into WebAssembly memory once it reaches SIMD_MIN_BYTES, and not before', () => {
    const dim = 64;
    const vs = new DenseVectorStorage(dim, 'Cosine');
    const rows = SIMD_MIN_BYTES / (dim * 4);
    fill(vs, rows / 2, 9);
    expect(vs.simdActive).toBe(false);
    const before = Array.from(vs.get(rows / 2 - 1));
    fill(vs, rows + 1, 9);
    expect(vs.simdActive).toBe(true);
    expect(Array.from(vs.get(rows / 2 - 1))).toEqual(before);
  });

  it('exact search gives the same top-k as the JS path with and without filters and candidate lists', () => {
    const dim = 96;
    for (const distance of DISTANCES) {
      const simd = new DenseVectorStorage(dim, distance, 16, { simd: true });
      const js = new DenseVectorStorage(dim, distance, 16, { simd: false });
      // More rows than one batch, so the scan crosses batch boundaries.
      fill(simd, BATCH_CAPACITY + 900, 5);
      fill(js, BATCH_CAPACITY + 900, 5);
      for (const id of [0, 5, 4100]) {
        simd.delete(id);
        js.delete(id);
      }
      const r = rng(11);
      const candidates = Uint32Array.from({ length: 5000 }, () => Math.floor(r() * (BATCH_CAPACITY + 900)));
      for (let t = 0; t < 5; t++) {
        const q = simd.prepareQuery(Float32Array.from({ length: dim }, () => r() * 2 - 1));
        const odd = (id: number) => id % 2 === 1;
        const cases = [[undefined, undefined], [odd, undefined], [undefined, candidates], [odd, candidates]] as const;
        for (const [accept, cand] of cases) {
          const a = exactSearch(simd, q, 20, accept, cand);
          const b = exactSearch(js, q, 20, accept, cand);
          expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
          for (let i = 0; i < a.ids.length; i++) expect(a.scores[i]).toBeCloseTo(b.scores[i]!, 4);
          expect(a.ids.includes(5)).toBe(false);
        }
      }
    }
  });
});
