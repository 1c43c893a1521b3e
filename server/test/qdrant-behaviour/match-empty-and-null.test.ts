import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { recreate, upsert } from './qdrant-collections.js';

// Qdrant's edge cases of match and is_null, the same with and without payload indexes: `any: []` matches nothing
// (so must_not of it matches everything, and strict mode accepts it on an indexed field), `except: []` matches every
// point that has the field, and is_null (as a condition or as a field condition) matches null inside arrays too.
describe('empty match lists and is_null behave as in Qdrant', () => {
  let s: Server;
  const scrollIds = async (collection: string, filter: unknown) => {
    const reply = await s.call('POST', `/collections/${collection}/points/scroll`, { filter, limit: 100, with_payload: true });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return (reply.body.result.points as Array<{ id: number }>).map((p) => p.id).sort((a, b) => a - b);
  };
  const index = (collection: string, field_name: string, field_schema: string) =>
    s.ok('PUT', `/collections/${collection}/index?wait=true`, { field_name, field_schema });

  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('match any [] matches nothing, any [..] what it lists; before and after indexing; strict mode accepts it', async () => {
    const C = 'match_any_empty';
    await recreate(s, C, { vectors: { size: 2, distance: 'Dot' } });
    await upsert(s, C, [1, 2, 3].map((n) => ({
      id: n,
      vector: [n === 2 ? 0 : 1, n === 1 ? 0 : 1],
      payload: { n, tag: 'abc'[n - 1], uid: `550e8400-e29b-41d4-a716-44665544000${n}` },
    })));
    const check = async () => {
      for (const key of ['n', 'tag', 'uid']) expect(await scrollIds(C, { must: [{ key, match: { any: [] } }] })).toEqual([]);
      expect(await scrollIds(C, { must: [{ key: 'n', match: { any: [1, 2] } }] })).toEqual([1, 2]);
      expect(await scrollIds(C, { must: [{ key: 'tag', match: { any: ['a', 'b'] } }] })).toEqual([1, 2]);
    };
    await check();
    await index(C, 'n', 'integer');
    await index(C, 'tag', 'keyword');
    await index(C, 'uid', 'uuid');
    await check();
    await s.ok('PATCH', `/collections/${C}`, { strict_mode_config: { enabled: true, unindexed_filtering_retrieve: false } });
    expect(await scrollIds(C, { must: [{ key: 'n', match: { any: [1] } }] })).toEqual([1]);
    expect(await scrollIds(C, { must: [{ key: 'n', match: { any: [] } }] })).toEqual([]);
    expect(await scrollIds(C, { must: [{ key: 'uid', match: { any: [] } }] })).toEqual([]);
    expect(await scrollIds(C, { must_not: [{ key: 'n', match: { any: [] } }] })).toEqual([1, 2, 3]);
    const formula = await s.call('POST', `/collections/${C}/points/query`, {
      prefetch: { query: [0.1, 0.2], limit: 10 },
      query: { formula: { sum: [{ key: 'n', match: { any: [] } }, '$score'] } },
      limit: 10,
    });
    expect(formula.status, JSON.stringify(formula.body)).toBe(200);
  });

  it('match except [] matches every point holding the field, indexed or not', async () => {
    const C = 'match_except_empty';
    await recreate(s, C, { vectors: { size: 2, distance: 'Dot' } });
    await upsert(s, C, [1, 2, 3].map((n) => ({ id: n, vector: [1, 1], payload: { n, tag: 'abc'[n - 1] } })));
    await upsert(s, C, [{ id: 4, vector: [1, 1], payload: { other: true } }]);
    for (const key of ['n', 'tag']) expect(await scrollIds(C, { must: [{ key, match: { except: [] } }] })).toEqual([1, 2, 3]);
    await index(C, 'n', 'integer');
    await index(C, 'tag', 'keyword');
    for (const key of ['n', 'tag']) expect(await scrollIds(C, { must: [{ key, match: { except: [] } }] })).toEqual([1, 2, 3]);
  });

  it('is_null matches a null inside an array, as a condition and as a field condition, indexed or not', async () => {
    const points = [
      { id: 1, payload: { s: [null, 'a'] }, vector: [0.2, 0.3] },
      { id: 2, payload: { s: null }, vector: [0.2, 0.4] },
      { id: 3, payload: { s: ['a'] }, vector: [0.1, 0.4] },
      { id: 4, payload: { s: [null] }, vector: [0.1, 0.5] },
    ];
    for (const indexed of [true, false]) {
      const C = indexed ? 'is_null_indexed' : 'is_null_plain';
      await recreate(s, C, { vectors: { size: 2, distance: 'Dot' } });
      if (indexed) await index(C, 's', 'keyword');
      await upsert(s, C, points);
      expect(await scrollIds(C, { must: [{ is_null: { key: 's' } }] }), C).toEqual([1, 2, 4]);
      expect(await scrollIds(C, { must: [{ key: 's', is_null: true }] }), C).toEqual([1, 2, 4]);
    }
  });
});
