import type { PointId } from '../../client/sextant-client.js';
import { byScoreDescThenId, f32, type Scored } from './scored.js';

/**
 * Distribution-based score fusion, as Qdrant computes it: each list is normalised on its own to
 * `(score - (mean - 3σ)) / 6σ` (σ the sample standard deviation, so most scores land in [0, 1]), then a point's
 * fused score is the sum of its normalised scores over the lists it appears in. A list of one point normalises to
 * 0.5, and so does a list whose scores are all equal (σ = 0). Unlike RRF, the input scores matter and the order of
 * each list does not.
 *
 * Output: the first occurrence of each point with its fused score, best first, ties by id. Mean and variance use
 * Welford's one-pass method like Qdrant, but in f64 with one rounding to f32 at the end: Qdrant's all-f32 sums
 * depend on the order of the list, ours agree with them to the last bit or two and do not.
 *
 * Trap: Distance-ordered lists (Euclid, Manhattan, lower is better) are fused as if higher were better, exactly as
 * Qdrant does; users who fuse such prefetches get what Qdrant gives them.
 */
export function dbsf<K extends PointId | number, T extends Scored<K>>(lists: readonly (readonly T[])[]): T[] {
  const fused = new Map<K, { point: T; score: number }>();
  const normalised: number[] = [];
  for (const list of lists) {
    distributionNormalize(list, normalised);
    for (let i = 0; i < list.length; i++) {
      const point = list[i]!;
      const seen = fused.get(point.id);
      if (seen) seen.score += normalised[i]!;
      else fused.set(point.id, { point, score: normalised[i]! });
    }
  }
  const out: T[] = [];
  for (const { point, score } of fused.values()) out.push({ ...point, score: f32(score) });
  return out.sort(byScoreDescThenId);
}

/**
 * Writes each score of `list` normalised by mean ± 3σ into `out[0 .. list.length)` (reused across lists so the
 * fusion allocates one scratch array, not one per list) and returns `out`.
 */
export function distributionNormalize(list: readonly Scored<unknown>[], out: number[] = []): number[] {
  const n = list.length;
  out.length = n;
  if (n === 0) return out;
  if (n === 1) {
    out[0] = 0.5;
    return out;
  }
  // Welford's method: stable in one pass, as in Qdrant.
  let mean = 0;
  let aggregate = 0;
  for (let i = 0; i < n; i++) {
    const score = list[i]!.score;
    const oldDelta = score - mean;
    mean += oldDelta / (i + 1);
    aggregate += oldDelta * (score - mean);
  }
  const std = Math.sqrt(aggregate / (n - 1));
  const min = mean - 3 * std;
  const max = mean + 3 * std;
  // Qdrant compares the f32 extremes: a spread below f32 resolution is "all equal" there, so it is here.
  if (f32(min) === f32(max)) {
    out.fill(0.5);
    return out;
  }
  const range = max - min;
  for (let i = 0; i < n; i++) out[i] = (list[i]!.score - min) / range;
  return out;
}
