import { seededRandom } from '../query/advanced/sample-random.js';

/** Rounds of sign flips + Walsh-Hadamard transform: three mix a vector's mass over every coordinate well. */
const ROUNDS = 3;

/**
 * A seeded random orthogonal rotation of R^n, n a power of two: ROUNDS times (flip signs by a seeded +-1 pattern,
 * then the normalized fast Walsh-Hadamard transform). O(n log n) a vector, no matrix; `invert` undoes it exactly
 * (each step is its own inverse up to order). The same seed gives the same rotation on every platform.
 */
export class RandomRotation {
  private readonly signs: Float32Array;
  private readonly norm: number;

  constructor(
    readonly n: number,
    readonly seed: number,
  ) {
    const random = seededRandom(seed);
    this.signs = new Float32Array(ROUNDS * n);
    for (let i = 0; i < this.signs.length; i++) this.signs[i] = random() < 0.5 ? -1 : 1;
    this.norm = 1 / Math.sqrt(n);
  }

  /** Rotates `a` (length n) in place. */
  apply(a: Float32Array): void {
    const n = this.n;
    for (let r = 0; r < ROUNDS; r++) {
      const s = r * n;
      for (let i = 0; i < n; i++) a[i] *= this.signs[s + i]!;
      fwht(a, n, this.norm);
    }
  }

  /** The inverse rotation of `a`, in place. */
  invert(a: Float32Array): void {
    const n = this.n;
    for (let r = ROUNDS - 1; r >= 0; r--) {
      fwht(a, n, this.norm);
      const s = r * n;
      for (let i = 0; i < n; i++) a[i] *= this.signs[s + i]!;
    }
  }
}

/** The Walsh-Hadamard transform of a[0 .. n), in place, times `scale` (1 / sqrt(n) makes it orthonormal). */
function fwht(a: Float32Array, n: number, scale: number): void {
  for (let h = 1; h < n; h *= 2) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const x = a[j]!;
        const y = a[j + h]!;
        a[j] = x + y;
        a[j + h] = x - y;
      }
    }
  }
  for (let i = 0; i < n; i++) a[i] *= scale;
}

/** The smallest power of two >= n (at least 8, so a row of 1-bit codes fills whole bytes). */
export function powerOfTwoAtLeast(n: number): number {
  let p = 8;
  while (p < n) p *= 2;
  return p;
}
