import type { BatchRanker } from './batch-ranker.js';
import { rankToScore } from '../../distance/distance.js';
import { BATCH_CAPACITY } from '../../distance/wasm-arena.js';
import type { ScoredIds } from './hnsw-index.js';
import { BestOfBatches } from './best-of-batches.js';
import type { TypedHeap } from './typed-heap.js';

/** Reused between scans (one scan at a time per thread: nothing here awaits). */
const selection = new BestOfBatches();

/**
 * Exact top-k over a list of ids, best first with Qdrant scores: the planner's scan of a filter's candidates.
 * The same answer as `exactSearch(vectors, query, k, accept, ids)` (ties keep the lower id), at less cost per id:
 * - the ids go to the ranker's batch a whole chunk at a time (one copy, no per-id call) when every id may be
 *   ranked (`checked`: the caller knows each has a vector and passes `accept`), else a tight compaction loop;
 * - the selection compares each rank with the worst kept in a local, so a rejected id (almost all of them once
 *   k are kept) costs one comparison; the heap is reused, so a scan allocates only its answer.
 * `ids` must be below the ranker's capacity; ids without a vector are skipped unless `checked`.
 */
export function scanIds(vectors: BatchRanker, query: Float32Array, k: number, ids: Uint32Array, checked: boolean, accept?: (id: number) => boolean): ScoredIds {
  if (k <= 0 || ids.length === 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
  const top = selection.start(k);
  const h = vectors.loadQuery(query);
  for (let from = 0; from < ids.length; from += BATCH_CAPACITY) {
    const end = Math.min(ids.length, from + BATCH_CAPACITY);
    const batch = vectors.batchIds;
    let n = 0;
    if (checked && accept === undefined) {
      batch.set(ids.subarray(from, end));
      n = end - from;
    } else {
      for (let i = from; i < end; i++) {
        const id = ids[i]!;
        if ((checked || vectors.has(id)) && (accept === undefined || accept(id))) batch[n++] = id;
      }
    }
    if (n === 0) continue;
    vectors.rankBatch(h, n);
    selection.take(batch, vectors.batchOut, n);
  }
  return drainBest(top, vectors);
}

/**
 * A max-heap of negated ranks (the worst kept on top) emptied into its entries best first, equal ranks by id (the heap
 * orders ties arbitrarily), as Qdrant scores.
 */
export function drainBest(top: TypedHeap, vectors: Pick<BatchRanker, 'distance'>): ScoredIds {
  const size = top.size;
  const outIds = new Uint32Array(size);
  const ranks = new Float64Array(size);
  for (let i = size - 1; i >= 0; i--) {
    outIds[i] = top.topId();
    ranks[i] = -top.topKey();
    top.pop();
  }
  for (let i = 1; i < size; i++) {
    const id = outIds[i]!;
    const r = ranks[i]!;
    let j = i - 1;
    while (j >= 0 && ranks[j] === r && outIds[j]! > id) {
      outIds[j + 1] = outIds[j]!;
      ranks[j + 1] = ranks[j]!;
      j--;
    }
    outIds[j + 1] = id;
    ranks[j + 1] = r;
  }
  const scores = new Float32Array(size);
  for (let i = 0; i < size; i++) scores[i] = rankToScore(vectors.distance, ranks[i]!);
  return { ids: outIds, scores };
}
