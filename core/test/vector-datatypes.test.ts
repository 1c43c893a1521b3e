import { describe, expect, it } from 'vitest';
import { DISTANCES, type Distance } from '../src/distance/distance.js';
import { F16_MAX, f16Table, f32ToF16, roundF16 } from '../src/distance/half-float.js';
import { toU8 } from '../src/distance/u8-rows.js';
import { exactSearch } from '../src/index/hnsw/exact-search.js';
import { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import { type DenseVectors, createDenseVectors, decodeDenseVectors } from '../src/segment/vector-storage.js';
import { seededRandom as rng } from '../src/query/advanced/sample-random.js';

/** The values a datatype keeps of an API vector (Cosine: normalized first for float16, never for uint8). */
function stored(datatype: 'float16' | 'uint8', distance: Distance, v: number[]): number[] {
  if (datatype === 'uint8') return v.map(toU8);
  let w = v.map((x) => Math.fround(x));
  if (distance === 'Cosine') {
    const n = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    if (n > 0) w = w.map((x) => Math.fround(x / n));
  }
  return w.map(roundF16);
}

/** Qdrant's score of two stored-form vectors, in float64. */
function oracleScore(distance: Distance, a: number[], b: number[], datatype: 'float16' | 'uint8'): number {
  let dot = 0, na = 0, nb = 0, l2 = 0, l1 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
    l2 += (a[i]! - b[i]!) ** 2;
    l1 += Math.abs(a[i]! - b[i]!);
  }
  if (distance === 'Dot') return dot;
  if (distance === 'Euclid') return Math.sqrt(l2);
  if (distance === 'Manhattan') return l1;
  // Cosine: float16 rows were normalized before rounding and score by their dot product, as Qdrant's; uint8 rows
  // divide by both norms (0 for a zero vector).
  if (datatype === 'float16') return dot;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const higher = (d: Distance) => d === 'Cosine' || d === 'Dot';

function randomVector(r: () => number, dim: number, datatype: 'float16' | 'uint8'): number[] {
  // uint8 inputs include fractions and out-of-range values: Qdrant casts them (3.7 -> 3, 300 -> 255, -4 -> 0).
  return Array.from({ length: dim }, () => (datatype === 'uint8' ? r() * 300 - 20 : r() * 4 - 2));
}

describe('float16 conversion', () => {
  it('rounds to the nearest half, ties to even, as half::f16::from_f32', () => {
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-2)).toBe(0xc000);
    expect(f32ToF16(0)).toBe(0);
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00); // halfway to 2^16 rounds to even: Infinity
    expect(f32ToF16(65519)).toBe(0x7bff);
    expect(f32ToF16(2 ** -24)).toBe(1); // smallest subnormal
    expect(f32ToF16(2 ** -25)).toBe(0); // halfway to the smallest subnormal: ties to even (0)
    expect(f32ToF16(1.5 * 2 ** -24)).toBe(2); // halfway between 1 and 2 subnormal units: to even (2)
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and the next half: to even
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(roundF16(0.1)).toBe(0.0999755859375);
    expect(roundF16(F16_MAX)).toBe(F16_MAX);
  });

  it('round-trips every finite half through the decode table', () => {
    const t = f16Table();
    for (let h = 0; h < 65536; h++) {
      if (((h >>> 10) & 0x1f) === 0x1f) continue;
      const back = f32ToF16(t[h]!);
      // -0 and +0 are distinct patterns; both decode to zero.
      expect(back === h || (t[h] === 0 && (back & 0x7fff) === 0)).toBe(true);
    }
  });
});

describe('uint8 cast', () => {
  it('truncates and clamps like Rust `as u8`', () => {
    expect([3.5, 3.99, 300, 255, 255.9, -1, -0.5, 0, NaN, 1e9].map(toU8)).toEqual([3, 3, 255, 255, 255, 0, 0, 0, 0, 255]);
  });
});

const CASES: Array<{ datatype: 'float16' | 'uint8'; simd?: boolean }> = [
  { datatype: 'float16', simd: false },
  { datatype: 'float16', simd: true },
  { datatype: 'uint8', simd: false },
  { datatype: 'uint8', simd: true },
];

