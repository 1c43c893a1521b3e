import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { nestedCollection, recreate, upsert } from './qdrant-collections.js';

// Qdrant's `nested` filter condition: the inner filter must hold for one element of the array (not for the point
// as a whole), `[]` is implied on the key, must_not inside applies per element, is_null / values_count / geo work
// on element fields, with or without payload indexes, and nested conditions nest.
describe('nested filters behave as in Qdrant', () => {
  let s: Server;
  const countries = async (collection: string, filter: unknown) =>
    (await s.ok('POST', `/collections/${collection}/points/scroll`, { filter: { must: [filter] }, limit: 3 })).points.map(
      (p: any) => p.payload.country?.name ?? p.id,
    );
  const cities = (filter: unknown) => ({ nested: { key: 'country.cities', filter } });

  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('conditions on the elements of an array of objects', async () => {
    const C = 'nested_query';
    await nestedCollection(s, C);
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'country.capital', field_schema: 'keyword' });
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'country.cities[].population', field_schema: 'float' });
    const schema = (await s.ok('GET', `/collections/${C}`)).payload_schema;
    expect(schema['country.capital'].points).toBe(4);
    expect(schema['country.cities[].population'].points).toBe(4);

    const big = { key: 'population', range: { gte: 9.0 } };
    expect(await countries(C, { nested: { key: 'country.cities[]', filter: { must: [big] } } })).toEqual(['Japan']);
    expect(await countries(C, cities({ must: [big] }))).toEqual(['Japan']);
    expect(await countries(C, cities({ must: [{ must: [{ key: 'sightseeing', values_count: { gt: 3 } }] }] }))).toEqual(['France']);
    expect(await countries(C, cities({ must: [big], must_not: [{ key: 'sightseeing', values_count: { gt: 1 } }] }))).toEqual([]);
    // both conditions must hold for the same city
    expect(await countries(C, cities({ must: [big, { key: 'sightseeing', values_count: { gt: 2 } }] }))).toEqual([]);
    expect(await countries(C, cities({ must: [{ key: 'population', range: { gte: 8.0 } }, { key: 'sightseeing', values_count: { lt: 3 } }] }))).toEqual(['Japan']);
    expect(await countries(C, cities({ must_not: [{ key: 'population', range: { lt: 8.0 } }, { is_null: { key: 'name' } }] }))).toEqual(['England', 'Japan']);
    expect(
      await countries(C, cities({ must_not: [{ key: 'population', range: { lt: 8.0 } }, { key: 'sightseeing', values_count: { gte: 3 } }, { is_null: { key: 'name' } }] })),
    ).toEqual(['Japan']);
    expect(await countries(C, cities({ must: [{ is_null: { key: 'name' } }] }))).toEqual(['Nauru']);
    const box = { bottom_right: { lon: 13.76117, lat: 52.33825 }, top_left: { lon: 13.08835, lat: 52.67551 } };
    expect(await countries(C, cities({ must: [{ key: 'location', geo_bounding_box: box }] }))).toEqual(['Germany']);
    const radius = { center: { lon: 13.76117, lat: 52.33825 }, radius: 1000 };
    expect(await countries(C, cities({ must: [{ key: 'location', geo_radius: radius }] }))).toEqual(['Germany']);
  });

  it('nested conditions inside nested conditions, with and without an index', async () => {
    const C = 'nesting_nested';
    await recreate(s, C, { vectors: { size: 4, distance: 'Dot' } });
    await upsert(s, C, [
      { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { arr1: [{ arr2: [{ a: 1, b: 2 }] }, { arr2: [{ a: 3, b: 4 }, { a: 5, b: 6 }] }] } },
      { id: 2, vector: [0.15, 0.71, 0.78, 0.24], payload: { arr1: [{ arr2: [{ a: 2, b: 3 }] }, { arr2: [{ a: 3, b: 5 }, { a: 5, b: 7 }] }] } },
    ]);
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'arr1[].arr2[].a', field_schema: 'integer' });
    expect((await s.ok('GET', `/collections/${C}`)).payload_schema['arr1[].arr2[].a']).toMatchObject({ data_type: 'integer', points: 2 });
    const match = (key: string, value: number) => ({ key, match: { value } });
    expect(await countries(C, { nested: { key: 'arr1', filter: { must: [match('arr2[].a', 5)] } } })).toEqual([1, 2]);
    expect(await countries(C, { nested: { key: 'arr1', filter: { must: [match('arr2[].a', 4)] } } })).toEqual([]);
    expect(await countries(C, { nested: { key: 'arr1', filter: { must: [match('arr2[].b', 6)] } } })).toEqual([1]);
    expect(await countries(C, { nested: { key: 'arr1[].arr2', filter: { must: [match('b', 8)] } } })).toEqual([]);
    const inner = (filter: unknown) => ({ nested: { key: 'arr1', filter: { must: [{ nested: { key: 'arr2', filter } }] } } });
    expect(await countries(C, inner({ must: [match('a', 5)] }))).toEqual([1, 2]);
    expect(await countries(C, inner({ must: [match('a', 5), match('b', 6)] }))).toEqual([1]);
    expect(await countries(C, inner({ should: [match('a', 5), match('b', 6)] }))).toEqual([1, 2]);
  });
});
