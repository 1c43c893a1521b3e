import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { multipayloadCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// min_should and is_empty over an indexed field no point has, as Qdrant answers them (its test_filter_min_should.py
// and test_filter_is_empty.py).
describe('min_should and is_empty as Qdrant answers them', () => {
  let s: Server;
  const q = [0.2, 0.1, 0.9, 0.7];
  const twoOfThree = {
    conditions: [
      { key: 'city', match: { any: ['Berlin', 'Moscow'] } },
      { key: 'color', match: { value: 'red' } },
      { key: 'count', match: { value: 0 } },
    ],
    min_count: 2,
  };
  const search = (filter: object, limit: number) =>
    s.ok('POST', '/collections/m/points/search', { vector: q, with_payload: ['city', 'color', 'count', 'price'], limit, filter });

  beforeAll(async () => {
    s = await startServer();
    await multipayloadCollection(s, 'm');
  });
  afterAll(() => s.close());

  it('no point can match two has_id conditions over disjoint ids', async () => {
    const res = await s.ok('POST', '/collections/m/points/query', {
      filter: { min_should: { conditions: [{ has_id: [1, 2] }, { has_id: [4, 5, 6] }, { has_id: [7, 8, 9, 10] }], min_count: 2 } },
      limit: 100,
    });
    expect(res.points).toEqual([]);
  });

  it('two of three conditions; with a must; negated', async () => {
    expect(ids(await search({ min_should: twoOfThree }, 6)).sort()).toEqual([1, 4, 5, 6, 7, 8]);
    const priced = { key: 'price', range: { gt: null, gte: 50.0, lt: null, lte: 200.0 } };
    expect(ids(await search({ min_should: twoOfThree, must: [priced] }, 2)).sort()).toEqual([7, 8]);
    expect(ids(await search({ must_not: [{ min_should: twoOfThree }] }, 2)).sort()).toEqual([2, 3]);
  });

  it('min_should without min_count is a 400', async () => {
    const res = await s.call('POST', '/collections/m/points/search', {
      vector: q, limit: 3, filter: { min_should: { conditions: [{ key: 'city', match: { any: ['London', 'Moscow'] } }] } },
    });
    expect(res.status).toBe(400);
  });

  it('is_empty on an indexed keyword field that no point has matches every point', async () => {
    await s.ok('PUT', '/collections/e', { vectors: { size: 3, distance: 'Dot' } });
    await s.ok('PUT', '/collections/e/index?wait=true', { field_name: 'a', field_schema: 'keyword' });
    await s.ok('PUT', '/collections/e/points?wait=true', {
      points: [{ id: 1, vector: [0.05, 0.61, 0.76] }, { id: 2, vector: [0.19, 0.81, 0.75] }, { id: 3, vector: [0.36, 0.55, 0.47] }],
    });
    const res = await s.ok('POST', '/collections/e/points/query', { filter: { must: [{ is_empty: { key: 'a' } }] }, query: [0.1, 0.1, 0.1], limit: 2 });
    expect(res.points).toHaveLength(2);
  });
});
