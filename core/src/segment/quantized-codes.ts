import type { BinarySpec } from '../collection/quantization-config.js';
import type { BitPlanes } from '../distance/wasm-bit-kernels.js';
import type { DenseVectors } from './vector-storage.js';
import { tableSum } from './code-table.js';

/*
 * The arithmetic of int8 and binary codes that does not depend on where the codes live: encoding a query (and a
 * binary row), and turning the SIMD kernels' integer sums into ranks. The quantized storages call these on their
 * own codes, and search threads on the same codes in shared memory (executor/shared-codes.ts), so both rank every
 * row to the same value.
 */

/** Qdrant's zero band of the two-bit encodings: |z| < 2/3 sigma codes as "about the mean". */
const SIGMAS = 2 / 3;
const F32_EPSILON = 1.1920929e-7;

/**
 * The query as codes (SIMD form: clipped to [lo, lo + 255 alpha] and rounded, as rows are) into `out`; returns the
 * sum of its codes (the dot product's per-query term). Search threads quantize with this too (shared-codes.ts).
 */
export function quantizeQuery(query: Float32Array, dim: number, lo: number, alpha: number, out: Uint8Array): number {
  const inv = 1 / alpha;
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const c = Math.round((query[i]! - lo) * inv);
    sum += out[i] = c < 0 ? 0 : c > 255 ? 255 : c;
  }
  return sum;
}

/**
 * Integer sums of the u8 kernels in `out[0..count)` -> ranks, in place (see `affine`): the rows are `ids[i]`, or
 * `from + i` without ids. Shared with the search threads, so both rank the same codes to the same values.
 */
export function scalarRanks(
  distance: DenseVectors['distance'],
  dim: number,
  lo: number,
  a: number,
  qShift: number,
  sums: Float32Array,
  out: Float32Array,
  ids: Uint32Array | undefined,
  from: number,
  count: number,
): void {
  if (distance === 'Euclid') {
    const a2 = a * a;
    for (let i = 0; i < count; i++) out[i] = a2 * out[i]!;
  } else if (distance === 'Manhattan') {
    for (let i = 0; i < count; i++) out[i] = a * out[i]!;
  } else {
    const a2 = a * a;
    const alo = a * lo;
    const c0 = alo * qShift + dim * lo * lo;
    for (let i = 0; i < count; i++) out[i] = -(a2 * out[i]! + alo * sums[ids === undefined ? from + i : ids[i]!]! + c0);
  }
}

/** What encodes a row or a query into bits: the encoding, the query planes and the fitted statistics. */
export interface BinaryCoding {
  dim: number;
  distance: DenseVectors['distance'];
  encoding: BinarySpec['encoding'];
  /** Query bit planes: 1 (symmetric) or 4 / 8 (scalar query). */
  planes: BitPlanes;
  /** Bits per row before padding. */
  bits: number;
  mean: Float32Array;
  std: Float32Array;
}

/** The bits of `c.dim` values at `src[off ..]` into `out` (a row, cleared first): Qdrant's encodings, see the class. */
export function encodeBits(c: BinaryCoding, src: Float32Array, off: number, out: Uint8Array): void {
  out.fill(0);
  const dim = c.dim;
  const enc = c.encoding;
  for (let i = 0; i < dim; i++) {
    const x = src[off + i]!;
    let b1: boolean;
    let b2: boolean;
    if (enc === 'one_bit') {
      b1 = x > 0;
      b2 = false;
    } else {
      const sd = c.std[i]!;
      if (sd < F32_EPSILON) {
        b1 = x > 0;
        b2 = false;
      } else {
        const z = (x - c.mean[i]!) / sd;
        b1 = z > -SIGMAS;
        b2 = z >= SIGMAS;
      }
    }
    if (b1) out[i >> 3] |= 1 << (i & 7);
    if (b2) {
      const j = enc === 'two_bits' ? dim + i : dim + (i >> 1);
      out[j >> 3] |= 1 << (j & 7);
    }
  }
}

/**
 * A prepared query as the bit kernels read it, into `out` (`planes` interleaved planes of a row); `ext` is scratch of
 * `bits` floats. Search threads load their queries with this too (shared-codes.ts).
 */
