import { higherIsBetter } from '../distance/distance.js';
import type { SparseValue } from '../collection/operations.js';
import { sparseDot } from '../segment/sparse-vector-storage.js';
import { mmrSelect, mmrSelectDense } from './advanced/mmr.js';
import { rawSimilarity } from './advanced/raw-similarity.js';
import { slotOf, type VectorQuery } from './point-scorer.js';
import type { QueryContext } from './query-context.js';
import type { Hit } from './run-plan.js';
import { sparseIdf } from './sparse-idf.js';

/**
 * `nearest` with `mmr`: re-ranks the nearest candidates (best first, as the plain search found them) by maximal
 * marginal relevance and returns `limit` of them in selection order WITH their original scores, as Qdrant does.
 * Similarities are the raw ones of the vector's distance; candidates without the vector are dropped.
 */
export function mmrRescore(ctx: QueryContext, q: Extract<VectorQuery, { kind: 'nearest' }>, candidates: Hit[], limit: number): Hit[] {
  const slot = slotOf(ctx.segment, q.using);
  const mmr = q.mmr!;
  const kept = candidates.filter((h) => slot.storage.has(h.id));
  if (kept.length < 2) return kept.slice(0, limit);
  let picks: Int32Array;
  if (slot.kind === 'dense') {
    const storage = slot.storage;
    // The candidates' float-view rows copied side by side: a compact datatype decodes one row at a time.
    const dim = storage.dim;
    const query = storage.prepareFloatQuery(q.vector as number[]);
    const rows = new Float32Array(kept.length * dim);
    kept.forEach((h, i) => {
      const off = storage.offset(h.id);
      rows.set(storage.data.subarray(off, off + dim), i * dim);
    });
    const offsets = Float64Array.from(kept, (_, i) => i * dim);
    picks = mmrSelectDense(query, rows, offsets, dim, rawSimilarity(slot.spec.distance), mmr.lambda, limit);
  } else if (slot.kind === 'sparse') {
    const storage = slot.storage;
    const idf = sparseIdf(slot);
    const prepared = storage.prepareQuery(q.vector as SparseValue);
    const query = idf ? idf.weigh(prepared) : prepared;
    const vectors = kept.map((h) => storage.getSorted(h.id)!);
    const relevance = Float64Array.from(vectors, (v) => sparseDot(query, v));
    picks = mmrSelect(relevance, (i, j) => sparseDot(vectors[i]!, vectors[j]!), mmr.lambda, limit);
  } else {
    // Multivectors: max_sim between point and query, and between two points (a stored multivector serves as a
    // prepared query: its rows are already normalised); distances are negated into similarities.
    const storage = slot.storage;
    const sign = higherIsBetter(slot.spec.distance) ? 1 : -1;
    const query = storage.prepareQuery(q.vector as number[][]);
    const relevance = Float64Array.from(kept, (h) => sign * storage.score(query, h.id));
    picks = mmrSelect(relevance, (i, j) => sign * storage.score(storage.get(kept[i]!.id)!, kept[j]!.id), mmr.lambda, limit);
  }
  return Array.from(picks, (i) => kept[i]!);
}
