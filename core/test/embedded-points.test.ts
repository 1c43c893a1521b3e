import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from '@sextant/core';

async function setup() {
  const client = await createEmbeddedClient();
  await client.createCollection('c', {
    vectors: { dense: { size: 3, distance: 'Euclid' }, colbert: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
    sparse_vectors: { text: {} },
  });
  return client;
}

describe('EmbeddedClient point operations', () => {
  it('upserts in list and column form and retrieves with selectors', async () => {
    const client = await setup();
    const r1 = await client.upsert('c', {
      points: [
        { id: 1, vector: { dense: [1, 0, 0], text: { indices: [5, 1], values: [0.5, 2] } }, payload: { city: 'Oslo', n: 1 } },
        { id: '550E8400E29B41D4A716446655440000', vector: { colbert: [[1, 0], [0, 1]] }, payload: { city: 'Rome' } },
      ],
    });
    expect(r1).toEqual({ operation_id: 0, status: 'completed' });
    const r2 = await client.upsert('c', {
      wait: false,
      batch: { ids: [2, 3], vectors: { dense: [[0, 1, 0], [0, 0, 1]] }, payloads: [{ city: 'Oslo' }, null] },
    });
    expect(r2).toEqual({ operation_id: 1, status: 'acknowledged' });

    const got = await client.retrieve('c', { ids: [3, 1, '{550e8400-e29b-41d4-a716-446655440000}', 99], with_vector: true });
    expect(got.map((p) => p.id)).toEqual([3, 1, '550e8400-e29b-41d4-a716-446655440000']);
    expect(got[0]).toEqual({ id: 3, payload: {}, vector: { dense: [0, 0, 1] } });
    expect(got[1]!.vector).toEqual({ dense: [1, 0, 0], text: { indices: [1, 5], values: [2, 0.5] } });
    expect(got[2]!.vector).toEqual({ colbert: [[1, 0], [0, 1]] });

    const sel = await client.retrieve('c', { ids: [1], with_payload: ['city'], with_vector: ['dense'] });
    expect(sel).toEqual([{ id: 1, payload: { city: 'Oslo' }, vector: { dense: [1, 0, 0] } }]);
    const excl = await client.retrieve('c', { ids: [1], with_payload: { exclude: ['city'] } });
    expect(excl).toEqual([{ id: 1, payload: { n: 1 }, vector: null }]);
  });

  it('rejects a wrong dimension or unknown vector name and changes nothing', async () => {
    const client = await setup();
    await client.upsert('c', { points: [{ id: 1, vector: { dense: [1, 2, 3] }, payload: { a: 1 } }] });
    await expect(
      client.upsert('c', { points: [{ id: 1, vector: { dense: [9, 9, 9] } }, { id: 2, vector: { dense: [1, 2] } }] }),
    ).rejects.toMatchObject({ status: 400, message: 'Wrong input: Vector dimension error: expected dim: 3, got 2' });
    await expect(client.upsert('c', { points: [{ id: 5, vector: { nope: [1] } }] })).rejects.toMatchObject({
      status: 400,
      message: 'Wrong input: Not existing vector name error: nope',
    });
    await expect(client.upsert('c', { points: [{ id: -1, vector: {} }] })).rejects.toMatchObject({ status: 400 });
    await expect(client.setPayload('c', { points: [1, 42], payload: { b: 2 } })).rejects.toMatchObject({ status: 404 });
    await expect(client.delete('c', { filter: { must: [{ key: 'a', match: { value: [1] } }] } as never })).rejects.toMatchObject({ status: 400 });
    await expect(client.setPayload('c', { points: [1], payload: { b: 2 }, key: 'a[' })).rejects.toMatchObject({ status: 400 });
    await expect(client.deletePayload('c', { points: [1], keys: ['a', 'b..c'] })).rejects.toMatchObject({ status: 400 });
    const [p] = await client.retrieve('c', { ids: [1], with_vector: true });
    expect(p).toEqual({ id: 1, payload: { a: 1 }, vector: { dense: [1, 2, 3] } });
    expect((await client.count('c')).count).toBe(1);
  });

  it('sets, overwrites, deletes and clears payload by ids and by filter', async () => {
    const client = await setup();
    await client.upsert('c', {
      points: [1, 2, 3].map((id) => ({ id, vector: { dense: [id, 0, 0] }, payload: { group: id % 2 ? 'odd' : 'even', id } })),
    });
    await client.setPayload('c', { points: [1], payload: { tag: 'x' } });
    await client.setPayload('c', { filter: { must: [{ key: 'group', match: { value: 'odd' } }] }, payload: { flag: true } });
    await client.setPayload('c', { points: [2], payload: { deep: 1 }, key: 'nested' });
    let all = await client.scroll('c', {});
    expect(all.points.map((p) => p.payload)).toEqual([
      { group: 'odd', id: 1, tag: 'x', flag: true },
      { group: 'even', id: 2, nested: { deep: 1 } },
      { group: 'odd', id: 3, flag: true },
    ]);
    await client.overwritePayload('c', { points: [1], payload: { only: 1 } });
    await client.deletePayload('c', { filter: { must: [{ key: 'group', match: { value: 'odd' } }] }, keys: ['flag'] });
    await client.clearPayload('c', { points: [2] });
    all = await client.scroll('c', {});
    expect(all.points.map((p) => p.payload)).toEqual([{ only: 1 }, {}, { group: 'odd', id: 3 }]);
  });

  it('updates and deletes vectors, deletes points by ids and filter', async () => {
    const client = await setup();
    await client.upsert('c', { points: [1, 2, 3, 4].map((id) => ({ id, vector: { dense: [id, 0, 0] }, payload: { id } })) });
    await client.updateVectors('c', { points: [{ id: 2, vector: { colbert: [[1, 1]] } }] });
    await expect(client.updateVectors('c', { points: [{ id: 9, vector: { dense: [1, 1, 1] } }] })).rejects.toMatchObject({ status: 404 });
    await client.deleteVectors('c', { points: [3], vector: ['dense'] });
    const got = await client.retrieve('c', { ids: [2, 3], with_vector: true });
    expect(got).toEqual([
      { id: 2, payload: { id: 2 }, vector: { dense: [2, 0, 0], colbert: [[1, 1]] } },
      { id: 3, payload: { id: 3 }, vector: {} },
    ]);
    await client.delete('c', { points: [1] });
    await client.delete('c', { filter: { must: [{ key: 'id', range: { gte: 4 } }] } });
    expect((await client.scroll('c')).points.map((p) => p.id)).toEqual([2, 3]);
  });

  it('runs a batch of mixed operations in order with one result each', async () => {
    const client = await setup();
    const results = await client.batchUpdate('c', {
      operations: [
        { upsert: { points: [{ id: 7, vector: { dense: [1, 1, 1] } }] } },
        { set_payload: { points: [7], payload: { k: 'v' } } },
        { upsert: { points: [{ id: 8, vector: { dense: [1, 1, 1] } }] } },
        { delete: { points: [8] } },
      ],
    });
    expect(results.map((r) => r.operation_id)).toEqual([0, 1, 2, 3]);
    expect(await client.retrieve('c', { ids: [7, 8] })).toEqual([{ id: 7, payload: { k: 'v' }, vector: null }]);
  });
});
