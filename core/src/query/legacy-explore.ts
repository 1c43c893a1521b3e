import type { Schemas, Schemas118 } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { searchAsQuery, type LegacySearch } from './run-query.js';

/**
 * The 1.18 explore calls (search/groups, recommend, recommend/groups, discover) expressed as the Query API
 * requests Qdrant v1.19 itself turns them into, so they share one executor and cannot drift from `query`.
 */

type Legacy<K extends keyof Schemas118> = Omit<Schemas118[K], 'limit'> & { limit?: number | null };

/** Fields every legacy call carries over unchanged. */
function common(req: Record<string, unknown>): Partial<Schemas['QueryRequest']> {
  const out: Record<string, unknown> = {};
  for (const key of ['filter', 'params', 'limit', 'offset', 'score_threshold', 'with_payload', 'lookup_from']) {
    if (req[key] !== undefined) out[key] = req[key];
  }
  out['with_vector'] = req['with_vector'] ?? req['with_vectors'];
  if (typeof req['using'] === 'string') out['using'] = req['using'];
  return out as Partial<Schemas['QueryRequest']>;
}

export function recommendAsQuery(req: Legacy<'RecommendRequest'>): Schemas['QueryRequest'] {
  if (req === null || typeof req !== 'object') throw errors.validation('expected a recommend request');
  return {
    ...common(req as Record<string, unknown>),
    query: { recommend: { positive: req.positive ?? [], negative: req.negative ?? [], strategy: req.strategy ?? 'average_vector' } },
  } as Schemas['QueryRequest'];
}

export function discoverAsQuery(req: Legacy<'DiscoverRequest'>): Schemas['QueryRequest'] {
  if (req === null || typeof req !== 'object') throw errors.validation('expected a discover request');
  const context = (req.context ?? []) as Schemas['ContextPair'][];
  // Without a target, discovery is a context search.
  const query = req.target === undefined || req.target === null ? { context } : { discover: { target: req.target, context } };
  return { ...common(req as Record<string, unknown>), query } as Schemas['QueryRequest'];
}

type GroupsFields = Pick<Schemas['QueryGroupsRequest'], 'group_by' | 'group_size' | 'with_lookup'>;

function groupsFields(req: Record<string, unknown>): GroupsFields {
  const out: Record<string, unknown> = { group_by: req['group_by'] };
  if (req['group_size'] !== undefined) out['group_size'] = req['group_size'];
  if (req['with_lookup'] !== undefined) out['with_lookup'] = req['with_lookup'];
  return out as GroupsFields;
}

export function searchGroupsAsQuery(req: Legacy<'SearchGroupsRequest'>): Schemas['QueryGroupsRequest'] {
  const { offset: _o, ...query } = searchAsQuery(req as unknown as LegacySearch);
  return { ...query, ...groupsFields(req as Record<string, unknown>), limit: req.limit ?? undefined } as Schemas['QueryGroupsRequest'];
}

export function recommendGroupsAsQuery(req: Legacy<'RecommendGroupsRequest'>): Schemas['QueryGroupsRequest'] {
  const { offset: _o, ...query } = recommendAsQuery(req as unknown as Legacy<'RecommendRequest'>);
  return { ...query, ...groupsFields(req as Record<string, unknown>) } as Schemas['QueryGroupsRequest'];
}
