import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Facet counts over keyword, integer, uuid and bool indexes, as Qdrant answers them (its test_facets.py): hits sorted
// by count, then by value; a point with an array counts once per distinct value.
describe('facets as Qdrant answers them', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
    const extra: Array<[number, number, string, boolean]> = [
      [100, 3, 'a64a8051-3ee7-4881-8bc6-691d25c70d54', true],
      [101, 3, 'a64a8051-3ee7-4881-8bc6-691d25c70d54', true],
      [102, 3, '7cb46fb3-e348-4762-93ad-7fb983d2b85e', false],
      [103, 0, '2b016c50-282c-4d80-b784-cefead291180', true],
      [104, 3, 'a64a8051-3ee7-4881-8bc6-691d25c70d54', true],
      [105, 1, 'a64a8051-3ee7-4881-8bc6-691d25c70d54', false],
      [106, 2, '7cb46fb3-e348-4762-93ad-7fb983d2b85e', false],
      [107, 0, 'a64a8051-3ee7-4881-8bc6-691d25c70d54', true],
    ];
    await s.ok('PUT', '/collections/c/points?wait=true', {
      points: extra.map(([id, integer, uuid, boolean]) => ({ id, vector: {}, payload: { integer, uuid, boolean } })),
    });
    for (const [field_name, field_schema] of [['city', 'keyword'], ['integer', 'integer'], ['uuid', 'uuid'], ['boolean', 'bool']]) {
      await s.ok('PUT', '/collections/c/index?wait=true', { field_name, field_schema });
    }
  });
  afterAll(() => s.close());

  const facet = (key: string) => s.ok('POST', '/collections/c/facet', { key });

  it('counts keyword values, ties in value order', async () => {
    expect(await facet('city')).toEqual({ hits: [{ value: 'Berlin', count: 3 }, { value: 'London', count: 2 }, { value: 'Moscow', count: 2 }] });
  });

  it('counts integer values', async () => {
    expect(await facet('integer')).toEqual({
      hits: [{ value: 3, count: 4 }, { value: 0, count: 2 }, { value: 1, count: 1 }, { value: 2, count: 1 }],
    });
  });

  it('counts uuid values', async () => {
    expect(await facet('uuid')).toEqual({
      hits: [
        { value: 'a64a8051-3ee7-4881-8bc6-691d25c70d54', count: 5 },
        { value: '7cb46fb3-e348-4762-93ad-7fb983d2b85e', count: 2 },
        { value: '2b016c50-282c-4d80-b784-cefead291180', count: 1 },
      ],
    });
  });

  it('counts bool values', async () => {
    expect(await facet('boolean')).toEqual({ hits: [{ value: true, count: 5 }, { value: false, count: 3 }] });
  });
});
