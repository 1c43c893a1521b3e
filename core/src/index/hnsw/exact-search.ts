import type { DenseVectorStorage } from '../../segment/dense-vector-storage.js';
import { rankToScore } from '../../distance/distance.js';
import type { ScoredIds } from './hnsw-index.js';
import { TypedHeap } from './typed-heap.js';

/**
 * Brute-force top-k over the live vectors of `vectors` (or only over `candidates`, e.g. a filter's matches from
 * a payload index), best first with Qdrant scores. Ids without a live vector are skipped. Used when a filter is
 * selective enough that scoring its matches beats walking the graph, and as the oracle in tests.
 *
 * Ties keep the lower id first, so results are deterministic.
 */
export function exactSearch(
  vectors: DenseVectorStorage,
  query: Float32Array,
  k: number,
  accept?: (id: number) => boolean,
  candidates?: ArrayLike<number>,
): ScoredIds {
  if (k <= 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
  // Max-heap (negated keys) of the k best; the top is the worst kept.
  const heap = new TypedHeap(Math.min(k, 1024) + 1);
  const consider = (id: number): void => {
    if (!vectors.has(id)) return;
    if (accept !== undefined && !accept(id)) return;
    const d = vectors.rank(query, id);
    if (heap.size < k) heap.push(-d, id);
    else if (d < -heap.topKey() || (d === -heap.topKey() && id < heap.topId())) heap.replaceTop(-d, id);
  };
  if (candidates !== undefined) {
    for (let i = 0; i < candidates.length; i++) consider(candidates[i]!);
  } else {
    const limit = vectors.idLimit;
    for (let id = 0; id < limit; id++) consider(id);
  }
  const n = heap.size;
  const ids = new Uint32Array(n);
  const ranks = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    ids[i] = heap.topId();
    ranks[i] = -heap.topKey();
    heap.pop();
  }
  // The heap breaks ties arbitrarily; order equal distances by id.
  for (let i = 1; i < n; i++) {
    const id = ids[i]!;
    const r = ranks[i]!;
    let j = i - 1;
    while (j >= 0 && ranks[j] === r && ids[j]! > id) {
      ids[j + 1] = ids[j]!;
      j--;
    }
    ids[j + 1] = id;
  }
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) scores[i] = rankToScore(vectors.distance, ranks[i]!);
  return { ids, scores };
}
