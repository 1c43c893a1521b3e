import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { recreate, upsert } from './qdrant-collections.js';

// Qdrant's Manhattan distance (a distance: nearest first, score_threshold an upper bound) and the vector size
// limit of a collection (1 to 65536; 65537 is a 422 with Qdrant's validator text).
describe('Manhattan search and vector size limits behave as in Qdrant', () => {
  let s: Server;

  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('Manhattan: nearest first with the L1 distance as score; score_threshold keeps the nearer ones', async () => {
    const C = 'manhattan';
    await recreate(s, C, { vectors: { size: 2, distance: 'Manhattan' } });
    await upsert(s, C, [
      { id: 1, vector: [0, 0], payload: { city: 'Berlin' } },
      { id: 2, vector: [0, 1], payload: { city: ['Berlin', 'London'] } },
      { id: 3, vector: [-1, -1], payload: { city: ['Berlin', 'Moscow'] } },
    ]);
    const all = await s.ok('POST', `/collections/${C}/points/search`, { vector: [1, 1], limit: 3 });
    expect(all.map((p: any) => [p.id, p.score])).toEqual([[2, 1], [1, 2], [3, 4]]);
    const near = await s.ok('POST', `/collections/${C}/points/search`, { vector: [1, 1], limit: 3, score_threshold: 1.5 });
    expect(near.map((p: any) => [p.id, p.score])).toEqual([[2, 1]]);
  });

  it('a vector size of 65536 or 1 is accepted; 65537 is 422 with Qdrant\'s text', async () => {
    const C = 'size_limit';
    for (const size of [65536, 1]) {
      await recreate(s, C, { vectors: { size, distance: 'Dot' } });
      expect((await s.ok('GET', `/collections/${C}`)).config.params.vectors.size).toBe(size);
    }
    await s.call('DELETE', `/collections/${C}`);
    const reply = await s.call('PUT', `/collections/${C}`, { vectors: { size: 65537, distance: 'Dot' } });
    expect(reply.status).toBe(422);
    expect(reply.body.status.error).toBe('Validation error in JSON body: [vectors.size: value 65537 invalid, must be from 1 to 65536]');
  });
});
