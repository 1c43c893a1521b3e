import { fastSigmoid, scaledFastSigmoid } from './recommend.js';

/**
 * Qdrant's discovery and context scoring. `sims` holds RAW similarities (higher is closer, see `rawSimilarity`)
 * laid out per context pair as `[positive, negative]`: pair `i` is at `sims[2i]` and `sims[2i + 1]`.
 */

/** f32::EPSILON, the margin context search requires a point to be strictly nearer the positive by. */
const CONTEXT_MARGIN = 1.1920929e-7;

/**
 * Discover: `rank + scaledFastSigmoid(targetSim)`, where `rank` sums, over the pairs, +1 when the candidate is
 * nearer the pair's positive, -1 when nearer its negative and 0 on an exact tie. The integer part orders by how
 * many pairs the point sits on the right side of; the fraction in (0, 1) orders by closeness to the target.
 */
export function discoverScore(targetSim: number, sims: ArrayLike<number>, pairs: number): number {
  let rank = 0;
  for (let i = 0; i < pairs; i++) {
    const p = sims[2 * i]!;
    const n = sims[2 * i + 1]!;
    rank += p > n ? 1 : p < n ? -1 : 0;
  }
  return rank + scaledFastSigmoid(targetSim);
}

/**
 * Context (no target): sum over the pairs of `fastSigmoid(min(pos - neg - ε, 0))`. Each pair adds a loss in
 * (-1, 0], 0 once the point is (strictly) nearer the positive, so the best zone scores 0 for every point in it
 * and scores approach it smoothly from outside, which is what lets the graph walk find the zone.
 */
export function contextScore(sims: ArrayLike<number>, pairs: number): number {
  let score = 0;
  for (let i = 0; i < pairs; i++) {
    const difference = sims[2 * i]! - sims[2 * i + 1]! - CONTEXT_MARGIN;
    score += fastSigmoid(Math.min(difference, 0));
  }
  return score;
}
