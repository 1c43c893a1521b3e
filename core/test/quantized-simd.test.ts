import { describe, expect, it } from 'vitest';
import { exactSearch } from '@sextant/core';
import { DenseVectorStorage } from '../src/segment/dense-vector-storage.js';
import { ScalarQuantizedStorage } from '../src/segment/quantized-scalar-storage.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Float storage (SIMD or JS) filled with seeded clustered rows of an odd dim (the u8 rows are padded to 16). */
function filled(distance: 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan', simd: boolean, dim: number, n: number): DenseVectorStorage {
  const r = rng(9);
  const centers = Array.from({ length: 12 }, () => Array.from({ length: dim }, () => r() * 2 - 1));
  const s = new DenseVectorStorage(dim, distance, 16, { simd });
  for (let id = 0; id < n; id++) {
    const c = centers[id % 12]!;
    s.set(id, c.map((x) => x + (r() - 0.5) * 0.5));
  }
  return s;
}

describe('int8 ranks: WebAssembly SIMD (symmetric) and JS (asymmetric)', () => {
  for (const distance of ['Cosine', 'Dot', 'Euclid', 'Manhattan'] as const) {
    it(`${distance}: both approximate the float ranks, and rescoring the x2 top keeps recall@10 >= 0.95`, () => {
      const dim = 37;
      const n = 3000;
      for (const simd of [true, false]) {
        const floats = filled(distance, simd, dim, n);
        const q8 = new ScalarQuantizedStorage(floats, 1);
        expect(q8.simdActive).toBe(simd);
        const r = rng(100);
        let hits = 0;
        let worst = 0;
        let scale = 0;
        for (let qi = 0; qi < 30; qi++) {
          const query = floats.prepareQuery(Array.from({ length: dim }, () => r() * 2 - 1));
          // 1. Row-wise: the int8 rank of a batch stays near the float rank.
          q8.loadQuery(query);
          for (let i = 0; i < 64; i++) q8.batchIds[i] = (qi * 97 + i * 31) % n;
          q8.rankBatch(-1, 64);
          for (let i = 0; i < 64; i++) {
            const f = floats.rank(query, q8.batchIds[i]!);
            worst = Math.max(worst, Math.abs(q8.batchOut[i]! - f));
            scale = Math.max(scale, Math.abs(f));
          }
          // 2. Top-10 by int8 (x2), rescored with floats, against the float truth.
          const truth = new Set(exactSearch(floats, query, 10).ids);
          const cand = exactSearch(q8, query, 20).ids;
          const best = Array.from(cand).sort((a, b) => floats.rank(query, a) - floats.rank(query, b)).slice(0, 10);
          for (const id of best) if (truth.has(id)) hits++;
        }
        expect(worst / scale, `${distance} simd=${simd}`).toBeLessThan(0.05);
        expect(hits / 300, `${distance} simd=${simd}`).toBeGreaterThanOrEqual(0.95);
      }
    });
  }

  it('keeps the codes of later writes after the WebAssembly memory grows', () => {
    const floats = filled('Euclid', true, 16, 20);
    const q8 = new ScalarQuantizedStorage(floats, 1);
    const v = Array.from({ length: 16 }, (_, i) => (i % 3) * 0.1);
    for (let id = 20; id < 5000; id++) {
      floats.set(id, v);
      q8.set(id);
    }
    const query = floats.prepareQuery(v);
    q8.loadQuery(query);
    q8.batchIds[0] = 4999;
    q8.batchIds[1] = 0;
    q8.rankBatch(-1, 2);
    expect(q8.batchOut[0]).toBeLessThan(1e-3);
    expect(q8.batchOut[1]).toBeCloseTo(floats.rank(query, 0), 1);
  });
});
