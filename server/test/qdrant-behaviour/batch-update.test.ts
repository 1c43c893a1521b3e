import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// points/batch applies its operations in order, as Qdrant does (its test_batch_update.py): later operations see the
// earlier ones' effects, on the same point or on others.
describe('batch updates as Qdrant applies them', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(() => basicCollection(s, 'c'));
  afterAll(() => s.close());

  const batch = (operations: object[], wait = true) => s.ok('POST', `/collections/c/points/batch${wait ? '?wait=true' : ''}`, { operations });
  const read = async (ids: number[], withVector: boolean) => {
    const points: Array<{ id: number; payload: unknown; vector?: unknown }> = await s.ok('POST', '/collections/c/points', { ids, with_vector: withVector, with_payload: true });
    return points.sort((a, b) => a.id - b.id).map((p) => ({ id: p.id, payload: p.payload, vector: p.vector ?? null }));
  };
  const f32 = (v: number[]) => v.map(Math.fround);

  it('upserts, deletes and re-upserts in order; a vector update and delete_vectors land on the point', async () => {
    const answer = await batch([
      { upsert: { points: [{ id: 7, vector: [1, 2, 3, 4], payload: {} }] } },
      { upsert: { points: [{ id: 8, vector: [1, 2, 3, 4], payload: {} }] } },
      { delete: { points: [8] } },
      { upsert: { points: [{ id: 7, vector: [2, 1, 3, 4], payload: {} }] } },
      { upsert: { points: [{ id: 9, vector: { 'sparse-text': { indices: [123, 321], values: [5.5, 5.5] } }, payload: {} }] } },
      { delete: { points: [10] } },
    ]);
    expect(answer).toHaveLength(6);
    // ids that are gone are simply not returned
    expect(await read([7, 8], true)).toEqual([{ id: 7, payload: {}, vector: [2, 1, 3, 4] }]);
    expect(await read([9, 10], true)).toEqual([{ id: 9, payload: {}, vector: { 'sparse-text': { indices: [123, 321], values: [5.5, 5.5] } } }]);

    await batch([
      { update_vectors: { points: [{ id: 7, vector: [1, 2, 3, 4] }] } },
      { update_vectors: { points: [{ id: 7, vector: [9, 2, 4, 2] }] } },
    ]);
    expect(await read([7, 8], true)).toEqual([{ id: 7, payload: {}, vector: f32([9, 2, 4, 2]) }]);

    // the upsert replaces 9's sparse vector with a dense one, then the dense one is removed: no vectors left
    await batch([
      { upsert: { points: [{ id: 9, vector: [0, 5, 2, 1], payload: {} }] } },
      { delete_vectors: { points: [9], vector: [''] } },
    ]);
    expect(await read([7, 8, 9], true)).toEqual([
      { id: 7, payload: {}, vector: [9, 2, 4, 2] },
      { id: 9, payload: {}, vector: {} },
    ]);
  });

  it('payload operations in one batch, on several points or one point, apply in order', async () => {
    await batch([
      { overwrite_payload: { payload: { test_payload: '1' }, points: [1] } },
      { overwrite_payload: { payload: { test_payload: '2' }, points: [2] } },
    ], false);
    // without wait the answer may come first; a later waited write orders after it
    await batch([], true);
    expect(await read([1, 2], false)).toEqual([
      { id: 1, payload: { test_payload: '1' }, vector: null },
      { id: 2, payload: { test_payload: '2' }, vector: null },
    ]);
    await batch([{ clear_payload: { points: [1] } }, { clear_payload: { points: [2] } }]);
    expect(await read([1, 2], false)).toEqual([{ id: 1, payload: {}, vector: null }, { id: 2, payload: {}, vector: null }]);
    await batch([
      { overwrite_payload: { payload: { test_payload_1: '1' }, points: [1] } },
      { set_payload: { payload: { test_payload_2: '2', test_payload_3: '3' }, points: [1] } },
      { delete_payload: { keys: ['test_payload_2'], points: [1] } },
    ]);
    expect(await read([1], false)).toEqual([{ id: 1, payload: { test_payload_1: '1', test_payload_3: '3' }, vector: null }]);
  });
});
