import type { Kernel } from '../../distance/distance.js';
import { errors } from '../../client/errors.js';
import { contextScore, discoverScore } from './discover.js';
import { bestScore, sumScores } from './recommend.js';
import { feedbackPairs, feedbackScore } from './relevance-feedback.js';

/**
 * Scores a stored vector against a query made of examples: `(arena, offset)` reads `dim` floats of the candidate
 * from a vector arena (the segment's storage, or any Float32Array). Higher is better for every kind.
 */
export type ExampleScorer = (arena: Float32Array, offset: number) => number;

export type ExampleQuery =
  | { readonly kind: 'best_score' | 'sum_scores'; readonly positive: readonly ArrayLike<number>[]; readonly negative: readonly ArrayLike<number>[] }
  | { readonly kind: 'discover'; readonly target: ArrayLike<number>; readonly context: readonly ExamplePair[] }
  | { readonly kind: 'context'; readonly context: readonly ExamplePair[] }
  | {
      readonly kind: 'relevance_feedback';
      readonly target: ArrayLike<number>;
      readonly feedback: readonly { readonly example: ArrayLike<number>; readonly score: number }[];
      /** The `naive` strategy's trained coefficients. */
      readonly strategy: { readonly a: number; readonly b: number; readonly c: number };
    };

export interface ExamplePair {
  readonly positive: ArrayLike<number>;
  readonly negative: ArrayLike<number>;
}

/**
 * Builds the scorer of a recommend (best_score / sum_scores), discover, context or relevance_feedback (naive)
 * query over dense vectors.
 *
 * `similarity` must be the collection's RAW similarity (`rawSimilarity(distance)`), and the examples must already
 * be in stored form (Cosine ones normalised), like the arena. The examples are packed once into one Float32Array
 * and similarities go to one reused scratch buffer, so scoring a candidate allocates nothing: safe inside a graph
 * walk or a full scan. Not re-entrant: one scorer per concurrent search.
 */
export function createExampleScorer(query: ExampleQuery, dim: number, similarity: Kernel): ExampleScorer {
  const rows: ArrayLike<number>[] = [];
  let positives = 0;
  let negatives = 0;
  switch (query.kind) {
    case 'best_score':
    case 'sum_scores':
      rows.push(...query.positive, ...query.negative);
      positives = query.positive.length;
      negatives = query.negative.length;
      break;
    case 'discover':
      rows.push(query.target);
      for (const pair of query.context) rows.push(pair.positive, pair.negative);
      break;
    case 'context':
      for (const pair of query.context) rows.push(pair.positive, pair.negative);
      break;
    case 'relevance_feedback':
      // Only the paired examples matter; row 0 is the target, then [better, worse] per pair.
      rows.push(query.target);
      for (const pair of feedbackPairs(query.feedback.map((f) => f.score), query.strategy.b, query.strategy.c)) {
        rows.push(query.feedback[pair.positive]!.example, query.feedback[pair.negative]!.example);
      }
      break;
  }
  const examples = pack(rows, dim);
  const count = rows.length;
  const sims = new Float64Array(count);
  const fill = (arena: Float32Array, offset: number): void => {
    for (let e = 0; e < count; e++) sims[e] = similarity(examples, e * dim, arena, offset, dim);
  };
  switch (query.kind) {
    case 'best_score':
      return (arena, offset) => {
        fill(arena, offset);
        return bestScore(sims, positives, negatives);
      };
    case 'sum_scores':
      return (arena, offset) => {
        fill(arena, offset);
        return sumScores(sims, positives, negatives);
      };
    case 'discover': {
      // The target sits at row 0, so the pair similarities start at sims[1].
      const pairSims = sims.subarray(1);
      const pairs = query.context.length;
      return (arena, offset) => {
        fill(arena, offset);
        return discoverScore(sims[0]!, pairSims, pairs);
      };
    }
    case 'context': {
      const pairs = query.context.length;
      return (arena, offset) => {
        fill(arena, offset);
        return contextScore(sims, pairs);
      };
    }
    case 'relevance_feedback': {
      const pairs = feedbackPairs(query.feedback.map((f) => f.score), query.strategy.b, query.strategy.c);
      const pairSims = sims.subarray(1);
      const a = query.strategy.a;
      return (arena, offset) => {
        fill(arena, offset);
        return feedbackScore(a, sims[0]!, pairs, pairSims);
      };
    }
  }
}

function pack(rows: readonly ArrayLike<number>[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, r) => {
    if (row.length !== dim) throw errors.wrongDimension(dim, row.length);
    out.set(row, r * dim);
  });
  return out;
}
