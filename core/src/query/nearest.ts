import type { DenseSlot, LocalSegment, VectorSlot } from '../collection/local-segment.js';
import type { SparseValue } from '../collection/operations.js';
import { exactSearch } from '../index/hnsw/exact-search.js';
import type { ScoredIds } from '../index/hnsw/hnsw-index.js';
import { scanIds } from '../index/hnsw/scan-ids.js';
import type { AcceptFn } from '../index/hnsw/search-layer.js';
import type { BatchRanker } from '../index/hnsw/batch-ranker.js';
import { type AcornParams, type WalkFilter, filteredWalk, walkKind } from '../index/hnsw/filtered-walk.js';
import { higherIsBetter, rankToScore } from '../distance/distance.js';
import type { Schemas } from '../client/sextant-client.js';
import { ProductQuantizedStorage } from '../segment/quantized-product-storage.js';
import { TurboQuantizedStorage } from '../segment/quantized-turbo-storage.js';
import type { QuantizedStorage } from '../segment/quantized-params.js';
import { companionFor } from '../collection/quantized-companion.js';
import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
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
  /** The query's `params.quantization`: used only when the vector name has a quantization config. */
  quantization?: Schemas['QuantizationSearchParams'] | null;
  /** The query's `params.acorn`: at or below its max_selectivity, the filtered walk that keeps recall (see walkKind). */
  acorn?: AcornParams | null;
  /**
   * The query's `params.indexed_only`: when the vectors not linked into the graph yet are too many to scan
   * (`full_scan_threshold` or more), leave them out, as Qdrant skips a large unindexed segment.
   */
  indexedOnly?: boolean;
}

export interface NearestResult {
  ids: Uint32Array;
  scores: Float32Array;
  /** Which way the planner went; tests assert it. */
  path: 'exact' | 'hnsw' | 'sparse-index' | 'multi-scan';
  /** Set when quantized codes (int8, binary, product or turbo) ranked the candidates (then rescored with floats unless `rescore: false`). */
  quantized?: true;
}

/**
 * Nearest neighbours of one vector, with Qdrant's planning for dense vectors:
 * - `exact: true`, no graph (`m = 0`, or not built yet), or fewer vectors than `full_scan_threshold` (KB of
 *   vectors) -> exact scan;
 * - with a filter, the planner's cardinality estimate decides: a match set whose upper bound fits under the
 *   threshold is scored exactly (only the candidates, when payload indexes give them); a lower bound above it walks
 *   the graph with the filter as `accept`; in between, the expected count decides (see `useExact` for where the
 *   threshold departs from Qdrant's).
 * The estimate costs no id list: the sorted candidates are built only for an exact scan. When payload indexes
 * answer the whole filter (`filter.exact`), `accept` is a byte look-up rather than a payload evaluation. Which
 * walk runs (an unfiltered beam filtered afterwards, a two-hop walk, or the plain filtered walk) is filteredWalk's
 * choice, by selectivity; it is the boundary other threads' walkers call too.
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
  const ef = Math.max(s.hnswEf ?? defaultEf(slot, filter), s.k);
  const walkFilter = filter === undefined ? undefined : walkFilterOf(segment, s, filter);
  const cheapWalk = walkFilter !== undefined && walkKind(walkFilter, slot.spec.hnsw.m) !== 'filtered';
  const exact = useExact(slot, s, cheapWalk ? ef * 4 * slot.spec.hnsw.m : Infinity);
  // `exact: true` asks for exact scores, so it skips quantization, as Qdrant's plain search does.
  const quantized = s.exact === true || s.quantization?.ignore === true ? undefined : quantizedOf(slot);
  if (quantized !== undefined) return searchQuantized(segment, s, slot, quantized, query, ef, exact, walkFilter);
  const graphOnly = s.indexedOnly === true && slot.index.pendingCount >= fullScanPoints(slot);
  if (exact) {
    // The candidate list is built here and only here: a graph walk never needs it sorted.
    const candidates = filter?.candidates;
    if (graphOnly) {
      const graph = slot.index.graph;
      const accept = acceptFor(segment, s, candidates !== undefined);
      const found = graph === undefined ? undefined : exactSearch(slot.storage, query, s.k, (id) => graph.has(id) && accept(id), candidates);
      return { ids: found?.ids ?? new Uint32Array(0), scores: found?.scores ?? new Float32Array(0), path: 'exact' };
    }
    if (candidates === undefined) return { ...exactSearch(slot.storage, query, s.k, acceptFor(segment, s, false)), path: 'exact' };
    // Exact candidates are live matches already (payload indexes never hold deleted points, has_id keeps live ids),
    // and when the slot holds a vector for every live point (deleting a point drops its vectors) each of them has
    // one: with nothing to exclude, the scan then copies them to the ranker a chunk at a time and checks nothing.
    const exactSet = filter!.exact && s.exclude === undefined;
    const checked = exactSet && slot.storage.count === segment.ids.liveCount;
    const found = scanIds(slot.storage, query, s.k, candidates, checked, exactSet ? undefined : acceptFor(segment, s, true));
    return { ids: found.ids, scores: found.scores, path: 'exact' };
  }
  const walked = walkDense(segment, s, slot, query, ef, walkFilter, slot.storage, graphOnly);
  return { ids: walked.ids, scores: walked.scores, path: 'hnsw' };
}

/**
 * The beam when the query leaves `hnsw_ef` unset: ef_construct, as in Qdrant, except under a filter, where it is a
 * third of that (`FILTERED_EF_SHARE`). A filtered beam holds matches only, and filling it costs more per place
 * than an unfiltered one: on 100k x 128 at 10%, the two-hop walk with a beam of 64 matches read 484 link lists
 * and ranked 200 vectors, about what an unfiltered walk with a beam of 200 does (201 and 912). So the default
 * filtered search spends about what the default unfiltered one does (recall@10 0.98 at 10%, 0.97 at 50% there,
 * where the unfiltered beam is max(ef, 2k / p)); an explicit hnsw_ef keeps Qdrant's meaning, ef matches.
 */
