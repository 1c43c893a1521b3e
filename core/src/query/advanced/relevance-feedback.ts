import { f32 } from './scored.js';

/**
 * Qdrant v1.19's `relevance_feedback` query with the `naive` strategy: a target vector plus examples the user
 * (or a bigger model) scored. The examples are paired best-with-worst and each pair pulls the ranking towards its
 * better member: `score = a·sim(target) + Σ (Δfeedback)^b · c · (sim(better) − sim(worse))`, with raw similarities.
 */

/** At most this many (best, worst) pairs are used, as in Qdrant. */
export const MAX_FEEDBACK_PAIRS = 3;

export interface FeedbackPair {
  /** Index into the caller's feedback list of the better-scored example. */
  readonly positive: number;
  /** Index of the worse-scored example. */
  readonly negative: number;
  /** `(positiveScore − negativeScore)^b · c`, precomputed once per query. */
  readonly weight: number;
}

/**
 * Pairs feedback examples as Qdrant does: sort by feedback score descending (stable), then pair the first with the
 * last, the second with the second-to-last, ... up to `MAX_FEEDBACK_PAIRS` pairs; fewer than 2 examples give none.
 */
export function feedbackPairs(scores: readonly number[], b: number, c: number): FeedbackPair[] {
  if (scores.length < 2) return [];
  const order = scores.map((_, i) => i).sort((x, y) => f32(scores[y]!) - f32(scores[x]!));
  const pairs: FeedbackPair[] = [];
  const max = Math.min(MAX_FEEDBACK_PAIRS, Math.floor(scores.length / 2));
  for (let front = 0, back = order.length - 1; front < back && pairs.length < max; front++, back--) {
    const confidence = f32(f32(scores[order[front]!]!) - f32(scores[order[back]!]!));
    pairs.push({ positive: order[front]!, negative: order[back]!, weight: f32(f32(Math.pow(confidence, f32(b))) * f32(c)) });
  }
  return pairs;
}

/**
 * The naive feedback score. `pairSims` holds per pair `[sim(positive), sim(negative)]` (pair `i` at `2i`, `2i+1`),
 * in the order of `pairs`.
 */
export function feedbackScore(a: number, targetSim: number, pairs: readonly FeedbackPair[], pairSims: ArrayLike<number>): number {
  let score = f32(a) * targetSim;
  for (let i = 0; i < pairs.length; i++) score += pairs[i]!.weight * (pairSims[2 * i]! - pairSims[2 * i + 1]!);
  return score;
}
