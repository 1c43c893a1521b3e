/**
 * Distance kernels. Every kernel reads `dim` floats of `a` from `aOff` and of `b` from `bOff` and allocates
 * nothing: vectors live in one arena (see DenseVectorStorage), so callers pass the arena plus an offset instead of
 * a subarray view, which would allocate an object per comparison on the hot path.
 *
 * The loops are unrolled by four with independent accumulators: V8 does not vectorise, but breaking the
 * dependency chain on one accumulator lets the CPU overlap the multiply-adds (about 2x on 128 dimensions).
 */

/** Qdrant's distance names. */
export type Distance = 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan';

export const DISTANCES: readonly Distance[] = ['Cosine', 'Dot', 'Euclid', 'Manhattan'];

/** Whether a bigger Qdrant score is better: similarity for Cosine and Dot, a distance for Euclid and Manhattan. */
export function higherIsBetter(distance: Distance): boolean {
  return distance === 'Cosine' || distance === 'Dot';
}

export type Kernel = (a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number) => number;

export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end4 = dim & ~3;
  let i = 0;
  for (; i < end4; i += 4) {
    s0 += a[aOff + i]! * b[bOff + i]!;
    s1 += a[aOff + i + 1]! * b[bOff + i + 1]!;
    s2 += a[aOff + i + 2]! * b[bOff + i + 2]!;
    s3 += a[aOff + i + 3]! * b[bOff + i + 3]!;
  }
  for (; i < dim; i++) s0 += a[aOff + i]! * b[bOff + i]!;
  return s0 + s1 + s2 + s3;
}

/** Squared L2 distance: the order of L2 without the square root; take `Math.sqrt` only for reported scores. */
export function l2Squared(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end4 = dim & ~3;
  let i = 0;
  for (; i < end4; i += 4) {
    const d0 = a[aOff + i]! - b[bOff + i]!;
    const d1 = a[aOff + i + 1]! - b[bOff + i + 1]!;
    const d2 = a[aOff + i + 2]! - b[bOff + i + 2]!;
    const d3 = a[aOff + i + 3]! - b[bOff + i + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; i++) {
    const d = a[aOff + i]! - b[bOff + i]!;
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

export function l1(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end4 = dim & ~3;
  let i = 0;
  for (; i < end4; i += 4) {
    s0 += Math.abs(a[aOff + i]! - b[bOff + i]!);
    s1 += Math.abs(a[aOff + i + 1]! - b[bOff + i + 1]!);
    s2 += Math.abs(a[aOff + i + 2]! - b[bOff + i + 2]!);
    s3 += Math.abs(a[aOff + i + 3]! - b[bOff + i + 3]!);
  }
  for (; i < dim; i++) s0 += Math.abs(a[aOff + i]! - b[bOff + i]!);
  return s0 + s1 + s2 + s3;
}

/**
 * The "lower is closer" kernel an index orders by: -dot for Cosine (vectors are normalized on write) and Dot,
 * squared L2 for Euclid (monotone in L2, one sqrt saved per comparison), L1 for Manhattan.
 */
export function rankKernel(distance: Distance): Kernel {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return negDot;
    case 'Euclid':
      return l2Squared;
    case 'Manhattan':
      return l1;
  }
}

function negDot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  return -dot(a, aOff, b, bOff, dim);
}

/** Turns a `rankKernel` value into the score Qdrant reports. */
export function rankToScore(distance: Distance, rank: number): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return -rank;
    case 'Euclid':
      return Math.sqrt(rank);
    case 'Manhattan':
      return rank;
  }
}

/** Qdrant's score of two stored-form vectors (Cosine ones already normalized). */
export function scoreKernel(distance: Distance): Kernel {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return dot;
    case 'Euclid':
      return euclid;
    case 'Manhattan':
      return l1;
  }
}

function euclid(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  return Math.sqrt(l2Squared(a, aOff, b, bOff, dim));
}

/**
 * Scales `v[off .. off+dim)` to unit length in place. A zero vector stays zero (Qdrant does the same): its
 * cosine with anything is then 0 rather than NaN.
 */
export function normalizeInPlace(v: Float32Array, off: number, dim: number): void {
  const n2 = dot(v, off, v, off, dim);
  // As Qdrant does (`is_length_zero_or_normalized`): leave zero and already-unit vectors alone. Normalizing a unit
  // float32 vector again moves its last bits, so a vector copied between two databases would drift on each write.
  if (n2 < F32_EPSILON || Math.abs(n2 - 1) <= 1e-6) return;
  const inv = 1 / Math.sqrt(n2);
  for (let i = 0; i < dim; i++) v[off + i] = v[off + i]! * inv;
}

const F32_EPSILON = 1.1920929e-7;

/** Numeric code of a distance for binary formats; stable, append only. */
export function distanceCode(distance: Distance): number {
  return DISTANCES.indexOf(distance);
}

export function distanceFromCode(code: number): Distance {
  const d = DISTANCES[code];
  if (d === undefined) throw new Error(`unknown distance code ${code}`);
  return d;
}
