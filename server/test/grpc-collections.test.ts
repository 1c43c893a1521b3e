import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectionStatus, Distance, PayloadSchemaType } from '@sextant/proto';
import type { QdrantClient } from '@qdrant/js-client-grpc';
import { startHarness } from './grpc/harness.js';
import type { Harness } from './grpc/harness.js';
import { Code, expectCode } from './grpc/expect-code.js';

// The Collections service driven by the official @qdrant/js-client-grpc client (the compatibility contract).
describe('gRPC Collections', () => {
  let h: Harness;
  let client: QdrantClient;
  beforeAll(async () => {
    h = await startHarness();
    client = h.connect();
  });
  afterAll(async () => h.close());

  it('creates, describes, lists, updates and deletes a collection', async () => {
    const collections = client.api('collections');
    // 1. create with named dense vectors, a sparse vector and an hnsw override
    const created = await collections.create({
      collectionName: 'life',
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: {
            map: {
              image: { size: 4n, distance: Distance.Dot },
              text: { size: 3n, distance: Distance.Cosine },
            },
          },
        },
      },
      sparseVectorsConfig: { map: { keywords: {} } },
      hnswConfig: { m: 8n },
      metadata: { owner: { kind: { case: 'stringValue', value: 'tests' } } },
    });
    expect(created.result).toBe(true);
    expect(created.time).toBeGreaterThan(0);

    // 2. describe: the same facts the REST API gives for the collection
    const { result: info } = await collections.get({ collectionName: 'life' });
    const rest = await h.engine.getCollection('life');
    expect(info?.status).toBe(CollectionStatus.Green);
    expect(Number(info?.pointsCount ?? 0n)).toBe(rest.points_count ?? 0);
    const vectors = info?.config?.params?.vectorsConfig?.config;
    expect(vectors?.case).toBe('paramsMap');
    if (vectors?.case === 'paramsMap') {
      expect(vectors.value.map['image']).toMatchObject({ size: 4n, distance: Distance.Dot });
      expect(vectors.value.map['text']).toMatchObject({ size: 3n, distance: Distance.Cosine });
    }
    expect(Object.keys(info?.config?.params?.sparseVectorsConfig?.map ?? {})).toEqual(['keywords']);
    expect(info?.config?.hnswConfig?.m).toBe(8n);
    expect(info?.config?.metadata['owner']?.kind).toEqual({ case: 'stringValue', value: 'tests' });

    // 3. list and exists
    const list = await collections.list({});
    expect(list.collections.map((c) => c.name)).toContain('life');
    expect((await collections.collectionExists({ collectionName: 'life' })).result?.exists).toBe(true);
    expect((await collections.collectionExists({ collectionName: 'nope' })).result?.exists).toBe(false);

    // 4. update the optimizer config and see it through REST
    await collections.update({ collectionName: 'life', optimizersConfig: { indexingThreshold: 1234n } });
    expect((await h.engine.getCollection('life')).config.optimizer_config.indexing_threshold).toBe(1234);

    // 5. delete
    expect((await collections.delete({ collectionName: 'life' })).result).toBe(true);
    expect((await collections.collectionExists({ collectionName: 'life' })).result?.exists).toBe(false);
  });

  it('reports payload indexes in the collection info', async () => {
    await client.api('collections').create({
      collectionName: 'indexed',
      vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: Distance.Euclid } } },
    });
    await client.api('points').createFieldIndex({ collectionName: 'indexed', fieldName: 'city', fieldType: 0, wait: true });
    const { result } = await client.api('collections').get({ collectionName: 'indexed' });
    expect(result?.payloadSchema['city']?.dataType).toBe(PayloadSchemaType.Keyword);
    const vectors = result?.config?.params?.vectorsConfig?.config;
    expect(vectors?.case === 'params' && vectors.value.distance).toBe(Distance.Euclid);
  });

  it('manages aliases', async () => {
    const collections = client.api('collections');
    await collections.create({
      collectionName: 'aliased',
      vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: Distance.Cosine } } },
    });
    await collections.updateAliases({
      actions: [{ action: { case: 'createAlias', value: { collectionName: 'aliased', aliasName: 'a1' } } }],
    });
    await collections.updateAliases({
      actions: [{ action: { case: 'renameAlias', value: { oldAliasName: 'a1', newAliasName: 'a2' } } }],
    });
    const all = await collections.listAliases({});
    expect(all.aliases.map((a) => [a.aliasName, a.collectionName])).toEqual([['a2', 'aliased']]);
    const mine = await collections.listCollectionAliases({ collectionName: 'aliased' });
    expect(mine.aliases.map((a) => a.aliasName)).toEqual(['a2']);
    // An alias resolves wherever a collection name is accepted.
    expect((await collections.get({ collectionName: 'a2' })).result?.status).toBe(CollectionStatus.Green);
    await collections.updateAliases({ actions: [{ action: { case: 'deleteAlias', value: { aliasName: 'a2' } } }] });
    expect((await collections.listAliases({})).aliases).toEqual([]);
  });

  it('answers cluster calls as a single node does', async () => {
    const collections = client.api('collections');
    await collections.create({
      collectionName: 'single',
      vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: Distance.Cosine } } },
    });
    const cluster = await collections.collectionClusterInfo({ collectionName: 'single' });
    expect(cluster.shardCount).toBe(1n);
    expect(cluster.localShards).toHaveLength(1);
    expect((await collections.listShardKeys({ collectionName: 'single' })).shardKeys).toEqual([]);
    await expectCode(
      collections.createShardKey({ collectionName: 'single', request: { shardKey: { key: { case: 'keyword', value: 'k' } } } }),
      Code.Unimplemented,
    );
    await expectCode(
      collections.deleteShardKey({ collectionName: 'single', request: { shardKey: { key: { case: 'keyword', value: 'k' } } } }),
      Code.Unimplemented,
    );
    await expectCode(
      collections.updateCollectionClusterSetup({
        collectionName: 'single',
        operation: { case: 'dropReplica', value: { shardId: 0, peerId: 1n } },
      }),
      Code.Unimplemented,
    );
  });

  it('maps errors to Qdrant status codes', async () => {
    const collections = client.api('collections');
    await expectCode(collections.get({ collectionName: 'missing' }), Code.NotFound, /doesn't exist/);
    await collections.create({
      collectionName: 'twice',
      vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: Distance.Cosine } } },
    });
    await expectCode(
      collections.create({
        collectionName: 'twice',
        vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: Distance.Cosine } } },
      }),
      Code.AlreadyExists,
    );
    await expectCode(
      collections.create({ collectionName: 'nodistance', vectorsConfig: { config: { case: 'params', value: { size: 2n } } } }),
      Code.InvalidArgument,
    );
    // As in Qdrant, deleting a collection that is not there is not an error: the answer is just `false`.
    expect((await collections.delete({ collectionName: 'missing' })).result).toBe(false);
  });
});