function defaultEf(slot: DenseSlot, filter: BoundFilter | undefined): number {
  const ef = slot.spec.hnsw.ef_construct;
  return filter === undefined ? ef : Math.ceil(ef / FILTERED_EF_SHARE);
}

const FILTERED_EF_SHARE = 3;

/** The graph walk of a dense search, filtered or not, ranking with `ranker` (the floats, or quantized codes). */
function walkDense(
  segment: LocalSegment,
  s: NearestSearch,
  slot: DenseSlot,
  query: Float32Array,
  ef: number,
  walkFilter: WalkFilter | undefined,
  ranker: BatchRanker,
  graphOnly = false,
): ScoredIds {
  const live = liveAccept(segment, s.exclude);
  // The graph alone (indexed_only with many pending vectors), or the graph plus an exact pass over the pending ids.
  const index = graphOnly ? slot.index.graph! : slot.index;
  if (walkFilter === undefined) return index.search(query, s.k, ef, live, ranker);
  return filteredWalk((k, e, accept) => index.search(query, k, e, accept ?? live, ranker), s.k, ef, walkFilter, slot.spec.hnsw.m);
}

/**
 * The filter as a graph walk sees it: when payload indexes answer it whole (`filter.exact`), `accept` is a byte
 * look-up in the candidates' byte set (built once per filter and cached with its plan) instead of a payload
 * evaluation, which lets the walk use the unfiltered beam or go two hops (see filteredWalk).
 */
export function walkFilterOf(segment: LocalSegment, s: NearestSearch, filter: BoundFilter): WalkFilter {
  const live = segment.ids.liveCount;
  let accept: AcceptFn | undefined;
  return {
    // Built when a walk runs: an exact scan of the candidates never calls it (nor needs the byte set behind it).
    get accept() {
      return (accept ??= acceptFor(segment, s, false));
    },
    selectivity: live === 0 ? 0 : filter.estimate.exp / live,
    atLeast: filter.estimate.min,
    lookup: filter.exact,
    acorn: s.acorn,
  };
}

/**
 * The slot's quantized companion when its spec asks for scalar, binary, product or turbo quantization and its codes
 * can rank now, else undefined (the search ranks the floats, as with `quantization.ignore`). Scalar and binary are
 * built on first use and re-fitted here as the vectors grow (fast); product and turbo codes are fitted and encoded
 * by background indexing (collection/quantized-companion.ts), and rank once `ready`.
 */
export function quantizedOf(slot: DenseSlot): QuantizedStorage | undefined {
  const q = companionFor(slot);
  if (q instanceof ProductQuantizedStorage || q instanceof TurboQuantizedStorage) return q.ready ? q : undefined;
  q?.refresh();
  return q;
}

/**
 * Qdrant's quantized search: the same plan (scan or walk) ranks with the int8 codes, keeping `limit x
 * oversampling` candidates (the walk's beam at least that wide), then, when `rescore` (default true), ranks those
 * again with the float vectors and keeps the best `k`. Without rescoring the approximate scores are returned.
 */
function searchQuantized(
  segment: LocalSegment,
  s: NearestSearch,
  slot: DenseSlot,
  quantized: QuantizedStorage,
  query: Float32Array,
  ef: number,
  exact: boolean,
  walkFilter: WalkFilter | undefined,
): NearestResult {
  const top = quantizedTop(s);
  let found;
  const graphOnly = s.indexedOnly === true && slot.index.pendingCount >= fullScanPoints(slot);
  if (exact) {
    const candidates = s.filter?.candidates;
    const base = acceptFor(segment, s, candidates !== undefined);
    const graph = slot.index.graph;
    const accept = !graphOnly ? base : (id: number) => graph !== undefined && graph.has(id) && base(id);
    found = { ...exactSearch(quantized, query, top, accept, candidates), path: 'exact' as const };
  } else {
    found = { ...walkDense(segment, { ...s, k: top }, slot, query, Math.max(ef, top), walkFilter, quantized, graphOnly), path: 'hnsw' as const };
  }
  return rescoreQuantized(slot, s, query, found);
}

