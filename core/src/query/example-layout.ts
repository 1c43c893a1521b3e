import type { VectorValue } from '../collection/operations.js';
import { contextScore, discoverScore } from './advanced/discover.js';
import { bestScore, sumScores } from './advanced/recommend.js';
import { feedbackPairs, feedbackScore } from './advanced/relevance-feedback.js';
import type { ScoringQuery } from './scoring-query.js';

export type ExampleQuery = Extract<ScoringQuery, { kind: 'best_score' | 'sum_scores' | 'discover' | 'context' | 'relevance_feedback' }>;

/**
 * An example query flattened into rows (the example vectors, each compared with a candidate) and the formula that
 * turns the candidate's RAW similarities to those rows (`sims[i]` for row `i`) into its score. Row layout, as the
 * advanced blocks expect it: recommend `[positives..., negatives...]`; discover `[target, p0, n0, p1, n1, ...]`;
 * context `[p0, n0, ...]`; relevance feedback `[target, better0, worse0, ...]` for the pairs it uses.
 */
export interface ExampleLayout {
  rows: VectorValue[];
  combine: (sims: Float64Array) => number;
}

export function exampleLayout(q: ExampleQuery): ExampleLayout {
  switch (q.kind) {
    case 'best_score':
    case 'sum_scores': {
      const p = q.positive.length;
      const n = q.negative.length;
      const f = q.kind === 'best_score' ? bestScore : sumScores;
      return { rows: [...q.positive, ...q.negative], combine: (sims) => f(sims, p, n) };
    }
    case 'discover': {
      const pairs = q.context.length;
      return {
        rows: [q.target, ...q.context.flatMap((c) => [c.positive, c.negative])],
        combine: (sims) => discoverScore(sims[0]!, sims.subarray(1), pairs),
      };
    }
    case 'context': {
      const pairs = q.context.length;
      return { rows: q.context.flatMap((c) => [c.positive, c.negative]), combine: (sims) => contextScore(sims, pairs) };
    }
    case 'relevance_feedback': {
      const { a, b, c } = q.strategy;
      const pairs = feedbackPairs(q.feedback.map((f) => f.score), b, c);
      return {
        rows: [q.target, ...pairs.flatMap((p) => [q.feedback[p.positive]!.example, q.feedback[p.negative]!.example])],
        combine: (sims) => feedbackScore(a, sims[0]!, pairs, sims.subarray(1)),
      };
    }
  }
}
