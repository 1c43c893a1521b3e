import { errors } from '../client/errors.js';
import type { SparseValue } from '../collection/operations.js';
import { higherIsBetter } from '../distance/distance.js';
import { fusePrefetches } from './advanced/fusion-query.js';
import { sampleFrom } from './advanced/sample-random.js';
import { denseExampleScan } from './example-scan.js';
import { mmrRescore } from './mmr-rescore.js';
import { formulaRescore } from './formula-rescore.js';
import { searchNearest } from './nearest.js';
import { bindFilter, matchingIds, type BoundFilter } from './point-filter.js';
import { pointScorer, slotOf, type PointScorer, type VectorQuery } from './point-scorer.js';
import type { QueryContext } from './query-context.js';
import type { PlanLevel, QueryPlan } from './query-plan.js';
import { sparseIdf } from './sparse-idf.js';
import { TopK } from './top-k.js';

/**
 * A point found by one level: its internal id and score, plus the payload value it was ordered by for
 * `order_by` levels. Lists are best first in the level's own order.
 */
export interface Hit {
  id: number;
  score: number;
  orderValue?: number;
}

/** Runs a planned query tree and returns the root's hits with the offset already cut. */
export function runPlan(ctx: QueryContext, plan: QueryPlan): Hit[] {
  return runLevel(ctx, plan.root, plan.exclude).slice(plan.offset);
}

/**
 * One level: a leaf runs its query over the whole segment (through the filter); a level with prefetches runs
 * them first and then rescores the union of what they found, as Qdrant's `rescore` does.
 */
export function runLevel(ctx: QueryContext, level: PlanLevel, exclude: Set<number>): Hit[] {
  if (level.prefetch.length === 0) return runLeaf(ctx, level, exclude);
  const sources = level.prefetch.map((p) => runLevel(ctx, p, exclude));
  return rescore(ctx, level, sources);
}

function runLeaf(ctx: QueryContext, level: PlanLevel, exclude: Set<number>): Hit[] {
  const segment = ctx.segment;
  const filter = bindFilter(segment, level.filter);
  const accept = (id: number) => segment.ids.isLive(id) && !exclude.has(id) && (filter === undefined || filter.matches(id));
  const q = level.query;
  const limit = level.limit;
  if (q === undefined) {
    // No query: points in id order, score 0 (a scroll).
    const out: Hit[] = [];
    for (const id of segment.ids.sortedLive()) {
      if (out.length === limit) break;
      if (accept(id)) out.push({ id, score: 0 });
    }
    return out;
  }
  switch (q.kind) {
    case 'nearest': {
      if (q.mmr !== undefined) {
        const candidates = nearestLeaf(ctx, level, q, filter, exclude, q.mmr.candidatesLimit);
        return mmrRescore(ctx, q, candidates, limit);
      }
      return nearestLeaf(ctx, level, q, filter, exclude, limit);
    }
    case 'best_score':
    case 'sum_scores':
    case 'discover':
    case 'context':
    case 'relevance_feedback': {
      // Exact: every matching point with the vector is scored (Qdrant walks the graph with the custom scorer).
      const slot = slotOf(segment, q.using);
      const selective = filter?.candidates !== undefined && filter.candidates.length * 8 < segment.ids.capacity;
      if (slot.kind === 'dense' && !selective) return denseExampleScan(slot, q, accept, limit, level.scoreThreshold);
      return topOf(pointScorer(segment, q), matchingIds(segment, filter).filter((id) => !exclude.has(id)), limit, level.scoreThreshold);
    }
    case 'order_by':
      return orderedHits(ctx, q.orderBy, accept, limit);
    case 'sample':
      return sampleFrom(matchingIds(segment, filter).filter((id) => !exclude.has(id)), limit).map((id) => ({ id, score: 0 }));
    case 'fusion':
    case 'formula':
      throw errors.wrongInput(`Validation failed: cannot apply ${q.kind === 'fusion' ? 'Fusion' : 'Formula'} without prefetches`);
  }
}

