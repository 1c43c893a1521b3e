import type { Distance } from './distance.js';

/**
 * IEEE 754 half precision (binary16) for the float16 vector datatype: conversion from float32 with
 * round-to-nearest-even (what Qdrant's `half::f16::from_f32` does), and batch rank kernels that read rows of
 * half-float bits through a 65,536-entry decode table, so a component costs one table load more than float32.
 * Ranks are the `rankKernel` keys (lower is closer) of the decoded values.
 */

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** The binary16 bits nearest to `x` (ties to even); beyond +-65504 the result is +-Infinity, NaN stays NaN. */
export function f32ToF16(x: number): number {
  scratch[0] = x;
  const b = scratchBits[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): the value in units of 2^-24, rounded.
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e;
    let h = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, which is the right rounding (up to Infinity past 65504).
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** The largest finite half: inputs beyond it (after Cosine normalization) cannot be stored as float16. */
export const F16_MAX = 65504;

let table: Float32Array | undefined;

/** float32 value of every binary16 bit pattern (built on first use: 256 KB). */
export function f16Table(): Float32Array {
  if (table !== undefined) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? sign * m * 2 ** -24 : e === 0x1f ? (m === 0 ? sign * Infinity : NaN) : sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (table = t);
}

/**
 * Whether `v` is already a stored Cosine row: every component a half and the norm within the rounding of a unit
 * vector (each component is off by at most 2^-11 relative, so |v|^2 by about 2^-10). Such a vector comes back when a
 * point moves (compaction, an update of another vector name, a sync page): normalizing it again would move some
 * components to a neighbouring half, so copies would drift a little on every move.
 */
export function isStoredUnitF16(v: ArrayLike<number>): boolean {
  const t = f16Table();
  let n2 = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (t[f32ToF16(x)] !== x) return false;
    n2 += x * x;
  }
  return Math.abs(n2 - 1) <= 2 ** -9;
}

/** `x` rounded to the nearest float16 value, as a number. */
export function roundF16(x: number): number {
  return f16Table()[f32ToF16(x)]!;
}

/**
 * `out[r] = rank(q, row)` for rows `ids[r]` (or `from + r` when `ids` is undefined), r < count: `q` is a float
 * query of `dim` values, rows are `dim` half-float bits each at `row * stride` of `rows`. Four accumulators per row,
 * as the float32 JS kernels, so the multiply-adds overlap.
 */
export function rankBatchF16(
  distance: Distance,
  q: Float32Array,
  rows: Uint16Array,
  stride: number,
  dim: number,
  ids: Uint32Array | undefined,
  from: number,
  count: number,
  out: Float32Array,
): void {
  const t = f16Table();
  const end4 = dim & ~3;
  if (distance === 'Cosine' || distance === 'Dot') {
    for (let r = 0; r < count; r++) {
      const off = (ids === undefined ? from + r : ids[r]!) * stride;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (; i < end4; i += 4) {
        s0 += q[i]! * t[rows[off + i]!]!;
        s1 += q[i + 1]! * t[rows[off + i + 1]!]!;
        s2 += q[i + 2]! * t[rows[off + i + 2]!]!;
        s3 += q[i + 3]! * t[rows[off + i + 3]!]!;
      }
      for (; i < dim; i++) s0 += q[i]! * t[rows[off + i]!]!;
      out[r] = -(s0 + s1 + s2 + s3);
    }
  } else if (distance === 'Euclid') {
    for (let r = 0; r < count; r++) {
      const off = (ids === undefined ? from + r : ids[r]!) * stride;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (; i < end4; i += 4) {
        const d0 = q[i]! - t[rows[off + i]!]!;
        const d1 = q[i + 1]! - t[rows[off + i + 1]!]!;
        const d2 = q[i + 2]! - t[rows[off + i + 2]!]!;
        const d3 = q[i + 3]! - t[rows[off + i + 3]!]!;
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
      }
      for (; i < dim; i++) {
        const d = q[i]! - t[rows[off + i]!]!;
        s0 += d * d;
      }
      out[r] = s0 + s1 + s2 + s3;
    }
  } else {
    for (let r = 0; r < count; r++) {
      const off = (ids === undefined ? from + r : ids[r]!) * stride;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (; i < end4; i += 4) {
        s0 += Math.abs(q[i]! - t[rows[off + i]!]!);
        s1 += Math.abs(q[i + 1]! - t[rows[off + i + 1]!]!);
        s2 += Math.abs(q[i + 2]! - t[rows[off + i + 2]!]!);
        s3 += Math.abs(q[i + 3]! - t[rows[off + i + 3]!]!);
      }
      for (; i < dim; i++) s0 += Math.abs(q[i]! - t[rows[off + i]!]!);
      out[r] = s0 + s1 + s2 + s3;
    }
  }
}
