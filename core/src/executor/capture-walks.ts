import type { DenseSlot, VectorSlot } from '../collection/local-segment.js';
import type { DenseIndex } from '../collection/dense-index.js';
import type { ScoredIds } from '../index/hnsw/hnsw-index.js';
import type { AcceptFn } from '../index/hnsw/search-layer.js';
import type { BatchRanker } from '../index/hnsw/batch-ranker.js';
import { bindFilter } from '../query/point-filter.js';
import { type NearestResult, quantizedOf, quantizedTop } from '../query/nearest.js';
import { BinaryQuantizedStorage } from '../segment/quantized-binary-storage.js';
import { ScalarQuantizedStorage } from '../segment/quantized-scalar-storage.js';
import { ProductQuantizedStorage } from '../segment/quantized-product-storage.js';
import { TurboQuantizedStorage } from '../segment/quantized-turbo-storage.js';
import type { Schemas } from '../client/sextant-client.js';
import type { QueryContext } from '../query/query-context.js';
import type { PlanLevel, QueryPlan } from '../query/query-plan.js';
import { type Hit, runPlan } from '../query/run-plan.js';
import { type SharedSearchTarget, originalsTarget, sharedCodesTarget } from './executor.js';
import { type WalkFilterBits, WalkBitsPool } from './shared-searcher.js';

/**
 * A graph walk that a filtered leaf's in-thread search asks of its dense index, taken at dispatch to run on a thread.
 * Only the first walk of each search is taken (the one every plan starts with: the filtered walk, the two-hop
 * walk, or the unfiltered beam of a dense filter); fallbacks a search may take after it run in-thread.
 */
export interface CapturedWalk {
  slot: DenseSlot;
  target: SharedSearchTarget;
  /** The quantized codes the walk ranks with (undefined: the floats), and their epoch at dispatch. */
  quantized: SharedQuantized | undefined;
  codesEpoch: number;
  query: Float32Array;
  k: number;
  ef: number;
  filter: WalkFilterBits;
  /** The filter's candidates, which `filter.bits` were set from (and are cleared by, back in the pool). */
  candidates: Uint32Array;
  /** The exact pass over ids not linked into the graph yet, at dispatch (see DenseIndex.searchPending). */
  pending: ScoredIds | undefined;
  /** The thread's answer, once back; undefined: walk in-thread. */
  found?: ScoredIds | undefined;
  used?: boolean;
  /** Its bits went back to the pool. */
  released?: boolean;
}

type Search = DenseIndex['search'];

/** The quantized companions whose codes search threads can rank (turbo's Manhattan rows excepted: no shared view). */
export type SharedQuantized = ScalarQuantizedStorage | BinaryQuantizedStorage | ProductQuantizedStorage | TurboQuantizedStorage;

function sharable(q: unknown): q is SharedQuantized {
  return q instanceof ScalarQuantizedStorage || q instanceof BinaryQuantizedStorage || q instanceof ProductQuantizedStorage || q instanceof TurboQuantizedStorage;
}

/** What a dense leaf's walk ranks with on a thread; undefined: it cannot run there. */
export interface WalkTarget {
  target: SharedSearchTarget;
  quantized: SharedQuantized | undefined;
  /** The walk's k for a search of `k`: the quantized search ranks k x oversampling candidates (see nearest.ts). */
  k: number;
}

/**
 * How `searchNearest` would rank the graph walk of a dense leaf (not `exact`) on `slot`, as a thread can do it: the
 * vectors themselves in a shared arena (float32, float16 or uint8: exact ranks), or, when the slot is quantized
 * (and `quantization.ignore` is not set), int8, binary, product or turbo codes in shared memory, whatever the
 * originals' datatype (the owner rescores with them). Undefined when that ranker is not shared (turbo codes of a
 * Manhattan collection never are). Refreshes the codes' fit as the search will (nearest.ts `quantizedOf`), so the
 * thread ranks with the fit the in-thread search would use now.
 */
