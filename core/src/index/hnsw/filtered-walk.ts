import type { ScoredIds } from './hnsw-index.js';
import type { AcceptFn } from './search-layer.js';

/**
 * One graph walk as the caller runs it (the owner's index, or a search thread's walker over a shared graph):
 * the best `k` nodes `accept` passes, with a beam of max(ef, k), best first. `accept` undefined means every
 * live node; a defined one must reject dead ids itself (the walk calls nothing else).
 */
export type GraphWalk = (k: number, ef: number, accept: AcceptFn | undefined) => ScoredIds;

/** Qdrant 1.19's `params.acorn`: at or below `max_selectivity` (default 0.4), recall before speed (see walkKind). */
export interface AcornParams {
  enable?: boolean;
  max_selectivity?: number | null;
}

/**
 * What a filtered walk needs to know about its filter. Contract: `accept(id)` is true exactly for the ids the
 * search may return (live, matching, not excluded); `selectivity` is the expected share of the graph's nodes it
 * passes (the planner's estimate, 0..1); `atLeast` a lower bound on how many it passes (0 when unknown).
 */
export interface WalkFilter {
  accept: AcceptFn;
  selectivity: number;
  atLeast: number;
  /** `accept` is a look-up (a byte set), cheap enough to call on the neighbours of neighbours. */
  lookup: boolean;
  acorn?: AcornParams | null;
}

/** From this selectivity an unfiltered walk's beam, filtered afterwards, replaces the filtered walk. */
export const DENSE_FILTER = 0.3;
/** The unfiltered beam holds at least this many times k expected matches (so ~2k at p = 1 / DENSE_MATCHES). */
export const DENSE_MATCHES = 2;

/**
 * The `k` nearest nodes that `filter.accept` passes, best first, choosing the walk by selectivity p:
 * - p >= DENSE_FILTER (a look-up filter): one unfiltered walk with a beam of max(ef, 2k / p), its accepted nodes
 *   kept in order. The beam is ef (not ef / p) once that holds ~2k matches: non-matching nodes route the walk and hold beam places, as
 *   in an unfiltered search, so the filtered search costs what the unfiltered one does (the post-filter's cost,
 *   without its k / p results to hand back). Fewer than k matches in the beam: the filtered walk below runs.
 * - else, the filtered walk: rejected nodes are routed through but never enter the beam, which holds ef matches
 *   (Qdrant's meaning of hnsw_ef under a filter). With a look-up filter dense enough that two hops of M0 = 2m links
 *   reach several matches (p * M0^2 >= 48, ~5% at m = 16), and `acorn` not asking for recall first (see walkKind),
 *   the walk looks through rejected nodes two hops at a time (see searchLayer); a two-hop walk
 *   that stops with fewer than k while more are known to exist (no match within two hops of where it started)
 *   is run again as the plain filtered walk.
 */
export function filteredWalk(walk: GraphWalk, k: number, ef: number, filter: WalkFilter, m: number): ScoredIds {
  if (walkKind(filter, m) === 'dense') {
    const beam = denseBeam(k, ef, filter.selectivity);
    const found = firstAccepted(walk(beam, beam, undefined), filter.accept, k);
    if (found !== undefined) return found;
  }
  const twoHop = useTwoHop(filter, m);
  const accept: AcceptFn = twoHop ? withTwoHop(filter.accept) : filter.accept;
  const walked = walk(k, ef, accept);
  if (twoHop && walked.ids.length < k && filter.atLeast > walked.ids.length) return walk(k, ef, filter.accept);
  return walked;
}

/**
 * Which walk `filteredWalk` tries first. The unfiltered beam needs a look-up filter: an estimate of 50% may be
 * Qdrant's guess for a condition no index knows. `acorn` enabled at or below its max_selectivity asks for recall
 * at the cost of speed (in Qdrant, ACORN keeps the walk connected through rejected nodes): the plain filtered walk,
 * which expands every rejected neighbour, never the two-hop walk's budgeted look-through nor the unfiltered beam.
 */
export function walkKind(filter: WalkFilter, m: number): 'dense' | 'two-hop' | 'filtered' {
  if (acornApplies(filter)) return 'filtered';
  if (filter.lookup && filter.selectivity >= DENSE_FILTER) return 'dense';
  return useTwoHop(filter, m) ? 'two-hop' : 'filtered';
}

function acornApplies(filter: WalkFilter): boolean {
  const acorn = filter.acorn;
  return acorn?.enable === true && filter.selectivity <= (acorn.max_selectivity ?? 0.4);
}

/** The unfiltered beam standing in for a filtered walk at selectivity p (>= DENSE_FILTER). */
export function denseBeam(k: number, ef: number, p: number): number {
  return Math.max(ef, k, Math.ceil((DENSE_MATCHES * k) / p));
}

/** Whether the filtered walk goes two hops through rejected nodes (see `filteredWalk`). */
export function useTwoHop(filter: WalkFilter, m: number): boolean {
  if (acornApplies(filter)) return false;
  const m0 = 2 * m;
  return filter.lookup && filter.selectivity * m0 * m0 >= 48;
}

function withTwoHop(accept: AcceptFn): AcceptFn {
  const twoHop: AcceptFn = (id) => accept(id);
  twoHop.twoHop = true;
  twoHop.bits = accept.bits;
  return twoHop;
}

/** The first `k` of `found` (best first) that `accept` passes, or undefined when fewer than `k` do. */
function firstAccepted(found: ScoredIds, accept: AcceptFn, k: number): ScoredIds | undefined {
  const ids = new Uint32Array(k);
  const scores = new Float32Array(k);
  let n = 0;
  for (let i = 0; i < found.ids.length && n < k; i++) {
    const id = found.ids[i]!;
    if (!accept(id)) continue;
    ids[n] = id;
    scores[n++] = found.scores[i]!;
  }
  return n === k ? { ids, scores } : undefined;
}
