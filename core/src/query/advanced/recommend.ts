import { SextantError, errors } from '../../client/errors.js';

/**
 * Qdrant's recommendation maths. Similarities are RAW ones (see `rawSimilarity`): higher is closer for every
 * distance. Scores produced here are "higher is better" whatever the collection's distance, so recommend results
 * with best_score / sum_scores sort descending even on Euclid collections, as in Qdrant.
 */

/** `x / (1 + |x|)`: a sigmoid-shaped map of the reals onto (-1, 1) without an exponential. */
export function fastSigmoid(x: number): number {
  return x / (1 + Math.abs(x));
}

/** `fastSigmoid` moved onto (0, 1). */
export function scaledFastSigmoid(x: number): number {
  return 0.5 * (fastSigmoid(x) + 1);
}

/**
 * `best_score`: `sims[0 .. positives)` are the candidate's similarities to the positive examples and
 * `sims[positives .. positives + negatives)` to the negative ones. If the best positive beats the best negative
 * the score is `scaledFastSigmoid(bestPositive)` in (0, 1); otherwise `-scaledFastSigmoid(bestNegative)` in
 * (-1, 0), so any point nearer a positive ranks above every point nearer a negative. Ties go to the negative.
 */
export function bestScore(sims: ArrayLike<number>, positives: number, negatives: number): number {
  let maxPositive = -Infinity;
  for (let i = 0; i < positives; i++) if (sims[i]! > maxPositive) maxPositive = sims[i]!;
  let maxNegative = -Infinity;
  for (let i = positives, end = positives + negatives; i < end; i++) if (sims[i]! > maxNegative) maxNegative = sims[i]!;
  return maxPositive > maxNegative ? scaledFastSigmoid(maxPositive) : -scaledFastSigmoid(maxNegative);
}

/** `sum_scores`: sum of similarities to the positives minus the sum to the negatives (same `sims` layout). */
export function sumScores(sims: ArrayLike<number>, positives: number, negatives: number): number {
  let positive = 0;
  for (let i = 0; i < positives; i++) positive += sims[i]!;
  let negative = 0;
  for (let i = positives, end = positives + negatives; i < end; i++) negative += sims[i]!;
  return positive - negative;
}

/**
 * The query vector of the `average_vector` strategy: `avg(positives)` when there are no negatives, else
 * `avg(pos) + avg(pos) - avg(neg)` element-wise. The result is then searched like a plain `nearest` query (so its
 * scores are the collection's usual ones, and Cosine normalises it like any query vector).
 *
 * Throws Qdrant's 400s: no positives, or examples of different dimensions.
 */
export function averageVector(positives: readonly ArrayLike<number>[], negatives: readonly ArrayLike<number>[] = []): Float32Array {
  if (positives.length === 0) throw emptyPositives();
  const dim = positives[0]!.length;
  const pos = mean(positives, dim);
  if (negatives.length === 0) return pos;
  const neg = mean(negatives, dim);
  for (let i = 0; i < dim; i++) pos[i] = pos[i]! + pos[i]! - neg[i]!;
  return pos;
}

/** A sparse vector as Qdrant's API carries it: parallel `indices` and `values`. */
export interface SparseVectorInput {
  readonly indices: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/**
 * `average_vector` for sparse vectors: averages over the union of indices (a missing index counts as 0), then
 * `2 * avg(pos) - avg(neg)` on the union of both. Output indices are ascending, Qdrant's canonical order.
 */
export function averageSparseVector(
  positives: readonly SparseVectorInput[],
  negatives: readonly SparseVectorInput[] = [],
): { indices: number[]; values: number[] } {
  if (positives.length === 0) throw emptyPositives();
  const acc = new Map<number, number>();
  addSparse(acc, positives, (negatives.length > 0 ? 2 : 1) / positives.length);
  if (negatives.length > 0) addSparse(acc, negatives, -1 / negatives.length);
  const indices = [...acc.keys()].sort((a, b) => a - b);
  return { indices, values: indices.map((i) => acc.get(i)!) };
}

/**
 * `average_vector` for multivectors, as Qdrant does it: no averaging at all; the positives' sub-vectors are
 * concatenated, followed by every negative sub-vector negated. Each input is one multivector (its rows).
 */
export function averageMultiVector(
  positives: readonly (readonly ArrayLike<number>[])[],
  negatives: readonly (readonly ArrayLike<number>[])[] = [],
): number[][] {
  if (positives.length === 0) throw emptyPositives();
  const dim = positives[0]![0]?.length ?? 0;
  const out: number[][] = [];
  for (const multi of positives) for (const row of multi) out.push(checkedRow(row, dim, 1));
  for (const multi of negatives) for (const row of multi) out.push(checkedRow(row, dim, -1));
  return out;
}

function checkedRow(row: ArrayLike<number>, dim: number, sign: number): number[] {
  if (row.length !== dim) throw errors.wrongDimension(dim, row.length);
  return Array.from(row, (x) => sign * x);
}

function addSparse(acc: Map<number, number>, vectors: readonly SparseVectorInput[], factor: number): void {
  for (const v of vectors) {
    for (let i = 0; i < v.indices.length; i++) {
      const k = v.indices[i]!;
      acc.set(k, (acc.get(k) ?? 0) + factor * v.values[i]!);
    }
  }
}

function mean(vectors: readonly ArrayLike<number>[], dim: number): Float32Array {
  // Accumulate in f64 and round once: the average of a few examples is then the exact f32 of the true mean.
  const sum = new Float64Array(dim);
  for (const v of vectors) {
    if (v.length !== dim) throw errors.wrongDimension(dim, v.length);
    for (let i = 0; i < dim; i++) sum[i] = sum[i]! + v[i]!;
  }
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = sum[i]! / vectors.length;
  return out;
}

function emptyPositives(): SextantError {
  return errors.wrongInput('Validation failed: Positive vectors should not be empty with `average` strategy');
}
