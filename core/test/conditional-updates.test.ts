import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage, type EmbeddedClient } from '@sextant/core';

/** Ten points, ids 0..9, vector [id, 1], payload {version: id % 3, id}. */
async function fixture(storage = new MemoryStorage()): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient({ storage });
  await client.createCollection('c', { vectors: { size: 2, distance: 'Euclid' } });
  await client.upsert('c', {
    points: Array.from({ length: 10 }, (_, id) => ({ id, vector: [id, 1], payload: { version: id % 3, id } })),
  });
  return client;
}

const payloadOf = async (client: EmbeddedClient, ids: number[]) =>
  (await client.retrieve('c', { ids, with_payload: true, with_vector: true })).map((r) => [r.id, r.payload, r.vector]);

describe('upsert update_filter and update_mode (Qdrant 1.19 conditional updates)', () => {
  it('update_filter replaces only existing points that match; new points are inserted regardless', async () => {
    const client = await fixture();
    await client.upsert('c', {
      points: [
        { id: 0, vector: [0, 2], payload: { version: 9 } }, // version 0: matches, replaced
        { id: 1, vector: [1, 2], payload: { version: 9 } }, // version 1: kept as is
        { id: 3, vector: [3, 2], payload: { version: 9 } }, // version 0: replaced
        { id: 42, vector: [42, 2], payload: { version: 9 } }, // new: inserted
      ],
      update_filter: { must: [{ key: 'version', match: { value: 0 } }] },
    });
    expect(await payloadOf(client, [0, 1, 3, 42])).toEqual([
      [0, { version: 9 }, [0, 2]],
      [1, { version: 1, id: 1 }, [1, 1]],
      [3, { version: 9 }, [3, 2]],
      [42, { version: 9 }, [42, 2]],
    ]);
    expect((await client.count('c')).count).toBe(11);
  });

  it('insert_only leaves existing points alone; update_only never creates points', async () => {
    const client = await fixture();
    await client.upsert('c', { points: [{ id: 2, vector: [0, 0], payload: { x: 1 } }, { id: 50, vector: [5, 0], payload: { x: 1 } }], update_mode: 'insert_only' });
    expect(await payloadOf(client, [2, 50])).toEqual([
      [2, { version: 2, id: 2 }, [2, 1]],
      [50, { x: 1 }, [5, 0]],
    ]);
    await client.upsert('c', { points: [{ id: 2, vector: [0, 0], payload: { x: 2 } }, { id: 60, vector: [6, 0] }], update_mode: 'update_only' });
    expect(await payloadOf(client, [2, 60])).toEqual([[2, { x: 2 }, [0, 0]]]);
    // update_only with a filter: only existing matching points change.
    await client.upsert('c', {
      batch: { ids: [4, 5, 70], vectors: [[0, 4], [0, 5], [0, 7]], payloads: [{ y: 4 }, { y: 5 }, { y: 7 }] },
      update_mode: 'update_only',
      update_filter: { must: [{ key: 'version', match: { value: 1 } }] },
    });
    expect(await payloadOf(client, [4, 5, 70])).toEqual([
      [4, { y: 4 }, [0, 4]],
      [5, { version: 2, id: 5 }, [5, 1]],
    ]);
  });

  it('an unknown update_mode is rejected before anything changes', async () => {
    const client = await fixture();
    await expect(client.upsert('c', { points: [{ id: 1, vector: [0, 0] }], update_mode: 'replace' as never })).rejects.toMatchObject({ status: 422 });
    expect(await payloadOf(client, [1])).toEqual([[1, { version: 1, id: 1 }, [1, 1]]]);
  });

  it('update_vectors with update_filter changes only matching points, and survives a replay of the log', async () => {
    const storage = new MemoryStorage();
    const client = await fixture(storage);
    await client.updateVectors('c', {
      points: [{ id: 6, vector: [60, 60] }, { id: 7, vector: [70, 70] }],
      update_filter: { must: [{ key: 'id', range: { gte: 7 } }] },
    });
    expect(await payloadOf(client, [6, 7])).toEqual([
      [6, { version: 0, id: 6 }, [6, 1]],
      [7, { version: 1, id: 7 }, [70, 70]],
    ]);
    // batch form, then reopen without a flush: the logged op holds the resolved points only.
    await client.batchUpdate('c', {
      operations: [
        { update_vectors: { points: [{ id: 8, vector: [80, 80] }, { id: 9, vector: [90, 90] }], update_filter: { must: [{ key: 'version', match: { value: 2 } }] } } },
        { upsert: { points: [{ id: 8, vector: [1, 1], payload: { z: 1 } }], update_mode: 'insert_only' } },
      ],
    });
    const reopened = await createEmbeddedClient({ storage });
    for (const c of [client, reopened]) {
      expect(await payloadOf(c, [8, 9])).toEqual([
        [8, { version: 2, id: 8 }, [80, 80]],
        [9, { version: 0, id: 9 }, [9, 1]],
      ]);
    }
  });
});
