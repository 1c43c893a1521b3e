import { SextantError } from '@sextant/core';
import { writeParams, type Handler, type RestClient } from '../route-context.js';

/** Collections, aliases, payload indexes and named vectors: the `collections` and `aliases` tags of the spec. */
export const collectionHandlers: Record<string, Handler> = {
  get_collections: ({ client }) => client.getCollections(),
  get_collection: ({ client, params }) => client.getCollection(params['collection_name']!),
  collection_exists: ({ client, params }) => client.collectionExists(params['collection_name']!),
  create_collection: ({ client, params, body, query }) =>
    client.createCollection(params['collection_name']!, { ...body, ...timeoutOnly(query) }),
  update_collection: ({ client, params, body, query }) =>
    client.updateCollection(params['collection_name']!, { ...body, ...timeoutOnly(query) }),
  delete_collection: ({ client, params, query }) => client.deleteCollection(params['collection_name']!, timeoutOnly(query)),

  update_aliases: ({ client, body, query }) => client.updateCollectionAliases({ ...body, ...timeoutOnly(query) }),
  get_collection_aliases: ({ client, params }) => client.getCollectionAliases(params['collection_name']!),
  get_collections_aliases: ({ client }) => client.getAliases(),

  create_field_index: ({ client, params, body, query }) =>
    client.createPayloadIndex(params['collection_name']!, { ...body, ...writeParams(query) }),
  delete_field_index: ({ client, params, query }) =>
    client.deletePayloadIndex(params['collection_name']!, params['field_name']!, writeParams(query)),

  create_vector_name: ({ client, params, body, query }) =>
    optional(client, 'createVectorName')(params['collection_name']!, params['vector_name']!, body, writeParams(query)),
  delete_vector_name: ({ client, params, query }) =>
    optional(client, 'deleteVectorName')(params['collection_name']!, params['vector_name']!, writeParams(query)),

  get_optimizations: async ({ client, params, query }) => {
    const name = params['collection_name']!;
    if (client.getOptimizations) return client.getOptimizations(name, optimizationParams(query));
    // An engine without background optimizers has none running or queued; the collection must still exist.
    await client.getCollection(name);
    return { summary: { queued_optimizations: 0, queued_segments: 0, queued_points: 0, idle_segments: 0 }, running: [] };
  },
};

/** `?with=queued,completed,idle_segments&completed_limit=N` of get_optimizations. */
function optimizationParams(query: Record<string, unknown>): { with?: string; completed_limit?: number } {
  const out: { with?: string; completed_limit?: number } = {};
  if (typeof query['with'] === 'string') out.with = query['with'];
  if (query['completed_limit'] !== undefined) out.completed_limit = Number(query['completed_limit']);
  return out;
}

function timeoutOnly(query: Record<string, unknown>): { timeout?: number } {
  return query['timeout'] === undefined ? {} : { timeout: query['timeout'] as number };
}

/** Methods newer than `SextantClient`: called when the engine has them, else Qdrant's answer for an unknown call. */
function optional<K extends 'createVectorName' | 'deleteVectorName'>(client: RestClient, method: K): NonNullable<RestClient[K]> {
  const fn = client[method];
  if (typeof fn !== 'function') {
    throw new SextantError('not_implemented', `Not implemented: this server's engine does not support ${method}`);
  }
  return fn.bind(client) as NonNullable<RestClient[K]>;
}
