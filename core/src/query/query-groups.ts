import type { Schemas } from '../client/sextant-client.js';
import { errors, SextantError } from '../client/errors.js';
import { payloadValuesAt } from './advanced/formula-eval.js';
import { DEFAULT_GROUP_SIZE, DEFAULT_GROUPS_LIMIT, groupHits, groupIdToPointId, toGroupsResult, type GroupId } from './advanced/groups.js';
import { type QueryContext, shaper, toRecord } from './query-context.js';
import { mergeFilters, planQuery } from './query-plan.js';
import { runPlan, type Hit } from './run-plan.js';
import { toScoredPoints } from './run-query.js';

type GroupsRequest = Schemas['QueryGroupsRequest'];

/**
 * points/query/groups (and, converted, search/groups and recommend/groups): runs the query with a growing limit
 * until `limit` groups of `group_size` hits are full or the query runs dry, then groups the best-first hits by the
 * values at `group_by`. Only points that have a value there are searched (a `must_not is_empty` is added to the
 * root filter, which the planner propagates into every prefetch).
 */
export function runQueryGroups(ctx: QueryContext, req: GroupsRequest): Schemas['GroupsResult'] {
  const groupBy = req.group_by;
  if (typeof groupBy !== 'string' || groupBy === '') throw errors.validation('group_by: expected a payload key');
  const groupSize = req.group_size ?? DEFAULT_GROUP_SIZE;
  const limit = req.limit ?? DEFAULT_GROUPS_LIMIT;
  if (!Number.isInteger(groupSize) || groupSize < 1) throw errors.validation(`group_size: value ${String(groupSize)} invalid, must be 1 or more`);
  if (!Number.isInteger(limit) || limit < 1) throw errors.validation(`limit: value ${String(limit)} invalid, must be 1 or more`);
  const filter = mergeFilters(req.filter ?? undefined, { must_not: [{ is_empty: { key: groupBy } }] } as Schemas['Filter']);
  const { with_lookup: withLookup, group_by: _g, group_size: _s, ...query } = req;
  const plan = planQuery(ctx, { ...query, filter, limit: limit * groupSize, offset: 0 } as Schemas['QueryRequest']);
  const payloads = ctx.segment.payloads;
  const keyValues = (hit: Hit) => {
    const payload = payloads.get(hit.id) as Record<string, unknown> | undefined;
    return payload === undefined ? undefined : payloadValuesAt(payload, groupBy);
  };
  // Widen the search until the groups are full or nothing more comes back (Qdrant's group-by loop).
  let groups;
  for (let k = limit * groupSize; ; k *= 2) {
    plan.root.limit = k;
    const hits = runPlan(ctx, plan);
    groups = groupHits(hits, { groupSize, limit, keyValues });
    const full = groups.length === limit && groups.every((g) => g.hits.length === groupSize);
    if (full || hits.length < k || k > ctx.segment.ids.liveCount) break;
  }
  const lookup = lookupFn(ctx, withLookup);
  const shape = (hit: Hit) => toScoredPoints(ctx, [hit], req.with_payload, req.with_vector)[0]!;
  return toGroupsResult(groups, shape, lookup) as Schemas['GroupsResult'];
}

function lookupFn(ctx: QueryContext, withLookup: GroupsRequest['with_lookup']): ((id: GroupId) => Schemas['Record'] | undefined) | undefined {
  if (withLookup === undefined || withLookup === null) return undefined;
  const spec = typeof withLookup === 'string' ? { collection: withLookup } : withLookup;
  if (typeof spec.collection !== 'string') throw errors.validation('with_lookup.collection: expected a collection name');
  let other: QueryContext;
  try {
    other = ctx.lookup(spec.collection);
  } catch (error) {
    // Qdrant's group lookup words its 404 apart from the usual one
    if (error instanceof SextantError && error.code === 'collection_not_found') {
      throw new SextantError('collection_not_found', `Not found: Collection ${spec.collection} not found`);
    }
    throw error;
  }
  // `with_vector` is Qdrant's alias of `with_vectors` here
  const withVectors = spec.with_vectors ?? (spec as { with_vector?: typeof spec.with_vectors }).with_vector ?? false;
  const shape = shaper(other, spec.with_payload ?? true, withVectors, true);
  return (groupId) => {
    const key = groupIdToPointId(groupId);
    if (key === undefined) return undefined;
    const id = other.segment.ids.internalOf(key);
    return id === undefined ? undefined : toRecord(other, id, shape);
  };
}
