import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// match.any and a condition with only a key, as Qdrant answers them (its test_filter.py).
describe('filter basics as Qdrant answers them', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
  });
  afterAll(() => s.close());

  it('match.any finds the points holding any of the values', async () => {
    const res = await s.call('POST', '/collections/c/points/query', {
      query: [0.2, 0.1, 0.9, 0.7], limit: 3, filter: { must: [{ key: 'city', match: { any: ['London', 'Moscow'] } }] },
    });
    expect(res.status).toBe(200);
    expect(ids(res.body.result.points).sort()).toEqual([2, 3, 4]);
  });

  it('a condition with a key and nothing else is refused with 422', async () => {
    const res = await s.call('POST', '/collections/c/points/query', { query: [0.2, 0.1, 0.9, 0.7], limit: 3, filter: { must: [{ key: 'city' }] } });
    expect(res.status).toBe(422);
    expect(res.body.status.error).toContain('Validation error in JSON body');
    expect(res.body.status.error).toContain('At least one field condition must be specified');
  });
});
