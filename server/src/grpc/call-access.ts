import type { Requirement } from '../security/access.js';

/**
 * What each rpc needs, by the same RBAC rules as REST (rest/operation-access.ts): changing which collections exist,
 * their config, aliases, shard keys and full snapshots need global manage; point and index writes and collection
 * snapshots need write access to their collection; the collection and alias lists are open to any caller and then
 * filtered to what it may read (`FILTERED_RPCS`); everything else reads the collection named in the request.
 * Keys are `Service/Method` with the service's short name.
 */
const GLOBAL_MANAGE = new Set([
  'Collections/Create', 'Collections/Update', 'Collections/Delete', 'Collections/UpdateAliases',
  'Collections/UpdateCollectionClusterSetup', 'Collections/CreateShardKey', 'Collections/DeleteShardKey',
  'Points/CreateVectorName', 'Points/DeleteVectorName', 'Snapshots/CreateFull', 'Snapshots/DeleteFull',
]);

const GLOBAL_READ = new Set(['Snapshots/ListFull']);

/** Answers filtered to the collections the caller may read (see `readableCollections`). */
export const FILTERED_RPCS = new Set(['Collections/List', 'Collections/ListAliases']);

const COLLECTION_WRITES = new Set(['Snapshots/Create', 'Snapshots/Delete']);

/**
 * The requirement of one call. `write` is the service's own verdict (its read-only list); `request` is the decoded
 * message, whose `collectionName` names the collection for every collection-scoped rpc of Qdrant's services.
 */
export function requirementOfCall(service: string, method: string, write: boolean, request: unknown): Requirement {
  const key = `${service.replace(/^qdrant\./, '')}/${method}`;
  if (GLOBAL_MANAGE.has(key)) return { manage: true };
  if (FILTERED_RPCS.has(key)) return { anyAccess: true };
  if (GLOBAL_READ.has(key)) return {};
  const name = (request as { collectionName?: unknown } | null)?.collectionName;
  const isWrite = write || COLLECTION_WRITES.has(key);
  // An rpc without a collection that is not listed above is a global one: global read for reads, manage for writes.
  if (typeof name !== 'string') return isWrite ? { manage: true } : {};
  return { collection: name, write: isWrite };
}
