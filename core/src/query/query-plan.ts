import type { Schemas } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { pageArgs, type QueryContext } from './query-context.js';
import { resolveQuery, type ScoringQuery } from './scoring-query.js';

/** Qdrant refuses prefetch trees deeper than this. */
const MAX_PREFETCH_DEPTH = 64;

/**
 * One level of a query tree, resolved and ready to run (Qdrant's planned query): the root or one prefetch.
 *
 * Invariants, as in Qdrant's planner:
 * - `filter` already includes every ancestor's filter (the root filter is propagated into every prefetch, so the
 *   candidates a level rescores have passed all filters above it);
 * - `limit` of the root includes its `offset` (the offset is cut once, at the very end);
 * - a level with `prefetch` has a `query` (checked while planning).
 */
export interface PlanLevel {
  prefetch: PlanLevel[];
  query: ScoringQuery | undefined;
  filter: Schemas['Filter'] | undefined;
  params: Schemas['SearchParams'] | undefined;
  scoreThreshold: number | undefined;
  limit: number;
}

export interface QueryPlan {
  root: PlanLevel;
  offset: number;
  /** Internal ids used as examples anywhere in the tree: never returned at any level. */
  exclude: Set<number>;
}

type PrefetchInput = Schemas['Prefetch'];

/** Resolves a query request (or a query groups request) into its plan; throws Qdrant's 400s for bad trees. */
export function planQuery(ctx: QueryContext, req: Schemas['QueryRequest'], defaultLimit = 10): QueryPlan {
  const { limit, offset: rawOffset } = pageArgs(req.limit, req.offset, defaultLimit);
  const exclude = new Set<number>();
  const prefetch = prefetchList(req.prefetch);
  const using = req.using ?? '';
  const query = resolveQuery(ctx, req.query, using, req.lookup_from as Schemas['LookupLocation'] | null | undefined, limit, exclude);
  checkLevel(query, prefetch.length, req.score_threshold, true);
  const filter = req.filter ?? undefined;
  const root: PlanLevel = {
    prefetch: prefetch.map((p) => planPrefetch(ctx, p, filter, exclude, 1)),
    query,
    filter,
    params: req.params ?? undefined,
    scoreThreshold: threshold(req.score_threshold),
    limit: limit + rawOffset,
  };
  // A random sample has no stable order to page through: Qdrant ignores the offset of a root sample.
  const offset = query?.kind === 'sample' && prefetch.length === 0 ? 0 : rawOffset;
  if (offset === 0) root.limit = limit;
  // A sample over prefetches draws from their candidates: Qdrant widens each by the offset, so a later page still
  // has points to draw (prefetch limit 1, offset 1 samples from two candidates, not from one then skips it).
  if (query?.kind === 'sample' && offset > 0) for (const level of root.prefetch) level.limit += offset;
  return { root, offset, exclude };
}

function planPrefetch(
  ctx: QueryContext,
  p: PrefetchInput,
  parentFilter: Schemas['Filter'] | undefined,
  exclude: Set<number>,
  depth: number,
): PlanLevel {
  if (depth > MAX_PREFETCH_DEPTH) throw errors.wrongInput(`Validation failed: prefetches depth ${depth} exceeds max depth ${MAX_PREFETCH_DEPTH}`);
  if (p === null || typeof p !== 'object' || Array.isArray(p)) throw errors.validation('prefetch: expected a prefetch object or a list of them');
  const { limit } = pageArgs(p.limit, 0);
  const children = prefetchList(p.prefetch);
  const query = resolveQuery(ctx, p.query, p.using ?? '', p.lookup_from as Schemas['LookupLocation'] | null | undefined, limit, exclude);
  checkLevel(query, children.length, p.score_threshold, false);
  const filter = mergeFilters(parentFilter, p.filter ?? undefined);
  return {
    prefetch: children.map((c) => planPrefetch(ctx, c, filter, exclude, depth + 1)),
    query,
    filter,
    params: p.params ?? undefined,
    scoreThreshold: threshold(p.score_threshold),
    limit,
  };
}

function prefetchList(raw: unknown): PrefetchInput[] {
  if (raw === undefined || raw === null) return [];
  return (Array.isArray(raw) ? raw : [raw]) as PrefetchInput[];
}

/**
 * Qdrant reads `score_threshold` as a float32, as its scores are: a threshold copied from an answer (which prints the
 * score's shortest decimal, 1.362 for the float32 1.36199998...) keeps that point.
 */
function threshold(value: number | null | undefined): number | undefined {
  return value === undefined || value === null ? undefined : Math.fround(value);
}

function checkLevel(query: ScoringQuery | undefined, prefetches: number, scoreThreshold: unknown, root: boolean): void {
  if (prefetches > 0 && query === undefined) {
    throw root
      ? errors.badRequest("A query is needed to merge the prefetches. Can't have prefetches without defining a query.")
      : errors.wrongInput('Validation failed: cannot have prefetches without a query');
  }
  if (scoreThreshold !== undefined && scoreThreshold !== null) {
    if (typeof scoreThreshold !== 'number' || !Number.isFinite(scoreThreshold)) throw errors.validation('score_threshold: expected a number');
    if (query?.kind === 'order_by') throw errors.badRequest("Can't use score_threshold with an order_by query.");
    if (query === undefined) {
      throw errors.badRequest("A query is needed to use the score_threshold. Can't have score_threshold without defining a query.");
    }
  }
  if (prefetches === 0 && query?.kind === 'fusion') throw errors.wrongInput('Validation failed: cannot apply Fusion without prefetches');
  if (prefetches === 0 && query?.kind === 'formula') throw errors.wrongInput('Validation failed: cannot apply Formula without prefetches');
}

/** Both filters must hold: a filter is itself a condition, so the pair nests under one `must`. */
export function mergeFilters(a: Schemas['Filter'] | undefined, b: Schemas['Filter'] | undefined): Schemas['Filter'] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { must: [a, b] } as Schemas['Filter'];
}