function nearestLeaf(
  ctx: QueryContext,
  level: PlanLevel,
  q: Extract<VectorQuery, { kind: 'nearest' }>,
  filter: BoundFilter | undefined,
  exclude: Set<number>,
  k: number,
): Hit[] {
  const slot = slotOf(ctx.segment, q.using);
  const params = level.params ?? {};
  if (params.hnsw_ef !== undefined && params.hnsw_ef !== null && (!Number.isInteger(params.hnsw_ef) || params.hnsw_ef < 0)) {
    throw errors.validation('params.hnsw_ef: must be a non-negative integer');
  }
  const idf = sparseIdf(slot);
  const vector = idf !== undefined ? idf.weighValue(q.vector as SparseValue) : q.vector;
  const result = ctx.presearched?.get(level) ?? searchNearest(ctx.segment, {
    slot,
    vector,
    filter,
    k,
    hnswEf: params.hnsw_ef ?? undefined,
    exact: params.exact ?? false,
    exclude: exclude.size > 0 ? exclude : undefined,
    quantization: params.quantization,
    acorn: params.acorn,
    indexedOnly: params.indexed_only ?? undefined,
  });
  const higher = slot.kind === 'sparse' ? true : higherIsBetter(slot.spec.distance);
  const out: Hit[] = [];
  for (let i = 0; i < result.ids.length; i++) {
    const score = result.scores[i]!;
    if (!passes(score, level.scoreThreshold, higher)) continue;
    out.push({ id: result.ids[i]!, score });
  }
  return out;
}

function rescore(ctx: QueryContext, level: PlanLevel, sources: Hit[][]): Hit[] {
  const q = level.query!;
  const limit = level.limit;
  switch (q.kind) {
    case 'fusion':
      return fusePrefetches(q.fusion, sources, level.scoreThreshold).slice(0, limit);
    case 'formula':
      return formulaRescore(ctx, q.parsed, sources, limit, level.scoreThreshold);
    case 'order_by': {
      const ids = unionIds(ctx, sources);
      const set = new Set(ids);
      return orderedHits(ctx, q.orderBy, (id) => set.has(id), limit);
    }
    case 'sample':
      return sampleFrom(unionIds(ctx, sources), limit).map((id) => ({ id, score: 0 }));
    case 'nearest': {
      if (q.mmr !== undefined) {
        const candidates = topOf(scorerFor(ctx, q), unionIds(ctx, sources), q.mmr.candidatesLimit, level.scoreThreshold);
        return mmrRescore(ctx, q, candidates, limit);
      }
      return topOf(scorerFor(ctx, q), unionIds(ctx, sources), limit, level.scoreThreshold);
    }
    default:
      return topOf(pointScorer(ctx.segment, q), unionIds(ctx, sources), limit, level.scoreThreshold);
  }
}

function scorerFor(ctx: QueryContext, q: VectorQuery): PointScorer {
  return pointScorer(ctx.segment, q, sparseIdf(slotOf(ctx.segment, q.using)));
}

/** Distinct live ids of all source lists, in first-seen order. */
function unionIds(ctx: QueryContext, sources: Hit[][]): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const list of sources) {
    for (const hit of list) {
      if (seen.has(hit.id) || !ctx.segment.ids.isLive(hit.id)) continue;
      seen.add(hit.id);
      out.push(hit.id);
    }
  }
  return out;
}

/** Best `limit` of `ids` by `scorer` (only ids with the vector), keeping those that pass the threshold. */
function topOf(scorer: PointScorer, ids: Iterable<number>, limit: number, threshold: number | undefined): Hit[] {
  const top = new TopK(limit, scorer.higher);
  for (const id of ids) {
    if (!scorer.has(id)) continue;
    const score = scorer.score(id);
    if (passes(score, threshold, scorer.higher)) top.push(id, score);
  }
  const { ids: best, scores } = top.result();
  return Array.from(best, (id, i) => ({ id, score: scores[i]! }));
}

/** `score_threshold`: a lower bound for similarities, an upper bound for distances. */
export function passes(score: number, threshold: number | undefined, higher: boolean): boolean {
  if (threshold === undefined) return true;
  return higher ? score >= threshold : score <= threshold;
}

/** `order_by`: points in the order of a payload field's range index, score 0 and the value they were ordered by. */
function orderedHits(
  ctx: QueryContext,
  orderBy: { key: string; direction?: unknown; start_from?: unknown },
  accept: (id: number) => boolean,
  limit: number,
): Hit[] {
  const out: Hit[] = [];
  const startFrom = (orderBy.start_from ?? undefined) as number | string | undefined;
  for (const { id, value } of ctx.segment.indexes.orderBy(orderBy.key, orderBy.direction === 'desc' ? 'desc' : 'asc', startFrom, ctx.segment)) {
    if (out.length === limit) break;
    if (ctx.segment.ids.isLive(id) && accept(id)) out.push({ id, score: 0, orderValue: value });
  }
  return out;
}
