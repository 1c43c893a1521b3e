import type { U8Metric } from './wasm-u8-kernels.js';

/**
 * The JS twin of the u8 SIMD kernels (wasm-u8-kernels.ts) for engines without WebAssembly SIMD and for small
 * storages: `out[r]` = the integer sum of `metric` between the query `q` (integers 0..255 held as floats) and
 * row `ids[r]` (or `from + r`), rows `stride` bytes apart, `dim` of them read. Sums are exact (integers below
 * 2^53) and rounded to f32 when stored, as the SIMD kernel's i32 -> f32 conversion does.
 */
export function sumBatchU8(
  metric: U8Metric,
  q: Float32Array,
  rows: Uint8Array,
  stride: number,
  dim: number,
  ids: Uint32Array | undefined,
  from: number,
  count: number,
  out: Float32Array,
): void {
  const end2 = dim & ~1;
  for (let r = 0; r < count; r++) {
    const off = (ids === undefined ? from + r : ids[r]!) * stride;
    let s0 = 0;
    let s1 = 0;
    let i = 0;
    if (metric === 'u8dot') {
      for (; i < end2; i += 2) {
        s0 += q[i]! * rows[off + i]!;
        s1 += q[i + 1]! * rows[off + i + 1]!;
      }
      if (i < dim) s0 += q[i]! * rows[off + i]!;
    } else if (metric === 'u8l2') {
      for (; i < end2; i += 2) {
        const d0 = q[i]! - rows[off + i]!;
        const d1 = q[i + 1]! - rows[off + i + 1]!;
        s0 += d0 * d0;
        s1 += d1 * d1;
      }
      if (i < dim) {
        const d = q[i]! - rows[off + i]!;
        s0 += d * d;
      }
    } else {
      for (; i < end2; i += 2) {
        s0 += Math.abs(q[i]! - rows[off + i]!);
        s1 += Math.abs(q[i + 1]! - rows[off + i + 1]!);
      }
      if (i < dim) s0 += Math.abs(q[i]! - rows[off + i]!);
    }
    out[r] = s0 + s1;
  }
}

/** Qdrant's cast of a number to a uint8 component (Rust `x as u8`): truncated toward zero, clamped, NaN to 0. */
export function toU8(x: number): number {
  return x > 0 ? (x >= 255 ? 255 : Math.trunc(x)) : 0;
}
