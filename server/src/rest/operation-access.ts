import type { Requirement } from '../security/access.js';

/**
 * What each REST operation needs, following Qdrant's RBAC: changing what collections exist or how they are
 * configured, aliases, snapshot recovery and cluster changes need global manage; point and index writes and
 * collection snapshots need write access to their collection; everything else reads. Node-wide reports (telemetry,
 * metrics, full snapshots) need global access, so a collection-scoped token cannot see other collections in them.
 */
const GLOBAL_MANAGE = new Set([
  'create_collection', 'update_collection', 'delete_collection', 'update_aliases', 'create_vector_name', 'delete_vector_name',
  'recover_from_snapshot', 'recover_from_uploaded_snapshot', 'recover_shard_from_snapshot', 'recover_shard_from_uploaded_snapshot',
  'create_full_snapshot', 'delete_full_snapshot', 'recover_current_peer', 'remove_peer', 'update_collection_cluster',
  'create_shard_key', 'delete_shard_key', 'update_quotas', 'clear_issues',
]);

const GLOBAL_READ = new Set([
  'telemetry', 'metrics', 'cluster_status', 'cluster_telemetry', 'get_issues', 'get_quotas', 'list_full_snapshots', 'get_full_snapshot',
]);

/** Answers filtered to the collections the caller may read (see `readableCollections`). */
export const FILTERED_LISTS = new Set(['get_collections', 'get_collections_aliases']);

const COLLECTION_WRITES = new Set([
  'upsert_points', 'delete_points', 'update_vectors', 'delete_vectors', 'set_payload', 'overwrite_payload', 'delete_payload',
  'clear_payload', 'batch_update', 'create_field_index', 'delete_field_index', 'create_snapshot', 'delete_snapshot',
  'create_shard_snapshot', 'delete_shard_snapshot',
]);

/** Operations that change nothing: every GET, and the POSTs that only read. */
const READ_POSTS = new Set([
  'get_points', 'scroll_points', 'count_points', 'facet', 'query_points', 'query_batch_points', 'query_points_groups',
  'search_matrix_pairs', 'search_matrix_offsets', 'search_points', 'search_batch_points', 'search_point_groups',
  'recommend_points', 'recommend_batch_points', 'recommend_point_groups', 'discover_points', 'discover_batch_points',
]);

export function isReadOperation(method: string, operationId: string): boolean {
  return method === 'GET' || READ_POSTS.has(operationId);
}

/**
 * The requirement of `operationId`. Operations outside Qdrant's API (sync endpoints) pass the method that says
 * whether they write, and name their collection in `collection_name` or `name`.
 */
export function requirementOf(method: string, operationId: string, params: Record<string, string> | undefined): Requirement {
  if (GLOBAL_MANAGE.has(operationId)) return { manage: true };
  if (FILTERED_LISTS.has(operationId)) return { anyAccess: true };
  if (GLOBAL_READ.has(operationId)) return {};
  const collection = params?.['collection_name'] ?? params?.['name'];
  const write = COLLECTION_WRITES.has(operationId) || !isReadOperation(method, operationId);
  // A collection-less operation not listed above is a global one: any global access reads, manage writes.
  if (collection === undefined) return write ? { manage: true } : {};
  return { collection, write };
}
