import type { Schemas, Schemas118 } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { checkVector } from '../collection/vector-input.js';
import { parsePointId } from '../segment/id-tracker.js';
import { higherIsBetter } from '../distance/distance.js';
import type { VectorValue } from '../collection/operations.js';
import { searchNearest } from './nearest.js';
import { bindFilter } from './point-filter.js';
import { type QueryContext, pageArgs, shaper, toScoredPoint } from './query-context.js';

/** Query kinds that a later issue implements; until then they are refused rather than answered wrongly. */
const LATER = ['recommend', 'discover', 'context', 'order_by', 'fusion', 'rrf', 'formula', 'sample'] as const;

const notYet = (what: string) => errors.badRequest(`${what} is not supported yet by Sextant`);

/** The 1.18 search body; `limit` is optional in the client's signature (default 10). */
type LegacySearch = Omit<Schemas118['SearchRequest'], 'limit'> & { limit?: number | null };

/** The nearest-neighbour core shared by `query` and the legacy `search`. */
interface NearestPlan {
  using: string;
  vector: VectorValue | undefined;
  /** Internal id of the point the query was taken from (by-id queries): never part of its own results. */
  self?: number;
}

/** points/query: nearest by vector or by point id; no query = points in id order with score 0. */
export function runQuery(ctx: QueryContext, req: Schemas['QueryRequest']): Schemas['ScoredPoint'][] {
  if (req.prefetch !== undefined && req.prefetch !== null && (!Array.isArray(req.prefetch) || req.prefetch.length > 0)) {
    throw notYet('prefetch');
  }
  if (req.lookup_from) throw notYet('lookup_from');
  const using = req.using ?? '';
  let query: unknown = req.query;
  if (query !== null && typeof query === 'object' && !Array.isArray(query)) {
    if ('nearest' in query) {
      if ('mmr' in query && query.mmr) throw notYet('mmr');
      query = query.nearest;
    } else {
      for (const kind of LATER) if (kind in query) throw notYet(`query \`${kind}\``);
    }
  }
  const plan: NearestPlan = { using, vector: undefined };
  if (typeof query === 'number' || typeof query === 'string') {
    const id = ctx.segment.ids.internalOf(parsePointId(query));
    if (id === undefined) throw errors.pointNotFound(query);
    const stored = ctx.segment.readVectors(id)[using];
    if (stored === undefined) throw errors.wrongInput(`Point ${query} has no vector \`${using}\``);
    plan.vector = stored;
    plan.self = id;
  } else if (query !== undefined && query !== null) {
    plan.vector = checkVector(ctx.specs, using, query, 'query');
  }
  return execute(ctx, plan, req);
}

/** The 1.18 search: `vector` as an array, `{name, vector}` or a named sparse vector. */
export function runSearch(ctx: QueryContext, req: LegacySearch): Schemas['ScoredPoint'][] {
  const raw = req.vector as unknown;
  let using = '';
  let vector: unknown = raw;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'name' in raw && 'vector' in raw) {
    using = String(raw.name);
    vector = raw.vector;
  }
  const plan: NearestPlan = { using, vector: checkVector(ctx.specs, using, vector, 'vector') };
  return execute(ctx, plan, { ...req, with_vector: req.with_vector ?? (req as { with_vectors?: Schemas['WithVector'] }).with_vectors } as Schemas['QueryRequest']);
}

function execute(
  ctx: QueryContext,
  plan: NearestPlan,
  req: Pick<Schemas['QueryRequest'], 'filter' | 'limit' | 'offset' | 'params' | 'score_threshold' | 'with_payload' | 'with_vector'>,
): Schemas['ScoredPoint'][] {
  const { limit, offset } = pageArgs(req.limit, req.offset);
  const shape = shaper(ctx, req.with_payload, req.with_vector, false);
  const filter = bindFilter(ctx.segment, req.filter);
  if (plan.vector === undefined) {
    // Walk the id-ordered live list (cached by the id tracker) and stop at the page end.
    const out: Schemas['ScoredPoint'][] = [];
    let skipped = 0;
    for (const id of ctx.segment.ids.sortedLive()) {
      if (out.length === limit) break;
      if (filter !== undefined && !filter.matches(id)) continue;
      if (skipped++ < offset) continue;
      out.push(toScoredPoint(ctx, id, 0, shape));
    }
    return out;
  }
  const slot = ctx.segment.slots.get(plan.using);
  if (slot === undefined) throw errors.vectorNameNotFound(plan.using);
  const params = (req.params ?? {}) as Schemas['SearchParams'];
  if (params.hnsw_ef !== undefined && params.hnsw_ef !== null && (!Number.isInteger(params.hnsw_ef) || params.hnsw_ef < 0)) {
    throw errors.validation('params.hnsw_ef: must be a non-negative integer');
  }
  const result = searchNearest(ctx.segment, {
    slot,
    vector: plan.vector,
    filter,
    k: limit + offset,
    hnswEf: params.hnsw_ef ?? undefined,
    exact: params.exact ?? false,
    exclude: plan.self === undefined ? undefined : new Set([plan.self]),
  });
  const higher = slot.kind === 'sparse' ? true : higherIsBetter(slot.spec.distance);
  const threshold = req.score_threshold;
  const out: Schemas['ScoredPoint'][] = [];
  for (let i = offset; i < result.ids.length; i++) {
    const score = result.scores[i]!;
    if (threshold !== undefined && threshold !== null && (higher ? score < threshold : score > threshold)) continue;
    out.push(toScoredPoint(ctx, result.ids[i]!, score, shape));
  }
  return out;
}
