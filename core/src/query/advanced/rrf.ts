import type { PointId } from '../../client/sextant-client.js';
import { errors } from '../../client/errors.js';
import { byScoreDescThenId, f32, type Scored } from './scored.js';

/** Qdrant's default `k` for `{"fusion": "rrf"}` and for `{"rrf": {}}` without `k` (v1.19: 2, not the paper's 60). */
export const DEFAULT_RRF_K = 2;

export interface RrfParams {
  /** Qdrant validates `k >= 1` at the boundary; default `DEFAULT_RRF_K`. */
  readonly k?: number;
  /** One weight per input list (per prefetch), in the same order; default all 1. */
  readonly weights?: readonly number[];
}

/**
 * Reciprocal rank fusion, as Qdrant v1.19 computes it: a point at 0-based position `p` of a list with weight `w`
 * earns `1 / ((p + 1) / w + k - 1)`, which is the textbook `1 / (k + p)` when `w = 1`. A weight stretches or
 * compresses positions: with weights 3:1, position 2 of the first list counts like position 0 of the second.
 * A weight `<= 0` makes its list contribute nothing (its points still appear, with what the others give them).
 *
 * Only positions matter: input scores are ignored. A point's fused score is the sum over the lists it appears in
 * (twice in one list counts twice, as in Qdrant). The output point is the first occurrence (earliest list) with
 * its score replaced; order is best first, ties by id (see `byScoreDescThenId`). Each term is computed in f32 like
 * Qdrant's; the sum is taken in f64 and rounded to f32 once, so the result does not depend on the order of the
 * lists (Qdrant's f32 running sum may differ from ours in the last bit). `[[2, 1], [1, 2, 3], [5, 3, 1]]` fuses
 * to exactly Qdrant's 1.0833334, 0.8333334, 0.5833334, 0.5.
 *
 * Throws Qdrant's 400 when `weights` does not have one entry per list.
 */
export function rrf<K extends PointId | number, T extends Scored<K>>(
  lists: readonly (readonly T[])[],
  params: RrfParams = {},
): T[] {
  const k = params.k ?? DEFAULT_RRF_K;
  const weights = params.weights;
  if (weights && weights.length !== lists.length) {
    throw errors.wrongInput(
      `Validation failed: Number of weights in RRF should match number of pre-fetches: got ${weights.length}, expected ${lists.length}`,
    );
  }
  const fused = new Map<K, { point: T; score: number }>();
  for (let l = 0; l < lists.length; l++) {
    const list = lists[l]!;
    const weight = weights ? weights[l]! : 1;
    for (let pos = 0; pos < list.length; pos++) {
      const point = list[pos]!;
      const add = positionScore(pos, k, weight);
      const seen = fused.get(point.id);
      if (seen) seen.score += add;
      else fused.set(point.id, { point, score: add });
    }
  }
  const out: T[] = [];
  for (const { point, score } of fused.values()) out.push({ ...point, score: f32(score) });
  return out.sort(byScoreDescThenId);
}

/** One list's contribution for 0-based `position`, in f32 steps exactly as Qdrant evaluates it. */
export function positionScore(position: number, k: number, weight = 1): number {
  if (!(weight > 0)) return 0;
  return f32(1 / f32(f32(f32(position + 1) / f32(weight) + k) - 1));
}