describe.each(CASES)('$datatype storage (simd: $simd)', ({ datatype, simd }) => {
  describe.each(DISTANCES)('%s', (distance) => {
    it.each([1, 7, 16, 33, 128])('exact search equals a brute-force oracle on the stored values (dim %i)', (dim) => {
      const r = rng(dim * 31 + distance.length);
      const vs = createDenseVectors(dim, distance, datatype, 8, simd === undefined ? {} : { simd });
      if (simd !== undefined) expect(vs.simdActive).toBe(simd);
      const raw: number[][] = [];
      for (let id = 0; id < 300; id++) {
        raw.push(randomVector(r, dim, datatype));
        vs.set(id, raw[id]!);
      }
      // A zero vector (uint8: all inputs <= 0) and a deleted one.
      vs.set(300, new Array(dim).fill(-3));
      raw.push(new Array(dim).fill(-3));
      vs.delete(7);
      const rows = raw.map((v) => stored(datatype, distance, v));
      for (let id = 0; id < rows.length; id++) if (vs.has(id)) expect(Array.from(vs.get(id))).toEqual(rows[id]);
      for (let t = 0; t < 5; t++) {
        const qRaw = randomVector(r, dim, datatype);
        const q = stored(datatype, distance, qRaw);
        expect(Array.from(vs.prepareQuery(qRaw))).toEqual(q);
        const want = rows
          .map((row, id) => ({ id, score: oracleScore(distance, q, row, datatype) }))
          .filter((h) => h.id !== 7)
          .sort((a, b) => (higher(distance) ? b.score - a.score : a.score - b.score) || a.id - b.id)
          .slice(0, 10);
        const got = exactSearch(vs, vs.prepareQuery(qRaw), 10);
        const tol = (x: number) => 1e-5 * Math.max(1, Math.abs(x));
        expect(got.ids.length).toBe(10);
        for (let i = 0; i < 10; i++) {
          // Same score at each rank; the id may differ only between (near-)tied scores.
          expect(Math.abs(got.scores[i]! - want[i]!.score)).toBeLessThanOrEqual(tol(want[i]!.score));
          const own = oracleScore(distance, q, rows[got.ids[i]!]!, datatype);
          expect(Math.abs(own - got.scores[i]!)).toBeLessThanOrEqual(tol(own));
          expect(Math.abs(vs.score(vs.prepareQuery(qRaw), got.ids[i]!) - own)).toBeLessThanOrEqual(tol(own));
        }
      }
    });
  });

  it('keeps 1 (uint8) or 2 (float16) bytes per component', () => {
    const vs = createDenseVectors(128, 'Dot', datatype, 16, simd === undefined ? {} : { simd });
    expect(vs.bytesPerVector).toBe(datatype === 'uint8' ? 128 + 1 : 256 + 1);
    for (let id = 0; id < 1000; id++) vs.set(id, new Array(128).fill(id % 200));
    const blob = vs.encode();
    expect(blob.length).toBeLessThan(1000 * (datatype === 'uint8' ? 130 : 258) + 200);
  });

  it('encodes and decodes to the same vectors, scores and live set', () => {
    const r = rng(5);
    // Grows from 4 slots: the SIMD arena grows in place, the JS rows by copying.
    const vs = createDenseVectors(20, 'Cosine', datatype, 4, simd === undefined ? {} : { simd });
    for (let id = 0; id < 100; id++) vs.set(id, randomVector(r, 20, datatype));
    vs.delete(3);
    const back = decodeDenseVectors(vs.encode());
    expect(back.datatype).toBe(datatype);
    expect(back.count).toBe(99);
    expect(back.has(3)).toBe(false);
    const q = vs.prepareQuery(randomVector(r, 20, datatype));
    for (let id = 0; id < 100; id += 7) {
      if (id !== 3) expect(Array.from(back.get(id))).toEqual(Array.from(vs.get(id)));
      expect(back.score(q, id)).toBeCloseTo(vs.score(q, id), 6);
    }
  });

  it('the float view matches the storage scores (Cosine: unit rows and queries)', () => {
    const r = rng(9);
    const vs = createDenseVectors(12, 'Cosine', datatype, 4);
    for (let id = 0; id < 20; id++) vs.set(id, randomVector(r, 12, datatype));
    const raw = randomVector(r, 12, datatype);
    const fq = vs.prepareFloatQuery(raw);
    const q = vs.prepareQuery(raw);
    for (let id = 0; id < 20; id++) {
      const off = vs.offset(id);
      let dot = 0;
      for (let i = 0; i < 12; i++) dot += fq[i]! * vs.data[off + i]!;
      expect(dot).toBeCloseTo(vs.score(q, id), 5);
    }
  });
});

