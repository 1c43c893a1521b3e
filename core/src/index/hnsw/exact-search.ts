import type { BatchRanker } from './batch-ranker.js';
import { BATCH_CAPACITY } from '../../distance/wasm-arena.js';
import type { ScoredIds } from './hnsw-index.js';
import { drainBest } from './scan-ids.js';
import { TypedHeap } from './typed-heap.js';
import { BestOfBatches } from './best-of-batches.js';

/**
 * Brute-force top-k over the live vectors of `vectors` (or only over `candidates`, e.g. a filter's matches from
 * a payload index), best first with Qdrant scores. Ids without a live vector are skipped. Used when a filter is
 * selective enough that scoring its matches beats walking the graph, and as the oracle in tests.
 *
 * Ranks come in batches: a whole stretch of rows at once when nothing filters (`rankRange`, a streaming scan),
 * else the ids that pass `has` and `accept` are gathered first so rejected rows are never read.
 *
 * Ties keep the lower id first, so results are deterministic.
 */
export function exactSearch(
  vectors: BatchRanker,
  query: Float32Array,
  k: number,
  accept?: (id: number) => boolean,
  candidates?: ArrayLike<number>,
): ScoredIds {
  if (k <= 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
  // Max-heap (negated keys) of the k best; the top is the worst kept.
  const heap = new TypedHeap(Math.min(k, 1024) + 1);
  const h = vectors.loadQuery(query);
  const ids = vectors.batchIds;
  const out = vectors.batchOut;
  const offer = (d: number, id: number): void => {
    if (heap.size < k) heap.push(-d, id);
    else if (d < -heap.topKey() || (d === -heap.topKey() && id < heap.topId())) heap.replaceTop(-d, id);
  };
  const flush = (n: number): void => {
    vectors.rankBatch(h, n);
    for (let i = 0; i < n; i++) offer(out[i]!, ids[i]!);
  };
  let n = 0;
  if (candidates !== undefined) {
    for (let i = 0; i < candidates.length; i++) {
      const id = candidates[i]!;
      if (!vectors.has(id) || (accept !== undefined && !accept(id))) continue;
      ids[n++] = id;
      if (n === BATCH_CAPACITY) n = (flush(n), 0);
    }
    if (n > 0) flush(n);
  } else if (accept !== undefined) {
    const limit = vectors.idLimit;
    for (let id = 0; id < limit; id++) {
      if (!vectors.has(id) || !accept(id)) continue;
      ids[n++] = id;
      if (n === BATCH_CAPACITY) n = (flush(n), 0);
    }
    if (n > 0) flush(n);
  } else {
    const limit = vectors.idLimit;
    for (let from = 0; from < limit; from += BATCH_CAPACITY) {
      const cnt = Math.min(BATCH_CAPACITY, limit - from);
      vectors.rankRange(h, from, cnt);
      for (let i = 0; i < cnt; i++) {
        const id = from + i;
        // Worse than the worst kept (the common case once the heap is full) needs no `has` look-up.
        const d = out[i]!;
        if (heap.size === k && d > -heap.topKey()) continue;
        if (vectors.has(id)) offer(d, id);
      }
    }
  }
  return drainBest(heap, vectors);
}

/** Reused between row scans (one at a time per thread: nothing here awaits). */
const rowSelection = new BestOfBatches();

/**
 * Exact top-k over the rows `0 .. limit` of a ranker (those whose bit is set in `live`, 32 ids a word, low bit first,
 * when given; else every row), best first with Qdrant scores: a search thread's form of the owner's exact scan, which
 * cannot call `has` (the live flags are not shared). The same answer as `exactSearch(vectors, query, k, accept)` for an
 * `accept` that holds exactly for the set rows: the same kernel ranks each row, and the kept set under the same
 * total order (rank, then lower id) does not depend on how the rows were batched; ties leave best first by id
 * (`drainBest`). Rows past the ranker's memory are the caller's concern: `limit` must be rows written before the call.
 */
export function scanRows(
  ranker: Pick<BatchRanker, 'batchIds' | 'batchOut' | 'loadQuery' | 'rankBatch'>,
  distance: BatchRanker['distance'],
  query: Float32Array,
  k: number,
  limit: number,
  live?: Uint32Array,
): ScoredIds {
  if (k <= 0 || limit <= 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
  const top = rowSelection.start(k);
  const h = ranker.loadQuery(query);
  const end = live === undefined ? limit : Math.min(limit, live.length * 32);
  for (let from = 0; from < end; from += BATCH_CAPACITY) {
    const stop = Math.min(end, from + BATCH_CAPACITY);
    const batch = ranker.batchIds;
    let n = 0;
    if (live === undefined) {
      for (let id = from; id < stop; id++) batch[n++] = id;
    } else {
      for (let id = from; id < stop; id++) if (((live[id >>> 5]! >>> (id & 31)) & 1) === 1) batch[n++] = id;
    }
    if (n === 0) continue;
    ranker.rankBatch(h, n);
    rowSelection.take(batch, ranker.batchOut, n);
  }
  return drainBest(top, { distance });
}
