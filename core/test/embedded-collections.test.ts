import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, SextantError } from '@sextant/core';

describe('EmbeddedClient collections and aliases', () => {
  it('creates, describes, lists, updates and deletes a collection with Qdrant shapes', async () => {
    const client = await createEmbeddedClient();
    expect(await client.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } })).toBe(true);
    expect(await client.collectionExists('docs')).toEqual({ exists: true });
    expect(await client.collectionExists('nope')).toEqual({ exists: false });
    expect(await client.getCollections()).toEqual({ collections: [{ name: 'docs' }] });
    const info = await client.getCollection('docs');
    expect(info.status).toBe('green');
    expect(info.optimizer_status).toBe('ok');
    expect(info.points_count).toBe(0);
    expect(info.segments_count).toBe(1);
    expect(info.config.params.vectors).toEqual({ size: 4, distance: 'Cosine' });
    expect(info.config.hnsw_config).toMatchObject({ m: 16, ef_construct: 100, full_scan_threshold: 10000 });
    expect(info.config.wal_config).toMatchObject({ wal_capacity_mb: 32 });
    expect(info.payload_schema).toEqual({});

    expect(await client.updateCollection('docs', { hnsw_config: { ef_construct: 200 }, metadata: { owner: 'a' } })).toBe(true);
    const updated = await client.getCollection('docs');
    expect(updated.config.hnsw_config.ef_construct).toBe(200);
    expect(updated.config.hnsw_config.m).toBe(16);
    expect(updated.config.metadata).toEqual({ owner: 'a' });

    await expect(client.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } })).rejects.toMatchObject({
      status: 409,
      message: 'Wrong input: Collection `docs` already exists!',
    });
    expect(await client.deleteCollection('docs')).toBe(true);
    await expect(client.getCollection('docs')).rejects.toMatchObject({ status: 404, message: "Not found: Collection `docs` doesn't exist!" });
  });

  it('rejects invalid configs with 422', async () => {
    const client = await createEmbeddedClient();
    await expect(client.createCollection('bad', { vectors: { size: 0, distance: 'Cosine' } })).rejects.toMatchObject({ status: 422 });
    await expect(client.createCollection('bad', { vectors: { size: 3, distance: 'Hamming' as never } })).rejects.toBeInstanceOf(SextantError);
    await expect(client.createCollection('a/b', { vectors: { size: 3, distance: 'Dot' } })).rejects.toMatchObject({ status: 422 });
    expect(await client.collectionExists('bad')).toEqual({ exists: false });
  });

  it('applies alias actions atomically and resolves aliases everywhere', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('v1', { vectors: { size: 2, distance: 'Dot' } });
    await client.createCollection('v2', { vectors: { size: 2, distance: 'Dot' } });
    await client.updateCollectionAliases({ actions: [{ create_alias: { alias_name: 'live', collection_name: 'v1' } }] });
    await client.upsert('live', { points: [{ id: 1, vector: [1, 0] }] });
    expect((await client.count('v1')).count).toBe(1);
    expect(await client.getAliases()).toEqual({ aliases: [{ alias_name: 'live', collection_name: 'v1' }] });

    // A failing action (unknown alias) leaves the earlier ones of the same list unapplied.
    await expect(
      client.updateCollectionAliases({
        actions: [{ create_alias: { alias_name: 'other', collection_name: 'v2' } }, { delete_alias: { alias_name: 'missing' } }],
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await client.getAliases()).aliases).toHaveLength(1);

    await client.updateCollectionAliases({
      actions: [{ delete_alias: { alias_name: 'live' } }, { create_alias: { alias_name: 'live', collection_name: 'v2' } }],
    });
    expect((await client.count('live')).count).toBe(0);
    await client.updateCollectionAliases({ actions: [{ rename_alias: { old_alias_name: 'live', new_alias_name: 'prod' } }] });
    expect(await client.getCollectionAliases('v2')).toEqual({ aliases: [{ alias_name: 'prod', collection_name: 'v2' }] });
    await client.deleteCollection('v2');
    expect(await client.getAliases()).toEqual({ aliases: [] });
  });
});