export function loadBinaryQuery(c: BinaryCoding, query: Float32Array, out: Uint8Array, ext: Float32Array): void {
  if (c.planes === 1) {
    encodeBits(c, query, 0, out);
    return;
  }
  // Asymmetric: the query extended as the rows are, quantized over [-max|q|, max|q|], one plane per bit.
  const dim = c.dim;
  for (let i = 0; i < dim; i++) ext[i] = query[i]!;
  if (c.encoding === 'two_bits') {
    for (let i = 0; i < dim; i++) ext[dim + i] = query[i]!;
  } else if (c.encoding === 'one_and_half_bits') {
    for (let j = 0; j < Math.ceil(dim / 2); j++) {
      const a = query[2 * j]!;
      ext[dim + j] = 2 * j + 1 < dim ? Math.max(a, query[2 * j + 1]!) : a;
    }
  }
  let max = 0;
  for (let i = 0; i < c.bits; i++) max = Math.max(max, Math.abs(ext[i]!));
  const levels = (1 << c.planes) - 1;
  const delta = (2 * max) / levels;
  const planes = c.planes;
  out.fill(0);
  for (let i = 0; i < c.bits; i++) {
    const v = delta > F32_EPSILON ? Math.round((ext[i]! + max) / delta) & levels : 0;
    // Chunk i >> 7 (16 bytes = 128 bits), plane b, byte (i >> 3) & 15 of that chunk.
    const base = (i >> 7) * planes * 16 + ((i >> 3) & 15);
    const bit = 1 << (i & 7);
    for (let b = 0; b < planes; b++) if ((v >> b) & 1) out[base + b * 16] |= bit;
  }
}

/** Weighted XOR-popcounts in `out[0..count)` -> ranks, in place (see the class comment); shared with search threads. */
export function binaryRanks(c: Pick<BinaryCoding, 'planes' | 'dim' | 'distance'>, out: Float32Array, count: number): void {
  const scale = c.planes === 1 ? 1 : 1 / ((1 << c.planes) - 1);
  const d = c.distance;
  if (d === 'Cosine' || d === 'Dot') {
    const dim = c.dim;
    for (let i = 0; i < count; i++) out[i] = 2 * scale * out[i]! - dim;
  } else if (scale !== 1) {
    for (let i = 0; i < count; i++) out[i] = scale * out[i]!;
  }
}

/** Product quantization's model as a query's table needs it: sub-vectors of `bucket` dims, 256 centroid slots each. */
export interface ProductCoding {
  dim: number;
  distance: DenseVectors['distance'];
  bucket: number;
  subspaces: number;
  /** Centroids fitted per sub-space (256, or fewer on few vectors). */
  k: number;
  /** `(s * 256 + j) * bucket`: centroid j of sub-space s. */
  centroids: Float32Array;
}

/** The query's distance table (`table[s * 256 + j]`, the metric's partial rank of sub-vector s against centroid j). */
export function productTable(c: ProductCoding, query: Float32Array, table: Float32Array): void {
  const { dim, bucket: b, centroids, distance: metric } = c;
  for (let s = 0; s < c.subspaces; s++) {
    const from = s * b;
    const w = Math.min(b, dim - from);
    for (let j = 0; j < c.k; j++) {
      const at = (s * 256 + j) * b;
      let sum = 0;
      if (metric === 'Cosine' || metric === 'Dot') for (let i = 0; i < w; i++) sum -= query[from + i]! * centroids[at + i]!;
      else if (metric === 'Euclid') {
        for (let i = 0; i < w; i++) {
          const d = query[from + i]! - centroids[at + i]!;
          sum += d * d;
        }
      } else for (let i = 0; i < w; i++) sum += Math.abs(query[from + i]! - centroids[at + i]!);
      table[s * 256 + j] = sum;
    }
  }
}

/**
 * `out[r]` = the table sum of row `ids[r]` (or `from + r`), `m` code bytes a row. A row past the codes ranks 0
 * (the owner's scan meets such ids past the last encoded one, never live); returns whether any was.
 */
export function productRanks(table: Float32Array, codes: Uint8Array, m: number, ids: Uint32Array | undefined, from: number, count: number, out: Float32Array): boolean {
  const rowsHeld = codes.length / m;
  let past = false;
  for (let r = 0; r < count; r++) {
    const id = ids === undefined ? from + r : ids[r]!;
    if (id >= rowsHeld) {
      out[r] = 0;
      past = true;
      continue;
    }
    out[r] = tableSum(table, codes, id * m, m);
  }
  return past;
}
