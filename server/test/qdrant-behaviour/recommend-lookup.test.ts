import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection, recreate, upsert } from './qdrant-collections.js';

// Qdrant's recommend with lookup_from: example ids are read from another collection's named vector (integer and
// UUID ids), alone or in a batch beside a local one; a size mismatch or unknown vector name is 400, an unknown
// collection or example id 404; and ids looked up give the same answer as the same vectors sent inline.
const C = 'reco';
const L = 'reco_lookup';

describe('recommend with lookup_from behaves as in Qdrant', () => {
  let s: Server;
  const recommend = (body: unknown) => s.call('POST', `/collections/${C}/points/recommend`, body);

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, C);
  });
  afterAll(() => s.close());

  it('a lookup vector of another size is 400', async () => {
    await recreate(s, L, { vectors: { other: { size: 5, distance: 'Dot' } } });
    await upsert(s, L, [
      { id: 1, vector: { other: [1, 0, 0, 0, 0] } },
      { id: '00000000-0000-0000-0000-000000000000', vector: { other: [0, 1, 0, 0, 0] } },
    ]);
    const reply = await recommend({ limit: 3, positive: [1], with_vector: false, with_payload: true, lookup_from: { collection: L, vector: 'other' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  });

  it('examples from another collection, alone and in a batch; the errors of a bad lookup', async () => {
    await recreate(s, L, { vectors: { other: { size: 4, distance: 'Dot' } } });
    await upsert(s, L, [
      { id: 1, vector: { other: [1, 0, 0, 0] } },
      { id: '00000000-0000-0000-0000-000000000000', vector: { other: [0, 1, 0, 0] } },
    ]);
    const lookup_from = { collection: L, vector: 'other' };
    const one = await recommend({ limit: 3, positive: [1], with_vector: false, with_payload: true, lookup_from });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body.result).toHaveLength(3);
    expect(one.body.result[0].id).toBe(8);
    const batch = await s.call('POST', `/collections/${C}/points/recommend/batch`, {
      searches: [
        { limit: 3, positive: [1], with_vector: false, with_payload: true, lookup_from },
        { limit: 3, positive: ['00000000-0000-0000-0000-000000000000'], with_vector: false, with_payload: true, lookup_from },
        { limit: 3, positive: [1], with_vector: false, with_payload: true },
      ],
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    expect(batch.body.result.map((r: unknown[]) => r.length)).toEqual([3, 3, 3]);
    expect(batch.body.result[0][0].id).toBe(8);
    expect(batch.body.result[1][0].id).toBe(7);
    expect((await recommend({ limit: 3, positive: [1], lookup_from: { collection: 'unknown_collection', vector: 'other' } })).status).toBe(404);
    expect((await recommend({ limit: 3, positive: [1], lookup_from: { collection: L, vector: 'unknown_vector' } })).status).toBe(400);
    expect((await recommend({ limit: 3, positive: [2], lookup_from: { collection: L, vector: 'unknown_vector' } })).status).toBe(404);
  });

  it('ids looked up answer as the same vectors sent inline', async () => {
    await recreate(s, L, { vectors: { other: { size: 4, distance: 'Dot' } } });
    await upsert(s, L, [{ id: 1, vector: { other: [1, 0, 0, 0] } }, { id: 2, vector: { other: [0, 0, 0, 2] } }]);
    const byId = await recommend({ positive: [1], negative: [2], limit: 10, lookup_from: { collection: L, vector: 'other' } });
    const byVector = await recommend({ positive: [[1, 0, 0, 0]], negative: [[0, 0, 0, 2]], limit: 10 });
    expect(byId.status).toBe(200);
    expect(byId.body.result).toEqual(byVector.body.result);
  });
});
