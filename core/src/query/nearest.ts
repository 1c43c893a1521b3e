import type { DenseSlot, LocalSegment, VectorSlot } from '../collection/local-segment.js';
import type { SparseValue } from '../collection/operations.js';
import { exactSearch } from '../index/hnsw/exact-search.js';
import { higherIsBetter } from '../distance/distance.js';
import { type BoundFilter, matchingIds } from './point-filter.js';
import { TopK } from './top-k.js';

export interface NearestSearch {
  slot: VectorSlot;
  /** Already checked against the slot's kind and size. */
  vector: number[] | number[][] | SparseValue;
  filter: BoundFilter | undefined;
  /** limit + offset: the planner finds this many, the caller drops the offset. */
  k: number;
  hnswEf?: number;
  exact?: boolean;
  /** Internal ids never to return (the query's own point when querying by id). */
  exclude?: Set<number>;
}

export interface NearestResult {
  ids: Uint32Array;
  scores: Float32Array;
  /** Which way the planner went; tests assert it. */
  path: 'exact' | 'hnsw' | 'sparse-index' | 'multi-scan';
}

/**
 * Nearest neighbours of one vector, with Qdrant's planning for dense vectors:
 * - `exact: true`, no graph (`m = 0`, or not built yet), or fewer vectors than `full_scan_threshold` (KB of
 *   vectors) -> exact scan;
 * - with a filter, the planner's cardinality estimate decides: a match set whose upper bound fits under the
 *   threshold is scored exactly (only the candidates, when payload indexes give them); a lower bound above it walks
 *   the graph with the filter as `accept`; in between, the expected count decides.
 */
export function searchNearest(segment: LocalSegment, s: NearestSearch): NearestResult {
  const { filter } = s;
  const slot = s.slot;
  if (slot.kind === 'sparse') {
    const accept = acceptFor(segment, s, false);
    const r = slot.index.search(slot.storage.prepareQuery(s.vector as SparseValue), s.k, accept);
    return { ids: r.ids, scores: r.scores, path: 'sparse-index' };
  }
  if (slot.kind === 'multi') {
    const query = slot.storage.prepareQuery(s.vector as number[][]);
    const accept = acceptFor(segment, s, false);
    const top = new TopK(s.k, higherIsBetter(slot.spec.distance));
    for (const id of candidateIds(segment, filter)) {
      if (slot.storage.has(id) && accept(id)) top.push(id, slot.storage.score(query, id));
    }
    return { ...top.result(), path: 'multi-scan' };
  }
  const query = slot.storage.prepareQuery(s.vector as number[]);
  if (useExact(slot, s)) {
    // The candidate list is built here and only here: a graph walk never needs it sorted.
    const candidates = filter?.candidates;
    const accept = acceptFor(segment, s, candidates !== undefined);
    return { ...exactSearch(slot.storage, query, s.k, accept, candidates), path: 'exact' };
  }
  const ef = Math.max(s.hnswEf ?? slot.spec.hnsw.ef_construct, s.k);
  return { ...slot.index.search(query, s.k, ef, acceptFor(segment, s, false)), path: 'hnsw' };
}

/**
 * The `accept` of a search: live, not excluded, and matching. When the filter is fully answered by payload indexes
 * (`exact`), matching is one byte look-up in the candidates' byte set instead of a payload evaluation; when the
 * ids come from the candidate list itself (`fromCandidates`) and it is exact, only live-ness is left to check.
 */
function acceptFor(segment: LocalSegment, s: NearestSearch, fromCandidates: boolean): (id: number) => boolean {
  const ids = segment.ids;
  const { filter, exclude } = s;
  if (filter !== undefined && filter.exact) {
    if (fromCandidates) return exclude === undefined ? (id) => ids.isLive(id) : (id) => ids.isLive(id) && !exclude.has(id);
    const bits = filter.candidateBits()!;
    if (exclude === undefined) return (id) => bits[id] === 1 && ids.isLive(id);
    return (id) => bits[id] === 1 && ids.isLive(id) && !exclude.has(id);
  }
  if (filter === undefined) return exclude === undefined ? (id) => ids.isLive(id) : (id) => ids.isLive(id) && !exclude.has(id);
  return (id) => ids.isLive(id) && (exclude === undefined || !exclude.has(id)) && filter.matches(id);
}

function useExact(slot: DenseSlot, s: NearestSearch): boolean {
  // No graph, or nothing linked into it yet (indexing is deferred, see DenseIndex): only a scan can answer.
  if (s.exact === true || slot.index.indexedCount === 0) return true;
  const threshold = fullScanPoints(slot);
  if (slot.storage.count < threshold) return true;
  if (s.filter === undefined) return false;
  const { min, exp, max } = s.filter.estimate;
  if (max < threshold) return true;
  if (min > threshold) return false;
  return exp < threshold;
}

/** `full_scan_threshold` is in KB of vector data (Qdrant: 1 KB = one 256-dim float vector). */
export function fullScanPoints(slot: DenseSlot): number {
  return (slot.spec.hnsw.full_scan_threshold * 1024) / (slot.spec.size * 4);
}

function candidateIds(segment: LocalSegment, filter: BoundFilter | undefined): Iterable<number> {
  if (filter === undefined) {
    const n = segment.ids.capacity;
    return { *[Symbol.iterator]() { for (let id = 0; id < n; id++) yield id; } };
  }
  return matchingIds(segment, filter);
}