export function walkTarget(slot: DenseSlot, k: number, quantization: Schemas['QuantizationSearchParams'] | null | undefined): WalkTarget | undefined {
  const graph = slot.index.graph;
  if (graph === undefined) return undefined;
  const q = quantization?.ignore === true ? undefined : quantizedOf(slot);
  if (q === undefined) {
    const target = originalsTarget(graph);
    return target === undefined ? undefined : { target, quantized: undefined, k };
  }
  if (!sharable(q)) return undefined;
  const target = sharedCodesTarget(graph, q);
  return target === undefined ? undefined : { target, quantized: q, k: quantizedTop({ k, quantization }) };
}

const NONE: ScoredIds = { ids: new Uint32Array(0), scores: new Float32Array(0) };

/**
 * The first walks of `plan`'s filtered leaves, found by running the plan in-thread with dense indexes that record
 * the walks asked of them instead of walking (the leaves in `presearched`, unfiltered ones offloaded on their own,
 * are not run). So the walks are exactly those the in-thread search asks (the planner's choice of scan or walk, of walk kind, of beam: nearest.ts and filtered-walk.ts decide, not
 * this file), each with its accept evaluated once into bits the thread reads.
 *
 * Undefined when the plan is not worth it: a leaf that is not a dense nearest search whose walk a thread can rank
 * (see `walkTarget`), `exact`, or a filter that payload indexes do not answer whole. The accept is evaluated on the
 * filter's candidates only (measured: evaluated on every id of 20k, bits and probe cost the owner more than the
 * 10% walk they replace); so the dense beam of a filter matching 30% or more (an unfiltered walk) stays in-thread.
 */
export function captureWalks(ctx: QueryContext, plan: QueryPlan, presearched: ReadonlyMap<PlanLevel, NearestResult>): Captured | undefined {
  const leaves: FilteredLeaf[] = [];
  if (!eligible(ctx, plan.root, presearched, leaves) || leaves.length === 0) return undefined;
  const walks: CapturedWalk[] = [];
  const seen = new WeakSet<Float32Array>();
  const n = ctx.segment.ids.capacity;
  let asked = false;
  const probe = withSearches(ctx, (slot, index) => (query, k, ef, accept, ranker) => {
    asked = true;
    // A search prepares its query once: the first walk with this row is the search's first walk.
    if (seen.has(query)) return NONE;
    seen.add(query);
    for (const l of leaves) if (l.slot === slot && sameRow(l.query, query)) l.walked = true;
    if (index.graph === undefined) return NONE;
    // The floats, or the leaf's quantized codes (the ones `eligible` found shared); any other ranker stays here.
    const quantized = ranker === undefined || ranker === slot.storage ? undefined : ranker;
    if (quantized !== undefined && !sharable(quantized)) return NONE;
    const target = quantized === undefined ? originalsTarget(index.graph) : sharedCodesTarget(index.graph, quantized);
    if (target === undefined) return NONE;
    // Only a walk for the leaf's own k is the filtered one (the dense beam asks for more, accepting every live
    // point): its accept lies within the filter's candidates, so it is evaluated on those alone.
    const leaf = leaves.find((l) => l.slot === slot && l.k === k && sameRow(l.query, query));
    if (leaf === undefined || !withinMarks(accept, leaf.marks)) return NONE;
    const filter = { bits: bitsPool.fill(accept, n, leaf.candidates), twoHop: accept.twoHop === true };
    const pending = index.searchPending(query, k, accept, ranker);
    walks.push({ slot, target, quantized, codesEpoch: quantized?.epoch ?? 0, query, k, ef, filter, candidates: leaf.candidates, pending });
    return NONE;
  });
  const hits = runPlan({ ...probe, presearched }, plan);
  for (const l of leaves) if (l.walked !== true) scanned.set(l.marks, { k: l.k, indexed: l.slot.index.indexedCount });
  // Every leaf scanned (the planner's choice for a filter matching few points): the probe was the in-thread run.
  return { walks, hits: asked || presearched.size > 0 ? undefined : hits };
}

