import { type Distance, dot, l1, l2Squared } from './distance.js';

/**
 * The JS fallback of the batch kernels (arenas below SIMD_MIN_BYTES, engines without wasm SIMD): one loop per
 * distance with a direct call to its kernel, so V8 inlines it, instead of one loop calling a kernel held in a
 * variable. Same keys as `rankKernel` (-dot, squared L2, L1), written to `out` as f32.
 *
 * `ids === undefined` ranks the contiguous rows `from .. from+count`; otherwise rows `ids[0 .. count)`.
 */
export function rankBatchJs(
  distance: Distance,
  q: Float32Array,
  qOff: number,
  arena: Float32Array,
  dim: number,
  ids: Uint32Array | undefined,
  from: number,
  count: number,
  out: Float32Array,
): void {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      if (ids === undefined) for (let i = 0; i < count; i++) out[i] = -dot(q, qOff, arena, (from + i) * dim, dim);
      else for (let i = 0; i < count; i++) out[i] = -dot(q, qOff, arena, ids[i]! * dim, dim);
      return;
    case 'Euclid':
      if (ids === undefined) for (let i = 0; i < count; i++) out[i] = l2Squared(q, qOff, arena, (from + i) * dim, dim);
      else for (let i = 0; i < count; i++) out[i] = l2Squared(q, qOff, arena, ids[i]! * dim, dim);
      return;
    case 'Manhattan':
      if (ids === undefined) for (let i = 0; i < count; i++) out[i] = l1(q, qOff, arena, (from + i) * dim, dim);
      else for (let i = 0; i < count; i++) out[i] = l1(q, qOff, arena, ids[i]! * dim, dim);
      return;
  }
}
