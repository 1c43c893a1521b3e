import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage, type EmbeddedClient } from '@sextant/core';

async function fixture(storage = new MemoryStorage()): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient({ storage });
  await client.createCollection('c', { vectors: { text: { size: 2, distance: 'Dot' } } });
  await client.upsert('c', { points: [1, 2, 3].map((id) => ({ id, vector: { text: [id, 0] }, payload: { id } })) });
  return client;
}

describe('named vector add and delete on an existing collection', () => {
  it('adds a dense and a sparse vector, writes and searches them, then drops one with its values', async () => {
    const client = await fixture();
    await client.createVectorName('c', 'image', { dense: { size: 3, distance: 'Euclid' } });
    await client.createVectorName('c', 'bm25', { sparse: { modifier: 'idf' } });
    const info = await client.getCollection('c');
    expect(info.config.params.vectors).toEqual({ text: { size: 2, distance: 'Dot' }, image: { size: 3, distance: 'Euclid' } });
    expect(info.config.params.sparse_vectors).toEqual({ bm25: { modifier: 'idf' } });

    // Existing points have no value for the new names until written.
    expect((await client.retrieve('c', { ids: [1], with_vector: true }))[0]!.vector).toEqual({ text: [1, 0] });
    await client.updateVectors('c', { points: [{ id: 2, vector: { image: [0, 0, 1], bm25: { indices: [7], values: [1] } } }] });
    await client.upsert('c', { points: [{ id: 4, vector: { text: [4, 0], image: [0, 0, 3] } }] });
    const near = await client.query('c', { query: [0, 0, 0], using: 'image', limit: 5 });
    expect(near.points.map((p) => [p.id, p.score])).toEqual([[2, 1], [4, 3]]);
    const sparse = await client.query('c', { query: { indices: [7], values: [1] }, using: 'bm25', limit: 5 });
    expect(sparse.points.map((p) => p.id)).toEqual([2]);

    await client.deleteVectorName('c', 'image');
    expect((await client.getCollection('c')).config.params.vectors).toEqual({ text: { size: 2, distance: 'Dot' } });
    expect((await client.retrieve('c', { ids: [2, 4], with_vector: true })).map((r) => r.vector)).toEqual([
      { text: [2, 0], bm25: { indices: [7], values: [1] } },
      { text: [4, 0] },
    ]);
    await expect(client.query('c', { query: [0, 0, 0], using: 'image', limit: 5 })).rejects.toMatchObject({ status: 400 });
    await expect(client.upsert('c', { points: [{ id: 5, vector: { image: [0, 0, 0] } }] })).rejects.toMatchObject({ status: 400 });
  });

  it('rejects a name that exists, a name that does not, and a bad body, changing nothing', async () => {
    const client = await fixture();
    await expect(client.createVectorName('c', 'text', { dense: { size: 2, distance: 'Dot' } })).rejects.toMatchObject({ status: 400 });
    await expect(client.deleteVectorName('c', 'nope')).rejects.toMatchObject({ status: 400, message: 'Wrong input: Not existing vector name error: nope' });
    await expect(client.createVectorName('c', 'x', { dense: { size: 0, distance: 'Dot' } })).rejects.toMatchObject({ status: 422 });
    await expect(client.createVectorName('c', 'x', { dense: { size: 2, distance: 'Hamming' as never } })).rejects.toMatchObject({ status: 422 });
    await expect(client.createVectorName('c', 'x', {} as never)).rejects.toMatchObject({ status: 422 });
    expect(Object.keys((await client.getCollection('c')).config.params.vectors ?? {})).toEqual(['text']);
  });

  it('is replay-safe: reopening from the log alone, or after a flush, gives the same names and vectors', async () => {
    const storage = new MemoryStorage();
    const client = await fixture(storage);
    await client.flush();
    const configBefore = (await storage.read('collections/c/config'))!;
    // 1. After the flush: add 'extra', write to it, drop 'text', re-add 'text' with another size, write to it.
    await client.createVectorName('c', 'extra', { dense: { size: 2, distance: 'Cosine' } });
    await client.updateVectors('c', { points: [{ id: 1, vector: { extra: [3, 4] } }] });
    await client.deleteVectorName('c', 'text');
    await client.createVectorName('c', 'text', { dense: { size: 4, distance: 'Dot' } });
    await client.updateVectors('c', { points: [{ id: 3, vector: { text: [1, 1, 1, 1] } }] });
    const expected = await client.retrieve('c', { ids: [1, 2, 3], with_vector: true });
    expect(expected.map((r) => r.vector)).toEqual([{ extra: [Math.fround(0.6), Math.fround(0.8)] }, {}, { text: [1, 1, 1, 1] }]);

    // 2. Reopen replaying the log over the flushed segment (which still holds the old 4-less 'text').
    const replayed = await createEmbeddedClient({ storage });
    expect(await replayed.retrieve('c', { ids: [1, 2, 3], with_vector: true })).toEqual(expected);
    expect((await replayed.getCollection('c')).config.params.vectors).toEqual({ extra: { size: 2, distance: 'Cosine' }, text: { size: 4, distance: 'Dot' } });

    // 3. A stored config that predates the ops (a crash before it was rewritten) is brought up to date by the replay.
    await storage.write('collections/c/config', configBefore);
    const stale = await createEmbeddedClient({ storage });
    expect(await stale.retrieve('c', { ids: [1, 2, 3], with_vector: true })).toEqual(expected);
    expect((await stale.getCollection('c')).config.params.vectors).toEqual({ extra: { size: 2, distance: 'Cosine' }, text: { size: 4, distance: 'Dot' } });

    // 4. Flushed (segment holds the new slots, log empty) and reopened: still the same, and searchable.
    await stale.flush();
    const flushed = await createEmbeddedClient({ storage });
    expect(await flushed.retrieve('c', { ids: [1, 2, 3], with_vector: true })).toEqual(expected);
    expect((await flushed.query('c', { query: [1, 1, 1, 1], using: 'text', limit: 3 })).points.map((p) => [p.id, p.score])).toEqual([[3, 4]]);
  });
});
