import type { Distance } from '../distance/distance.js';
import { tableSum } from './code-table.js';
import { RandomRotation } from './turbo-rotation.js';

/** The rotation's seed; bits1_5's second rotation is SEED + 1. */
export const TURBO_SEED = 0x7051;

/**
 * Lloyd-Max quantizers of the standard normal distribution (Max, 1960): the levels that minimise the squared
 * error of N(0, 1) at 1, 2 and 4 bits, ascending. Codes index them; a value takes the nearest level.
 */
export const TURBO_LEVELS: Record<1 | 2 | 4, Float32Array> = {
  1: Float32Array.of(-0.7979, 0.7979),
  2: Float32Array.of(-1.5104, -0.4528, 0.4528, 1.5104),
  4: Float32Array.of(
    -2.7326, -2.069, -1.6181, -1.2562, -0.9424, -0.6568, -0.3881, -0.1284,
    0.1284, 0.3881, 0.6568, 0.9424, 1.2562, 1.6181, 2.069, 2.7326,
  ),
};

/**
 * What ranking turbo codes takes besides the rows (TurboQuantizedStorage's layout and fit): `dim` floats rotated in
 * P = a power of two, M codes of `bits` per row (`rowBytes` bytes), the per-coordinate calibration (shift, scale).
 */
export interface TurboCoding {
  dim: number;
  distance: Distance;
  bits: 1 | 2 | 4;
  p: number;
  m: number;
  rowBytes: number;
  shift: Float32Array;
  scale: Float32Array;
}

/**
 * One ranker's query state over turbo codes: the rotations (re-derived from their seeds, so every thread has the
 * same), the rotated vector `z` and the query's table of `rowBytes x 256` partial dot products. The storage ranks
 * with one, a search thread with its own (executor/shared-codes.ts): the same arithmetic in the same order, so both
 * rank every row alike.
 */
export class TurboQuery {
  readonly rotation: RandomRotation;
  /** bits1_5: the second rotation whose first P / 2 coordinates follow the first rotation's P. */
  private readonly extra: RandomRotation | undefined;
  private readonly extraScratch: Float32Array;
  /** The rotated vector (`rotate`'s output); M values. */
  readonly z: Float32Array;
  readonly table: Float32Array;
  /** The loaded query's per-coordinate weights z_i / (M scale_i). */
  private readonly weights: Float32Array;
  /** |q| and the calibration's constant term of the loaded query. */
  qNorm = 0;
  qConst = 0;

  constructor(private readonly c: Pick<TurboCoding, 'p' | 'm' | 'rowBytes'>) {
    this.rotation = new RandomRotation(c.p, TURBO_SEED);
    this.extra = c.m > c.p ? new RandomRotation(c.p, TURBO_SEED + 1) : undefined;
    this.extraScratch = new Float32Array(c.m > c.p ? c.p : 0);
    this.z = new Float32Array(c.m);
    this.table = new Float32Array(c.rowBytes * 256);
    this.weights = new Float32Array(c.m);
  }

  /**
   * Rotates `dim` values at `src[off ..]` into `z` as z = sqrt(P) R(x / |x|) (bits1_5: then the first P / 2
   * coordinates of the second rotation at P ..); returns |x|.
   */
  rotate(src: Float32Array, off: number, dim: number): number {
    const p = this.c.p;
    const z = this.z;
    let n2 = 0;
    for (let i = 0; i < dim; i++) n2 += src[off + i]! * src[off + i]!;
    const norm = Math.sqrt(n2);
    const inv = norm > 0 ? Math.sqrt(p) / norm : 0;
    for (let i = 0; i < dim; i++) z[i] = src[off + i]! * inv;
    z.fill(0, dim, p);
    if (this.extra !== undefined) {
      const e = this.extraScratch;
      for (let i = 0; i < p; i++) e[i] = z[i]!;
      this.extra.apply(e);
      for (let i = 0; i < p / 2; i++) z[p + i] = e[i]!;
    }
    this.rotation.apply(z);
    return norm;
  }

  /** Rotates the query and folds it with the calibration into the per-byte table (TurboQuantizedStorage's comment). */
  load(coding: TurboCoding, query: Float32Array): void {
    this.qNorm = this.rotate(query, 0, coding.dim);
    const z = this.z;
    const { m, bits, rowBytes, shift, scale } = coding;
    const perByte = 8 / bits;
    const mask = (1 << bits) - 1;
    const levels = TURBO_LEVELS[bits];
    const t = this.table;
    const w = this.weights;
    let c0 = 0;
    for (let i = 0; i < m; i++) {
      c0 += z[i]! * shift[i]!;
      w[i] = z[i]! / (m * scale[i]!);
    }
    this.qConst = c0 / m;
    for (let j = 0; j < rowBytes; j++) {
      for (let b = 0; b < 256; b++) {
        let s = 0;
        for (let k = 0; k < perByte; k++) s += w[j * perByte + k]! * levels[(b >> (k * bits)) & mask]!;
        t[(j << 8) + b] = s;
      }
    }
  }
}

/**
 * Ranks of the loaded query (`q`) against rows (`nb` code bytes each) `ids[0 .. count)` (or `from .. from + count` without ids) into
 * `out`, for Euclid, Dot and Cosine: <q, x> ~ |q| rho|x| (table sum - constant), Euclid |q|^2 + |x|^2 - 2 <q, x>,
 * else -<q, x>. A row past `factor` ranks 0; returns true when one did (a search thread's arrays ended before it:
 * they grew since it was handed them).
 */
export function turboRanks(
  distance: Distance,
  q: TurboQuery,
  codes: Uint8Array,
  factor: Float32Array,
  norm2: Float32Array,
  nb: number,
  ids: Uint32Array | undefined,
  from: number,
  count: number,
  out: Float32Array,
): boolean {
  const t = q.table;
  const qn = q.qNorm;
  const c0 = q.qConst;
  const rowsHeld = factor.length;
  let past = false;
  for (let r = 0; r < count; r++) {
    const id = ids === undefined ? from + r : ids[r]!;
    if (id >= rowsHeld) {
      out[r] = 0;
      past = true;
      continue;
    }
    const dot = qn * factor[id]! * (tableSum(t, codes, id * nb, nb) - c0);
    out[r] = distance === 'Euclid' ? qn * qn + norm2[id]! - 2 * dot : -dot;
  }
  return past;
}
