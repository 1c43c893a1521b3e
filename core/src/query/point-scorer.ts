import { errors } from '../client/errors.js';
import type { LocalSegment, VectorSlot } from '../collection/local-segment.js';
import type { SparseValue, VectorValue } from '../collection/operations.js';
import { higherIsBetter } from '../distance/distance.js';
import { sparseDot, sparseOverlaps } from '../segment/sparse-vector-storage.js';
import { createExampleScorer } from './advanced/example-scorer.js';
import { exampleLayout } from './example-layout.js';
import { rawSimilarity } from './advanced/raw-similarity.js';
import type { ScoringQuery } from './scoring-query.js';
import type { SparseIdf } from './sparse-idf.js';

/**
 * Scores single points of the segment against a vector query: what rescoring a prefetch's candidates and the
 * exact scans of recommend / discover / context need. `higher` says which way the scores sort; points without the
 * `using` vector (`has` false) are never scored.
 *
 * Scores are Qdrant's: a nearest query reports the collection's score (similarity, or distance for Euclid and
 * Manhattan); best_score, sum_scores, discover and context report their own "higher is better" numbers computed
 * from RAW similarities (see rawSimilarity).
 */
export interface PointScorer {
  has(id: number): boolean;
  score(id: number): number;
  higher: boolean;
}

export type VectorQuery = Extract<ScoringQuery, { using: string }>;

export function slotOf(segment: LocalSegment, using: string): VectorSlot {
  const slot = segment.slots.get(using);
  if (slot === undefined) throw errors.vectorNameNotFound(using);
  return slot;
}

export function pointScorer(segment: LocalSegment, q: VectorQuery, idf?: SparseIdf): PointScorer {
  const slot = slotOf(segment, q.using);
  if (q.kind === 'nearest') return nearestScorer(slot, q.vector, idf);
  if (slot.kind === 'dense') {
    // Dense examples go through the packed, allocation-free scorer of the advanced blocks.
    const storage = slot.storage;
    // The float view's form (Cosine: unit length), which `data` / `offset` hold the vectors in, whatever the datatype.
    const prep = (v: VectorValue) => storage.prepareFloatQuery(v as number[]);
    const scorer = createExampleScorer(
      q.kind === 'relevance_feedback'
        ? { kind: 'relevance_feedback', target: prep(q.target), feedback: q.feedback.map((f) => ({ example: prep(f.example), score: f.score })), strategy: q.strategy }
        : q.kind === 'discover'
        ? { kind: 'discover', target: prep(q.target), context: q.context.map((p) => ({ positive: prep(p.positive), negative: prep(p.negative) })) }
        : q.kind === 'context'
          ? { kind: 'context', context: q.context.map((p) => ({ positive: prep(p.positive), negative: prep(p.negative) })) }
          : { kind: q.kind, positive: q.positive.map(prep), negative: q.negative.map(prep) },
      storage.dim,
      rawSimilarity(slot.spec.distance),
    );
    return { has: (id) => storage.has(id), score: (id) => scorer(storage.data, storage.offset(id)), higher: true };
  }
  // Sparse and multivectors: raw similarity per example, combined by the same formulas.
  const layout = exampleLayout(q);
  const sims = new Float64Array(layout.rows.length);
  const similarity = rawPointSimilarity(slot, layout.rows);
  return {
    has: (id) => slot.storage.has(id),
    score: (id) => {
      for (let e = 0; e < sims.length; e++) sims[e] = similarity(e, id);
      return layout.combine(sims);
    },
    higher: true,
  };
}

function nearestScorer(slot: VectorSlot, vector: VectorValue, idf: SparseIdf | undefined): PointScorer {
  if (slot.kind === 'dense') {
    const storage = slot.storage;
    const query = storage.prepareQuery(vector as number[]);
    return { has: (id) => storage.has(id), score: (id) => storage.score(query, id), higher: higherIsBetter(slot.spec.distance) };
  }
  if (slot.kind === 'multi') {
    const storage = slot.storage;
    const query = storage.prepareQuery(vector as number[][]);
    return { has: (id) => storage.has(id), score: (id) => storage.score(query, id), higher: higherIsBetter(slot.spec.distance) };
  }
  const storage = slot.storage;
  const query = idf ? idf.weigh(storage.prepareQuery(vector as SparseValue)) : storage.prepareQuery(vector as SparseValue);
  // Like the inverted index, a sparse query only finds points that share a dimension with it.
  return { has: (id) => storage.has(id) && sparseOverlaps(query, storage.getSorted(id)!), score: (id) => storage.score(query, id), higher: true };
}

/** `(example, id) => raw similarity` for sparse (dot) and multivector (max_sim, negated for distances) slots. */
function rawPointSimilarity(slot: VectorSlot, examples: VectorValue[]): (e: number, id: number) => number {
  if (slot.kind === 'sparse') {
    const prepared = examples.map((v) => slot.storage.prepareQuery(v as SparseValue));
    return (e, id) => sparseDot(prepared[e]!, slot.storage.getSorted(id)!);
  }
  if (slot.kind === 'multi') {
    const prepared = examples.map((v) => slot.storage.prepareQuery(v as number[][]));
    const sign = higherIsBetter(slot.spec.distance) ? 1 : -1;
    return (e, id) => sign * slot.storage.score(prepared[e]!, id);
  }
  throw new Error('dense slots use createExampleScorer');
}
