import type { Filter, Schemas } from '../client/sextant-client.js';
import type { LocalSegment } from '../collection/local-segment.js';
import type { CardinalityEstimate } from '../filter/point-access.js';
import { compileFilter, parseFilter } from '../filter/index.js';
import { type FilterPlan, planFilterLazy } from '../filter/plan-filter.js';

/** A filter bound to one segment: the predicate, and the planner's view of how many points it matches. */
export interface BoundFilter {
  /** Payload/id conditions only; live-ness is checked by the caller. */
  readonly matches: (id: number) => boolean;
  estimate: CardinalityEstimate;
  /**
   * Ids that may match, from payload indexes (a superset, checked with `matches`), or undefined = scan everything.
   * A getter: the sorted list is built on first read (it costs a copy and a sort), so read it only when the plan
   * scans the candidates.
   */
  readonly candidates: Uint32Array | undefined;
  /** true when `candidates` (and `candidateBits`) are exactly the live matches: no need to call `matches` on them. */
  readonly exact: boolean;
  /**
   * A byte per internal id (`segment.ids.capacity` long), 1 for each candidate, built unsorted on first call;
   * undefined when indexes cannot name the candidates. With `exact`, a cheaper `matches` for the graph walk.
   */
  candidateBits(): Uint8Array | undefined;
}

/** Parses and binds a filter; `undefined` when there is none (absent, null, or empty). Throws 400 on a bad one. */
export function bindFilter(segment: LocalSegment, raw: Schemas['Filter'] | null | undefined): BoundFilter | undefined {
  if (raw === undefined || raw === null) return undefined;
  // A cached plan means this very filter text parsed before (parsing depends on nothing else), so a repeated filter
  // skips parsing, and the predicate is compiled only when a plan calls it (an exact plan's walk or scan never does).
  const cache = planCacheOf(segment);
  const text = JSON.stringify(raw);
  let entry = cache.entries.get(text);
  if (entry === undefined) {
    const filter = parseFilter(raw);
    entry = { filter, plan: planFilterLazy(filter, segment, segment.indexes, segment.ids.liveCount) };
    if (cache.entries.size >= PLAN_CACHE_SIZE) cache.entries.delete(cache.entries.keys().next().value!);
    cache.entries.set(text, entry);
  }
  return new Bound(segment, entry);
}

/**
 * A class rather than an object literal with getters: a query binds one per call, and instances of one class share
 * their shape (an accessor literal was ~1/3 of a cached bind's cost, with the garbage it left).
 */
class Bound implements BoundFilter {
  private readonly plan: FilterPlan;
  readonly estimate: CardinalityEstimate;
  readonly exact: boolean;
  /**
   * Compiled on first call, once per cached plan (it reads the same indexes and id tracker state the plan was keyed
   * on), then this property is the compiled predicate itself. An own property, so a spread copy keeps it.
   */
  matches: (id: number) => boolean;

  constructor(
    private readonly segment: LocalSegment,
    entry: CachedPlan,
  ) {
    this.plan = entry.plan;
    this.estimate = entry.plan.estimate;
    this.exact = entry.plan.exact && entry.plan.candidates !== undefined;
    this.matches =
      entry.matches ??
      ((id) => {
        const compiled = (entry.matches ??= compileFilter(entry.filter, segment, segment.indexes));
        this.matches = compiled;
        return compiled(id);
      });
  }

  get candidates(): Uint32Array | undefined {
    return this.plan.candidates?.();
  }

  candidateBits(): Uint8Array | undefined {
    return this.plan.candidateBits?.(this.segment.ids.capacity);
  }
}

/** Live internal ids that pass `filter`, in ascending internal-id order. */
export function matchingIds(segment: LocalSegment, filter: BoundFilter | undefined): number[] {
  const out: number[] = [];
  const ids = segment.ids;
  const candidates = filter?.candidates;
  if (candidates !== undefined) {
    const check = !filter!.exact;
    for (const id of candidates) if (ids.isLive(id) && (!check || filter!.matches(id))) out.push(id);
    return out;
  }
  for (let id = 0; id < ids.capacity; id++) if (ids.isLive(id) && (filter === undefined || filter.matches(id))) out.push(id);
  return out;
}

/**
 * Plans of recent filters per segment, so a filter an app repeats (a tenant, a category) reuses its candidate list
 * and byte set instead of rebuilding them per query (at 50% of 100k points that rebuild costs as much as the walk).
 *
 * Invariant: a plan depends only on the payload indexes (every change bumps `indexes.version`) and on the id
 * tracker through `has_id` and the live count (an insert grows `capacity`, a delete lowers `liveCount`; ids are
 * reused only by compaction, which builds a new segment and so a new index set). All three are in the key.
 */
const planCache = new WeakMap<object, PlanCache>();
const PLAN_CACHE_SIZE = 8;

interface PlanCache {
  version: number;
  capacity: number;
  live: number;
  entries: Map<string, CachedPlan>;
}

interface CachedPlan {
  filter: Filter;
  plan: FilterPlan;
  matches?: (id: number) => boolean;
}

/** The segment's plan cache, emptied when the index version, capacity or live count moved since its last use. */
function planCacheOf(segment: LocalSegment): PlanCache {
  const { version } = segment.indexes;
  const { capacity, liveCount: live } = segment.ids;
  let cache = planCache.get(segment.indexes);
  if (cache === undefined || cache.version !== version || cache.capacity !== capacity || cache.live !== live) {
    planCache.set(segment.indexes, (cache = { version, capacity, live, entries: new Map() }));
  }
  return cache;
}
