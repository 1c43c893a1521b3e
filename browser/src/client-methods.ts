import type { SextantClient } from '@sextant/core';

/**
 * Every method of `SextantClient`, at run time: the page builds its proxy from this list and the worker refuses
 * any other name. The type below fails to compile when the interface gains a method that is missing here.
 */
export const CLIENT_METHODS = [
  'createCollection',
  'recreateCollection',
  'getCollection',
  'getCollections',
  'collectionExists',
  'updateCollection',
  'deleteCollection',
  'updateCollectionAliases',
  'getCollectionAliases',
  'getAliases',
  'upsert',
  'retrieve',
  'delete',
  'updateVectors',
  'deleteVectors',
  'setPayload',
  'overwritePayload',
  'deletePayload',
  'clearPayload',
  'batchUpdate',
  'createPayloadIndex',
  'deletePayloadIndex',
  'query',
  'queryBatch',
  'queryGroups',
  'scroll',
  'count',
  'facet',
  'searchMatrixPairs',
  'searchMatrixOffsets',
  'search',
  'searchBatch',
  'searchPointGroups',
  'recommend',
  'recommendBatch',
  'recommendPointGroups',
  'discoverPoints',
  'discoverBatchPoints',
] as const satisfies readonly (keyof SextantClient)[];

type Missing = Exclude<keyof SextantClient, (typeof CLIENT_METHODS)[number]>;
// Compile-time completeness check: `never` unless a method of SextantClient is not listed above.
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;

/** Methods that change stored data; after them the owner tells every tab that the database changed. */
export const WRITE_METHODS: ReadonlySet<string> = new Set<(typeof CLIENT_METHODS)[number]>([
  'createCollection',
  'recreateCollection',
  'updateCollection',
  'deleteCollection',
  'updateCollectionAliases',
  'upsert',
  'delete',
  'updateVectors',
  'deleteVectors',
  'setPayload',
  'overwritePayload',
  'deletePayload',
  'clearPayload',
  'batchUpdate',
  'createPayloadIndex',
  'deletePayloadIndex',
]);

const ALL: ReadonlySet<string> = new Set(CLIENT_METHODS);

export function isClientMethod(name: unknown): name is (typeof CLIENT_METHODS)[number] {
  return typeof name === 'string' && ALL.has(name);
}
