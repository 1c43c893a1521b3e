import type { Schemas, Schemas118 } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { type QueryContext, shaper, toScoredPoint } from './query-context.js';
import { planQuery } from './query-plan.js';
import { runPlan, type Hit } from './run-plan.js';

/** The 1.18 search body; `limit` is optional in the client's signature (default 10). */
export type LegacySearch = Omit<Schemas118['SearchRequest'], 'limit'> & { limit?: number | null };

/**
 * points/query: the whole Query API. The request is planned (ids resolved to vectors, filters propagated into
 * prefetches, examples excluded), run level by level, and the root's hits shaped into Qdrant's scored points.
 */
export function runQuery(ctx: QueryContext, req: Schemas['QueryRequest']): Schemas['ScoredPoint'][] {
  const plan = planQuery(ctx, req);
  return toScoredPoints(ctx, runPlan(ctx, plan), req.with_payload, req.with_vector);
}

export function toScoredPoints(ctx: QueryContext, hits: Hit[], withPayload: unknown, withVector: unknown): Schemas['ScoredPoint'][] {
  const shape = shaper(ctx, withPayload, withVector, false);
  return hits.map((h) => {
    const point = toScoredPoint(ctx, h.id, h.score, shape);
    if (h.orderValue !== undefined) point.order_value = h.orderValue;
    return point;
  });
}

/** The 1.18 search as the query it is: nearest to `vector` (an array, `{name, vector}` or a named sparse vector). */
export function searchAsQuery(req: LegacySearch): Schemas['QueryRequest'] {
  const raw = req.vector as unknown;
  let using = '';
  let vector: unknown = raw;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'name' in raw && 'vector' in raw) {
    using = String(raw.name);
    vector = raw.vector;
  }
  return {
    query: vector as Schemas['QueryInterface'],
    using,
    filter: req.filter,
    params: req.params,
    limit: req.limit,
    offset: req.offset,
    score_threshold: req.score_threshold,
    with_payload: req.with_payload,
    with_vector: req.with_vector ?? (req as { with_vectors?: Schemas['WithVector'] }).with_vectors,
  } as Schemas['QueryRequest'];
}

export function runSearch(ctx: QueryContext, req: LegacySearch): Schemas['ScoredPoint'][] {
  if (req.vector === undefined || req.vector === null) throw errors.validation('vector: field required');
  return runQuery(ctx, searchAsQuery(req));
}