/** What the probe found: the walks to send, or (no walk asked, nothing presearched) the in-thread answer itself. */
export interface Captured {
  walks: CapturedWalk[];
  hits: Hit[] | undefined;
}

/**
 * `ctx` with the captured walks' answers in place of the walks themselves: a walk the search asks that matches one
 * taken (same slot, query row, k, ef and two-hop) gets the thread's answer, merged with the pending pass as
 * DenseIndex.search merges it, when it is still good: the same graph, and every id still accepted now (live,
 * matching, not excluded). Anything else walks in-thread, so a deleted point is never returned.
 */
export function replayWalks(ctx: QueryContext, walks: CapturedWalk[]): QueryContext {
  releaseWalks(walks);
  return withSearches(ctx, (slot, index) => (query, k, ef, accept, ranker) => {
    const real = index.search.bind(index);
    const quantized = ranker === undefined || ranker === slot.storage ? undefined : ranker;
    const twoHop = accept.twoHop === true;
    for (const w of walks) {
      if (w.used || w.slot !== slot || w.k !== k || w.ef !== ef || w.filter.twoHop !== twoHop || !sameRow(w.query, query)) continue;
      if (w.quantized !== quantized) continue;
      w.used = true;
      const found = w.found;
      if (found === undefined || index.graph !== w.target.index) break;
      // Codes re-fitted (or grown) meanwhile: the in-thread walk would rank with the new ones.
      if (quantized !== undefined && w.quantized!.epoch !== w.codesEpoch) break;
      const r = w.pending === undefined ? found : index.mergePending(found, withoutIds(w.pending, found.ids), k);
      if (allAccepted(r, accept, slot)) return r;
      break;
    }
    return real(query, k, ef, accept, ranker);
  });
}

/**
 * Accept bits of filtered walks, shared by every search of this realm (a buffer is as long as the largest segment it
 * served; see WalkBitsPool).
 */
const bitsPool = new WalkBitsPool();

/**
 * Gives the walks' bits back to the pool: call it once their answers are back (a thread that was sent one has
 * finished reading it; the answer of a walk whose thread failed or closed meanwhile is never used). Only their
 * `twoHop` is read after this. A walk whose bits are never released leaves them to the garbage collector.
 */
export function releaseWalks(walks: CapturedWalk[]): void {
  for (const w of walks) {
    if (w.released === true) continue;
    w.released = true;
    bitsPool.release(w.filter.bits, w.candidates);
  }
}

/** `ctx` whose dense slots with a graph search through `wrap` (the rest of each slot and index as they are). */
function withSearches(ctx: QueryContext, wrap: (slot: DenseSlot, index: DenseIndex) => (query: Float32Array, k: number, ef: number, accept: AcceptFn, ranker?: BatchRanker) => ScoredIds): QueryContext {
  const slots = new Map<string, VectorSlot>(ctx.segment.slots);
  for (const [name, slot] of slots) {
    if (slot.kind !== 'dense' || slot.index.graph === undefined) continue;
    const index = Object.create(slot.index) as DenseIndex;
    const search: Search = wrap(slot, slot.index);
    Object.defineProperty(index, 'search', { value: search });
    const proxy = Object.create(slot) as DenseSlot;
    Object.defineProperty(proxy, 'index', { value: index });
    slots.set(name, proxy);
  }
  const segment = Object.create(ctx.segment, { slots: { value: slots } }) as QueryContext['segment'];
  return { ...ctx, segment };
}

/** A filtered leaf as its search will ask its first walk, and the filter's candidate bytes. */
interface FilteredLeaf {
  slot: DenseSlot;
  query: Float32Array;
  /** The walk's k (the quantized search asks for k x oversampling). */
  k: number;
  marks: Uint8Array;
  /** The same candidates as a list (ascending ids), built once per cached filter plan like the marks. */
  candidates: Uint32Array;
  walked?: boolean;
}

