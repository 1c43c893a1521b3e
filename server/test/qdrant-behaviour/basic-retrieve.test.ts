import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// Retrieval, search, scroll and the null / empty conditions on the ten-point collection, as Qdrant answers them
// (its tests/openapi/test_basic_retrieve_api.py).
describe('basic retrieval as Qdrant answers it', () => {
  let s: Server;
  const q = [0.2, 0.1, 0.9, 0.7];
  const search = (body: object) => s.ok('POST', '/collections/c/points/search', { vector: q, ...body });

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
  });
  afterAll(() => s.close());

  it('gets one point, several, counts ten, and searches with and without a should filter', async () => {
    expect((await s.ok('GET', '/collections/c/points/2')).id).toBe(2);
    expect(await s.ok('POST', '/collections/c/points', { ids: [1, 2] })).toHaveLength(2);
    expect((await s.ok('GET', '/collections/c')).points_count).toBe(10);
    expect(await search({ limit: 3 })).toHaveLength(3);
    // only points 2 and 4 have London among their cities
    const london = { should: [{ key: 'city', match: { value: 'London' } }] };
    expect(ids(await search({ filter: london, limit: 3 })).sort()).toEqual([2, 4]);
    // a single condition in place of a list is accepted
    expect(await search({ filter: { must: { key: 'city', match: { value: 'London' } } }, limit: 3 })).toHaveLength(2);
    const page = await s.ok('POST', '/collections/c/points/scroll', { offset: 2, limit: 2, with_vector: true });
    expect(ids(page.points)).toEqual([2, 3]);
  });

  it('excludes payload keys, and a batch of searches answers each search (none for an empty batch)', async () => {
    const found = await search({ limit: 5, filter: { should: [{ key: 'city', match: { value: 'London' } }] }, with_payload: { exclude: ['city'] } });
    expect(found.length).toBeGreaterThan(0);
    for (const p of found) expect(p.payload).not.toHaveProperty('city');
    const batch = await s.ok('POST', '/collections/c/points/search/batch', {
      searches: [{ vector: q, limit: 3 }, { vector: q, limit: 3, filter: { should: [{ key: 'city', match: { value: 'London' } }] } }],
    });
    expect(batch.map((r: unknown[]) => r.length)).toEqual([3, 2]);
    expect(await s.ok('POST', '/collections/c/points/search/batch', { searches: [] })).toEqual([]);
  });

  it('is_empty matches missing, null and [] values; is_null only null; both spellings agree', async () => {
    const empty = ids(await search({ limit: 5, filter: { should: [{ is_empty: { key: 'city' } }] } }));
    expect([...empty].sort()).toEqual([5, 6, 7, 8]);
    expect(ids(await search({ limit: 5, filter: { should: [{ key: 'city', is_empty: true }] } }))).toEqual(empty);
    const nulls = ids(await search({ limit: 5, filter: { should: [{ is_null: { key: 'city' } }] } }));
    expect(nulls).toEqual([7]);
    expect(ids(await search({ limit: 5, filter: { should: [{ key: 'city', is_null: true }] } }))).toEqual(nulls);
    for (const key of ['city', 'city[]']) {
      const notNull = ids(await search({ limit: 5, filter: { must_not: [{ is_null: { key } }] } }));
      expect(notNull).toHaveLength(5);
      for (const id of [1, 2]) expect(notNull).toContain(id);
      for (const id of [5, 6, 7]) expect(notNull).not.toContain(id);
      expect(ids(await search({ limit: 5, filter: { must: [{ key, is_null: false }] } }))).toEqual(notNull);
    }
  });

  it('recommends from one positive point with payloads', async () => {
    const found = await s.ok('POST', '/collections/c/points/recommend', { limit: 3, negative: [], positive: [1], with_vector: false, with_payload: true });
    expect(found).toHaveLength(3);
    expect(found[0].payload).not.toBeNull();
  });

  it('matches a nested key by its dotted path, and with_vectors is another name for with_vector', async () => {
    const uuid = '8594ff5d-265f-4785-a9f5-b3b4b9665506';
    await s.ok('PUT', '/collections/c/points?wait=true', {
      points: [{ id: 8, vector: [0.15, 0.31, 0.76, 0.74], payload: { database_id: { type: 'keyword', value: uuid } } }],
    });
    const nested = await s.ok('POST', '/collections/c/points/scroll', {
      offset: null, limit: 10, with_vector: true, filter: { must: [{ key: 'database_id.value', match: { value: uuid } }] },
    });
    expect(ids(nested.points)).toEqual([8]);
    const plain = '8594ff5d-265f-adfh-a9f5-b3b4b9665506';
    await s.ok('PUT', '/collections/c/points?wait=true', { points: [{ id: 8, vector: [0.15, 0.31, 0.76, 0.74], payload: { database_id: plain } }] });
    for (const keyword of ['with_vector', 'with_vectors']) {
      const page = await s.ok('POST', '/collections/c/points/scroll', { [keyword]: true, limit: 1, filter: { must: [{ key: 'database_id', match: { value: plain } }] } });
      // a bare vector although the collection also has a sparse one: the point has only the unnamed dense vector;
      // the stored float32s print as the decimals written, as Qdrant prints them
      expect(page.points[0].vector).toEqual([0.15, 0.31, 0.76, 0.74]);
    }
  });
});
