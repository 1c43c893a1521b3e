import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dot, l1, l2Squared, higherIsBetter } from '../src/distance/distance.js';
import { DenseVectorStorage, MultiVectorStorage } from '../src/segment/vector-storage.js';

const vec = (dim: number) => fc.array(fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), { minLength: dim, maxLength: dim });

describe('distance kernels', () => {
  it('agree with the textbook formulas at any offset and any dimension (unrolled tails included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 19 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), (dim, ao, bo) => {
        const a = Float32Array.from({ length: dim + ao }, (_, i) => Math.sin(i * 1.7 + dim));
        const b = Float32Array.from({ length: dim + bo }, (_, i) => Math.cos(i * 0.3 - dim));
        let d = 0;
        let e = 0;
        let m = 0;
        for (let i = 0; i < dim; i++) {
          d += a[ao + i]! * b[bo + i]!;
          e += (a[ao + i]! - b[bo + i]!) ** 2;
          m += Math.abs(a[ao + i]! - b[bo + i]!);
        }
        expect(dot(a, ao, b, bo, dim)).toBeCloseTo(d, 9);
        expect(l2Squared(a, ao, b, bo, dim)).toBeCloseTo(e, 9);
        expect(l1(a, ao, b, bo, dim)).toBeCloseTo(m, 9);
      }),
      { seed: 1 },
    );
    expect(higherIsBetter('Cosine')).toBe(true);
    expect(higherIsBetter('Dot')).toBe(true);
    expect(higherIsBetter('Euclid')).toBe(false);
    expect(higherIsBetter('Manhattan')).toBe(false);
  });
});

describe('DenseVectorStorage', () => {
  it('normalizes Cosine vectors on write and in prepareQuery, leaves a zero vector zero', () => {
    const s = new DenseVectorStorage(3, 'Cosine');
    s.set(0, [3, 4, 0]);
    expect(Array.from(s.get(0))).toEqual([Math.fround(0.6), Math.fround(0.8), 0]);
    s.set(1, [0, 0, 0]);
    expect(Array.from(s.get(1))).toEqual([0, 0, 0]);
    const q = s.prepareQuery([0, 10, 0]);
    expect(s.score(q, 0)).toBeCloseTo(0.8, 6);
    expect(s.score(q, 1)).toBe(0);
    const d = new DenseVectorStorage(3, 'Dot');
    d.set(0, [3, 4, 0]);
    expect(Array.from(d.get(0))).toEqual([3, 4, 0]);
  });

  it('scores as Qdrant reports: similarity for Dot, distance for Euclid and Manhattan', () => {
    const e = new DenseVectorStorage(2, 'Euclid');
    e.set(0, [1, 1]);
    expect(e.score(e.prepareQuery([4, 5]), 0)).toBeCloseTo(5, 6);
    const m = new DenseVectorStorage(2, 'Manhattan');
    m.set(0, [1, 1]);
    expect(m.score(m.prepareQuery([4, 5]), 0)).toBeCloseTo(7, 6);
    const d = new DenseVectorStorage(2, 'Dot');
    d.set(0, [1, 2]);
    expect(d.score(d.prepareQuery([3, 4]), 0)).toBeCloseTo(11, 6);
  });

  it('grows by doubling, keeps old vectors, counts and deletes by bit', () => {
    const s = new DenseVectorStorage(4, 'Euclid', 2);
    for (let id = 0; id < 100; id += 3) s.set(id, [id, id + 1, id + 2, id + 3]);
    expect(s.count).toBe(34);
    expect(s.capacity).toBeGreaterThanOrEqual(100);
    expect(Array.from(s.get(33))).toEqual([33, 34, 35, 36]);
    expect(s.has(1)).toBe(false);
    s.delete(33);
    s.delete(33);
    expect(s.has(33)).toBe(false);
    expect(s.count).toBe(33);
    s.set(33, [0, 0, 0, 0]);
    expect(s.count).toBe(34);
  });

  it('round-trips through encode/decode, also from an unaligned byte offset', () => {
    fc.assert(
      fc.property(fc.array(vec(5), { minLength: 1, maxLength: 30 }), fc.constantFrom('Cosine', 'Dot', 'Euclid', 'Manhattan' as const), (rows, distance) => {
        const s = new DenseVectorStorage(5, distance);
        rows.forEach((r, i) => s.set(i * 2, r));
        s.delete(0);
        const bytes = s.encode();
        const shifted = new Uint8Array(bytes.length + 1);
        shifted.set(bytes, 1);
        const t = DenseVectorStorage.decode(shifted.subarray(1));
        expect(t.count).toBe(s.count);
        expect(t.distance).toBe(distance);
        for (let id = 0; id < rows.length * 2; id++) {
          expect(t.has(id)).toBe(s.has(id));
          if (s.has(id)) expect(Array.from(t.get(id))).toEqual(Array.from(s.get(id)));
        }
      }),
      { seed: 2, numRuns: 50 },
    );
  });
});