/**
 * Filters (by their candidate bytes, which live as long as the filter's cached plan: a write that changes the
 * matches makes new ones) whose search for k the planner answered with a scan at the last probe: it will again
 * (the estimate, k, the collection's size and how much of it is linked decide), so such a leaf runs in-thread
 * without a probe.
 */
const scanned = new WeakMap<Uint8Array, { k: number; indexed: number }>();

/**
 * Every leaf presearched or a dense nearest search whose walk a thread can rank (`walkTarget`: its vectors or its
 * quantized codes in shared memory; not `exact`), with a filter payload indexes answer whole (`leaves` gets those);
 * anything else is not worth a probe.
 */
function eligible(ctx: QueryContext, level: PlanLevel, presearched: ReadonlyMap<PlanLevel, NearestResult>, leaves: FilteredLeaf[]): boolean {
  if (level.prefetch.length > 0) return level.prefetch.every((p) => eligible(ctx, p, presearched, leaves));
  if (presearched.has(level)) return true;
  const q = level.query;
  if (q === undefined || q.kind !== 'nearest' || q.mmr !== undefined || !Array.isArray(q.vector)) return false;
  const params = level.params ?? {};
  if (params.exact === true) return false;
  const slot = ctx.segment.slots.get(q.using);
  if (slot === undefined || slot.kind !== 'dense' || slot.index.graph === undefined || slot.index.indexedCount === 0) return false;
  const walk = walkTarget(slot, level.limit, params.quantization);
  if (walk === undefined) return false;
  const filter = bindFilter(ctx.segment, level.filter);
  const marks = filter?.exact === true ? filter.candidateBits() : undefined;
  const scan = marks === undefined ? undefined : scanned.get(marks);
  if (marks === undefined || (scan !== undefined && scan.k === walk.k && scan.indexed === slot.index.indexedCount)) return false;
  const candidates = filter!.candidates;
  if (candidates === undefined) return false;
  leaves.push({ slot, query: slot.storage.prepareQuery(q.vector as number[]), k: walk.k, marks, candidates });
  return true;
}

/**
 * `accept` refuses the first live ids outside the marks (a cheap check that the walk is the filtered one, not one
 * accepting every live point, before its accept is evaluated on the marked ids only).
 */
function withinMarks(accept: AcceptFn, marks: Uint8Array): boolean {
  let checked = 0;
  for (let id = 0; id < marks.length && checked < 8; id++) {
    if (marks[id] === 1) continue;
    if (accept(id)) return false;
    checked++;
  }
  return true;
}

function sameRow(a: Float32Array, b: Float32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function allAccepted(r: ScoredIds, accept: AcceptFn, slot: DenseSlot): boolean {
  for (let i = 0; i < r.ids.length; i++) {
    const id = r.ids[i]!;
    if (!accept(id) || !slot.storage.has(id)) return false;
  }
  return true;
}

/**
 * `list` without the ids of `taken`: an id pending at dispatch may have been linked into the graph before the walk
 * reached it, and then both passes found it (never in-thread, where nothing is linked during a search).
 */
export function withoutIds(list: ScoredIds, taken: Uint32Array): ScoredIds {
  const seen = new Set(taken);
  let n = 0;
  for (let i = 0; i < list.ids.length; i++) if (!seen.has(list.ids[i]!)) n++;
  if (n === list.ids.length) return list;
  const ids = new Uint32Array(n);
  const scores = new Float32Array(n);
  for (let i = 0, o = 0; i < list.ids.length; i++) {
    if (seen.has(list.ids[i]!)) continue;
    ids[o] = list.ids[i]!;
    scores[o++] = list.scores[i]!;
  }
  return { ids, scores };
}
