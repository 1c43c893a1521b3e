import { errors } from '@sextant/core';
import { HttpStatusError } from '../envelope.js';
import type { Handler } from '../route-context.js';

/**
 * Cluster endpoints as Qdrant answers them in standalone mode: consensus is disabled, every collection is one local
 * shard (id 0) on this peer, and requests to change the topology are refused with 405.
 */
const standalone = () => {
  throw new HttpStatusError(405, 'Method not allowed: Distributed mode disabled, the server is running in standalone mode');
};

export const clusterHandlers: Record<string, Handler> = {
  cluster_status: async () => ({ status: 'disabled' }),
  cluster_telemetry: async ({ client }) => {
    // Every collection is local; the distributed view of a standalone node lists each with its one shard.
    const { collections } = await client.getCollections();
    return { collections: Object.fromEntries(collections.map(({ name }) => [name, { id: name }])), cluster: null };
  },
  recover_current_peer: async () => standalone(),
  remove_peer: async () => standalone(),
  update_collection_cluster: async ({ client, params }) => {
    await client.getCollection(params['collection_name']!);
    return standalone();
  },
  collection_cluster_info: async ({ client, params, services }) => {
    const info = await client.getCollection(params['collection_name']!);
    return {
      peer_id: services.peerId,
      shard_count: 1,
      local_shards: [{ shard_id: 0, points_count: info.points_count ?? 0, state: 'Active' }],
      remote_shards: [],
      shard_transfers: [],
    };
  },
  list_shard_keys: async ({ client, params }) => {
    await client.getCollection(params['collection_name']!);
    return { shard_keys: null };
  },
  create_shard_key: async ({ client, params }) => {
    await client.getCollection(params['collection_name']!);
    throw errors.badRequest(`Shard keys can only be created in collections with the \`custom\` sharding method; \`${params['collection_name']}\` uses \`auto\``);
  },
  delete_shard_key: async ({ client, params }) => {
    await client.getCollection(params['collection_name']!);
    throw errors.badRequest(`Shard keys can only be deleted in collections with the \`custom\` sharding method; \`${params['collection_name']}\` uses \`auto\``);
  },
};