describe('MultiVectorStorage', () => {
  /** Oracle: max_sim straight from the definition over plain arrays. */
  function maxSim(q: number[][], p: number[][], distance: 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan'): number {
    // Qdrant's rule: a vector whose squared length is below f32 epsilon (or already within 1e-6 of unit) is kept.
    const norm = (v: number[]) => {
      const n2 = v.reduce((sum, x) => sum + Math.fround(x) * Math.fround(x), 0);
      return distance === 'Cosine' && n2 >= 1.1920929e-7 && Math.abs(n2 - 1) > 1e-6 ? v.map((x) => x / Math.sqrt(n2)) : v;
    };
    const sim = (a: number[], b: number[]) => {
      const x = norm(a);
      const y = norm(b);
      if (distance === 'Euclid') return Math.hypot(...x.map((v, i) => v - y[i]!));
      if (distance === 'Manhattan') return x.reduce((s, v, i) => s + Math.abs(v - y[i]!), 0);
      return x.reduce((s, v, i) => s + v * y[i]!, 0);
    };
    const better = distance === 'Cosine' || distance === 'Dot' ? Math.max : Math.min;
    // Euclid as Qdrant: the squared nearest distances are summed and the sum rooted once
    if (distance === 'Euclid') return Math.sqrt(q.reduce((s, qv) => s + better(...p.map((pv) => sim(qv, pv))) ** 2, 0));
    return q.reduce((s, qv) => s + better(...p.map((pv) => sim(qv, pv))), 0);
  }

  it('scores max_sim exactly as brute force, across rewrites, deletes and a round trip', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Cosine', 'Dot', 'Euclid', 'Manhattan' as const),
        fc.array(fc.array(vec(3), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 40 }),
        fc.array(vec(3), { minLength: 1, maxLength: 3 }),
        (distance, points, query) => {
          const s = new MultiVectorStorage(3, distance);
          // 1. Write every point twice (the first write is abandoned), delete every fifth.
          points.forEach((p, id) => s.set(id, p.map((v) => v.map((x) => x + 1))));
          points.forEach((p, id) => s.set(id, p));
          for (let id = 0; id < points.length; id += 5) s.delete(id);
          const t = MultiVectorStorage.decode(s.encode());
          for (const store of [s, t]) {
            const q = store.prepareQuery(query);
            points.forEach((p, id) => {
              expect(store.has(id)).toBe(id % 5 !== 0);
              if (id % 5 === 0) return expect(store.get(id)).toBeUndefined();
              const f32 = p.map((v) => Array.from(Float32Array.from(v)));
              const want = maxSim(query.map((v) => Array.from(Float32Array.from(v))), f32, distance);
              expect(store.score(q, id)).toBeCloseTo(want, Math.abs(want) > 1000 ? 0 : 2);
              expect(store.get(id)!.length).toBe(p.length);
            });
          }
        },
      ),
      { seed: 3, numRuns: 60 },
    );
  });
});
