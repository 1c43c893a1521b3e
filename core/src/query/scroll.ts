import type { Schemas } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { comparePointKeys, parsePointId } from '../segment/id-tracker.js';
import { bindFilter } from './point-filter.js';
import { type QueryContext, pageArgs, shaper, toRecord } from './query-context.js';

/**
 * points/scroll: live points in id order (integers, then UUIDs) from `offset` (an id, inclusive), `limit` of them,
 * and the id to continue from (`next_page_offset`, null at the end). With `order_by`, points come in the order of a
 * payload field's range index instead, and there is no next page offset, as in Qdrant.
 */
export function runScroll(ctx: QueryContext, req: Schemas['ScrollRequest']): Schemas['ScrollResult'] {
  const { limit } = pageArgs(req.limit, 0);
  const shape = shaper(ctx, req.with_payload, req.with_vector ?? (req as { with_vectors?: Schemas['WithVector'] }).with_vectors, true);
  const filter = bindFilter(ctx.segment, req.filter);
  const ids = ctx.segment.ids;
  if (req.order_by !== undefined && req.order_by !== null) return orderedScroll(ctx, req, limit, shape, filter);
  const sorted = ids.sortedLive();
  let start = 0;
  if (req.offset !== undefined && req.offset !== null) {
    const from = parsePointId(req.offset);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (comparePointKeys(ids.externalOf(sorted[mid]!), from) < 0) lo = mid + 1;
      else hi = mid;
    }
    start = lo;
  }
  const points: Schemas['Record'][] = [];
  for (let i = start; i < sorted.length; i++) {
    const id = sorted[i]!;
    if (filter !== undefined && !filter.matches(id)) continue;
    if (points.length === limit) return { points, next_page_offset: ids.externalOf(id) };
    points.push(toRecord(ctx, id, shape));
  }
  return { points, next_page_offset: null };
}

function orderedScroll(
  ctx: QueryContext,
  req: Schemas['ScrollRequest'],
  limit: number,
  shape: ReturnType<typeof shaper>,
  filter: ReturnType<typeof bindFilter>,
): Schemas['ScrollResult'] {
  const orderBy = (typeof req.order_by === 'string' ? { key: req.order_by } : req.order_by!) as Schemas['OrderBy'];
  if (req.offset !== undefined && req.offset !== null) {
    throw errors.wrongInput(
      "Cannot use an `offset` when using `order_by`. The alternative for paging is to use `order_by.start_from` and a filter to exclude the IDs that you've already seen for the `order_by.start_from` value",
    );
  }
  const direction = orderBy.direction ?? 'asc';
  if (direction !== 'asc' && direction !== 'desc') throw errors.validation('order_by.direction: expected asc or desc');
  const indexes = ctx.segment.indexes;
  const startFrom = (orderBy.start_from ?? undefined) as number | string | undefined;
  const points: Schemas['Record'][] = [];
  const ids = ctx.segment.ids;
  for (const { id, value } of indexes.orderBy(orderBy.key, direction, startFrom, ctx.segment)) {
    if (points.length === limit) break;
    if (!ids.isLive(id) || (filter !== undefined && !filter.matches(id))) continue;
    points.push({ ...toRecord(ctx, id, shape), order_value: value });
  }
  return { points, next_page_offset: null };
}

/** points/count: exact always (an estimate is no cheaper to produce correctly for one in-memory segment). */
export function runCount(ctx: QueryContext, req: Schemas['CountRequest']): Schemas['CountResult'] {
  const filter = bindFilter(ctx.segment, req.filter);
  const ids = ctx.segment.ids;
  if (filter === undefined) return { count: ids.liveCount };
  let count = 0;
  if (filter.candidates !== undefined) {
    for (const id of filter.candidates) if (ids.isLive(id) && filter.matches(id)) count++;
  } else {
    for (let id = 0; id < ids.capacity; id++) if (ids.isLive(id) && filter.matches(id)) count++;
  }
  return { count };
}

/** points/facet: counts of the values of an indexed payload field among the points that pass the filter. */
export function runFacet(ctx: QueryContext, req: Schemas['FacetRequest']): Schemas['FacetResponse'] {
  const { limit } = pageArgs(req.limit, 0);
  if (typeof req.key !== 'string') throw errors.validation('key: expected a payload key');
  const filter = bindFilter(ctx.segment, req.filter);
  const ids = ctx.segment.ids;
  const predicate = (id: number) => ids.isLive(id) && (filter === undefined || filter.matches(id));
  const hits = ctx.segment.indexes.facet(req.key, predicate, ctx.segment, limit, req.exact ?? false);
  return { hits: [...hits] as Schemas['FacetValueHit'][] };
}