describe('HNSW over compact datatypes', () => {
  it.each([
    ['float16', 'Cosine', true],
    ['float16', 'Manhattan', false],
    ['uint8', 'Euclid', true],
    ['uint8', 'Cosine', true],
    ['uint8', 'Dot', false],
  ] as const)('%s %s (simd: %s): recall@10 against exact search stays above 0.95', (datatype, distance, simd) => {
    const dim = 32;
    const n = 3000;
    const r = rng(77);
    const vs: DenseVectors = createDenseVectors(dim, distance, datatype, 16, { simd });
    expect(vs.simdActive).toBe(simd);
    const index = new HnswIndex(vs, { m: 16, efConstruct: 100, seed: 1 });
    // Clustered data so that neighbours are meaningful (and integer ties are rare).
    const centers = Array.from({ length: 20 }, () => randomVector(r, dim, datatype));
    for (let id = 0; id < n; id++) {
      const c = centers[id % 20]!;
      vs.set(id, c.map((x) => x + (datatype === 'uint8' ? r() * 60 - 30 : r() - 0.5)));
      index.insert(id);
    }
    let hit = 0;
    let total = 0;
    for (let t = 0; t < 50; t++) {
      const c = centers[t % 20]!;
      const q = vs.prepareQuery(c.map((x) => x + (datatype === 'uint8' ? r() * 60 - 30 : r() - 0.5)));
      const truth = exactSearch(vs, q, 10);
      const found = index.search(q, 10, 64);
      // Count by score, so that ties between equal integer scores do not count as misses.
      const cut = truth.scores[9]!;
      for (let i = 0; i < found.ids.length; i++) {
        const s = found.scores[i]!;
        if (higher(distance) ? s >= cut - 1e-6 : s <= cut + 1e-6) hit++;
      }
      total += 10;
    }
    expect(hit / total).toBeGreaterThanOrEqual(0.95);
  });
});

describe('float16 Cosine rows', () => {
  it('are stored once: writing a stored row again (a point moving) keeps it bit for bit', () => {
    const r = rng(11);
    const vs = createDenseVectors(3, 'Cosine', 'float16', 4);
    for (let id = 0; id < 500; id++) {
      vs.set(id, randomVector(r, 3, 'float16'));
      const once = Array.from(vs.get(id));
      vs.set(id + 1000, once);
      expect(Array.from(vs.get(id + 1000))).toEqual(once);
      expect(Array.from(vs.prepareQuery(once))).toEqual(once);
    }
  });
});

describe('float16 SIMD decoding', () => {
  it('ranks subnormal, zero, negative and extreme halves as the JS table does', () => {
    const special = [0, -0, 2 ** -24, -(2 ** -24), 3e-6, -4.5e-5, 6.1e-5, 1, -1, 0.333, 65504, -65504, 1000.5, -2.5e-3, 7, -7];
    for (const distance of DISTANCES) {
      if (distance === 'Cosine') continue; // normalization would move the values; the decode is what is tested
      const simd = createDenseVectors(special.length, distance, 'float16', 4, { simd: true });
      const js = createDenseVectors(special.length, distance, 'float16', 4, { simd: false });
      expect(simd.simdActive).toBe(true);
      const rows = [special, special.map((x) => -x), special.map((x, i) => (i % 2 ? x : 0)), special.slice().reverse()];
      rows.forEach((v, id) => {
        simd.set(id, v);
        js.set(id, v);
      });
      for (const q of rows) {
        const hs = simd.loadQuery(simd.prepareQuery(q.map((x) => x / 100)));
        simd.rankRange(hs, 0, rows.length);
        const a = Array.from(simd.batchOut.subarray(0, rows.length));
        const hj = js.loadQuery(js.prepareQuery(q.map((x) => x / 100)));
        js.rankRange(hj, 0, rows.length);
        const b = Array.from(js.batchOut.subarray(0, rows.length));
        for (let i = 0; i < rows.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b[i]!)));
      }
    }
  });
});