/** How many candidates the codes rank for a quantized search: k, or k x oversampling when rescoring. */
export function quantizedTop(s: Pick<NearestSearch, 'k' | 'quantization'>): number {
  const rescore = s.quantization?.rescore ?? true;
  return rescore ? Math.max(s.k, Math.ceil(s.k * (s.quantization?.oversampling ?? 1))) : s.k;
}

/**
 * The quantized search's last step over the candidates the codes ranked (`found`, best first): with `rescore`
 * (default), ranks them again with the float vectors and keeps the best `k`; else returns them as they are. The
 * search threads' quantized walks end here too (executor/offload-query.ts).
 */
export function rescoreQuantized(
  slot: DenseSlot,
  s: Pick<NearestSearch, 'k' | 'quantization'>,
  query: Float32Array,
  found: ScoredIds & { path: NearestResult['path'] },
): NearestResult {
  if (!(s.quantization?.rescore ?? true)) return { ...found, quantized: true };
  const n = found.ids.length;
  const ranks = new Float64Array(n);
  const order = new Uint32Array(n);
  // Rescore in batches through the float storage's kernels (SIMD on a large arena), not one call per id.
  const fs = slot.storage;
  const h = fs.loadQuery(query);
  for (let from = 0; from < n; from += BATCH_CAPACITY) {
    const cnt = Math.min(BATCH_CAPACITY, n - from);
    const batchIds = fs.batchIds;
    for (let i = 0; i < cnt; i++) batchIds[i] = found.ids[from + i]!;
    fs.rankBatch(h, cnt);
    const out = fs.batchOut;
    for (let i = 0; i < cnt; i++) ranks[from + i] = out[i]!;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ranks[a]! - ranks[b]! || found.ids[a]! - found.ids[b]!);
  const k = Math.min(s.k, n);
  const ids = new Uint32Array(k);
  const scores = new Float32Array(k);
  for (let i = 0; i < k; i++) {
    ids[i] = found.ids[order[i]!]!;
    scores[i] = rankToScore(slot.spec.distance, ranks[order[i]!]!);
  }
  return { ids, scores, path: found.path, quantized: true };
}

/**
 * The `accept` of a search: live, not excluded, and matching. When the filter is fully answered by payload indexes
 * (`exact`), matching is one byte look-up in the candidates' byte set instead of a payload evaluation; when the
 * ids come from the candidate list itself (`fromCandidates`) and it is exact, only live-ness is left to check.
 */
function acceptFor(segment: LocalSegment, s: NearestSearch, fromCandidates: boolean): AcceptFn {
  const ids = segment.ids;
  const { filter, exclude } = s;
  if (filter !== undefined && filter.exact) {
    if (fromCandidates) return exclude === undefined ? (id) => ids.isLive(id) : (id) => ids.isLive(id) && !exclude.has(id);
    const bits = filter.candidateBits()!;
    if (exclude !== undefined) return (id) => bits[id] === 1 && ids.isLive(id) && !exclude.has(id);
    // A graph node has a vector, so its point is live (deleting a point drops its vectors and unlinks them): on the
    // graph the byte alone decides, which the walk reads itself (`bits`) instead of calling.
    const accept: AcceptFn = (id) => bits[id] === 1 && ids.isLive(id);
    accept.bits = bits;
    return accept;
  }
  if (filter === undefined) return liveAccept(segment, exclude);
  return (id) => ids.isLive(id) && (exclude === undefined || !exclude.has(id)) && filter.matches(id);
}

/** Live and not excluded: the `accept` of an unfiltered walk. */
function liveAccept(segment: LocalSegment, exclude: Set<number> | undefined): AcceptFn {
  const ids = segment.ids;
  return exclude === undefined ? (id) => ids.isLive(id) : (id) => ids.isLive(id) && !exclude.has(id);
}

/**
 * Qdrant's plan (exact when fewer vectors than the threshold; with a filter, max under it -> exact, min over it ->
 * graph, else the expected count decides), with one deviation: when the walk can go two-hop or unfiltered (see
 * filteredWalk) its cost follows about ef x 2 M0 ranked vectors, not the threshold's, so the filtered threshold
 * drops to that (`walkCost`).
 * Qdrant's threshold is tuned for native scan speed; in JS a 10k scan loses to such a walk (issue 9's 10%).
 */
function useExact(slot: DenseSlot, s: NearestSearch, walkCost: number): boolean {
  // No graph, or nothing linked into it yet (indexing is deferred, see DenseIndex): only a scan can answer.
  if (s.exact === true || slot.index.indexedCount === 0) return true;
  const full = fullScanPoints(slot);
  if (slot.storage.count < full) return true;
  if (s.filter === undefined) return false;
  const threshold = Math.min(full, walkCost);
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
