import type { SextantClient } from '@sextant/core';
import { Collections } from '@sextant/proto';
import { status as Status } from '@grpc/grpc-js';
import { aliasActionFromProto, collectionInfoToProto, createCollectionFromProto, updateCollectionFromProto } from './convert/collections.js';
import { optNumber } from './convert/json-value.js';
import { readableCollections } from '../security/access.js';
import { GrpcStatusError } from './status.js';
import type { Handlers } from './unary.js';

/** rpcs a read-only key may call. */
export const collectionsReadOnly = new Set([
  'Get', 'List', 'ListCollectionAliases', 'ListAliases', 'CollectionClusterInfo', 'CollectionExists', 'ListShardKeys',
]);

/**
 * qdrant.Collections over the engine. Sextant runs standalone with one shard, so cluster rpcs answer what a
 * single-node Qdrant answers: cluster info describes the one local shard, and changes to the cluster setup or
 * shard keys are UNIMPLEMENTED ("distributed mode is disabled").
 */
export function collectionsHandlers(client: SextantClient): Handlers<(typeof Collections)['method']> {
  const distributedOnly = async (): Promise<never> => {
    throw new GrpcStatusError(Status.UNIMPLEMENTED, 'Distributed mode disabled: this operation needs a cluster');
  };
  return {
    get: async (request) => ({ result: collectionInfoToProto(await client.getCollection(request.collectionName)) }),
    // A collection-scoped key sees only its collections in both lists, as over REST.
    list: async (_request, context) => {
      const { collections } = await client.getCollections();
      const readable = readableCollections(context.access);
      return { collections: collections.filter((c) => readable?.has(c.name) ?? true).map((c) => ({ name: c.name })) };
    },
    create: async (request) => {
      const body = createCollectionFromProto(request);
      const result = await client.createCollection(request.collectionName, { ...body, timeout: optNumber(request.timeout) });
      return { result };
    },
    update: async (request) => {
      const body = updateCollectionFromProto(request);
      return { result: await client.updateCollection(request.collectionName, { ...body, timeout: optNumber(request.timeout) }) };
    },
    delete: async (request) => ({
      result: await client.deleteCollection(request.collectionName, { timeout: optNumber(request.timeout) }),
    }),
    updateAliases: async (request) => ({
      result: await client.updateCollectionAliases({
        actions: request.actions.map(aliasActionFromProto),
        timeout: optNumber(request.timeout),
      }),
    }),
    listCollectionAliases: async (request) => {
      const { aliases } = await client.getCollectionAliases(request.collectionName);
      return { aliases: aliases.map((a) => ({ aliasName: a.alias_name, collectionName: a.collection_name })) };
    },
    listAliases: async (_request, context) => {
      const { aliases } = await client.getAliases();
      const readable = readableCollections(context.access);
      return {
        aliases: aliases.filter((a) => readable?.has(a.collection_name) ?? true).map((a) => ({ aliasName: a.alias_name, collectionName: a.collection_name })),
      };
    },
    collectionClusterInfo: async (request) => {
      const info = await client.getCollection(request.collectionName);
      return {
        peerId: 0n,
        shardCount: 1n,
        localShards: [{ shardId: 0, pointsCount: BigInt(info.points_count ?? 0), state: 0 }],
      };
    },
    collectionExists: async (request) => ({ result: { exists: (await client.collectionExists(request.collectionName)).exists } }),
    updateCollectionClusterSetup: distributedOnly,
    createShardKey: distributedOnly,
    deleteShardKey: distributedOnly,
    listShardKeys: async (request) => {
      // Standalone collections use automatic sharding and so have no shard keys; a missing collection is NOT_FOUND.
      await client.getCollection(request.collectionName);
      return { shardKeys: [] };
    },
  };
}
