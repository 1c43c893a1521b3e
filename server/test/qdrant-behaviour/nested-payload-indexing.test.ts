import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { nestedCollection } from './qdrant-collections.js';

// Qdrant's indexes on nested paths: `a.b` and `a.b[].c` index like any key, payload_schema counts the points that
// hold a value there, and filters read nested paths with or without an index; a plain `a.b.c` does not step into
// an array of objects implicitly, while `[]` and `[i]` do.
const C = 'nested_indexing';

describe('nested payload indexes behave as in Qdrant', () => {
  let s: Server;
  const scroll = async (condition: unknown) =>
    (await s.ok('POST', `/collections/${C}/points/scroll`, { filter: { should: [condition] }, limit: 3 })).points;

  beforeAll(async () => {
    s = await startServer();
    await nestedCollection(s, C);
  });
  afterAll(() => s.close());

  it('nested and nested-array indexes, filters through them and without them, then deletion', async () => {
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'country.capital', field_schema: 'keyword' });
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'country.cities[].population', field_schema: 'float' });
    const schema = (await s.ok('GET', `/collections/${C}`)).payload_schema;
    expect(schema['country.capital']).toMatchObject({ data_type: 'keyword', points: 4 });
    expect(schema['country.cities[].population']).toMatchObject({ data_type: 'float', points: 4 });

    const london = await scroll({ key: 'country.capital', match: { value: 'London' } });
    expect(london.map((p: any) => p.payload.country.name)).toEqual(['England']);
    const france = await scroll({ key: 'country.name', match: { value: 'France' } });
    expect(france.map((p: any) => p.payload.country.capital)).toEqual(['Paris']);
    expect(await scroll({ key: 'country.cities.population', range: { gte: 9.0 } })).toEqual([]);
    const big = await scroll({ key: 'country.cities[].population', range: { gte: 9.0 } });
    expect(big.map((p: any) => p.payload.country.name)).toEqual(['Japan']);
    for (const condition of [
      { key: 'country.cities[].sightseeing', match: { value: 'Eiffel Tower' } },
      { key: 'country.cities[0].name', match: { value: 'Paris' } },
      { key: 'country.cities[].sightseeing[1]', match: { value: 'Louvre' } },
    ]) {
      const found = await scroll(condition);
      expect(found.map((p: any) => p.payload.country.capital), JSON.stringify(condition)).toEqual(['Paris']);
    }

    await s.ok('DELETE', `/collections/${C}/index/country.capital?wait=true`);
    await s.ok('DELETE', `/collections/${C}/index/${encodeURIComponent('country.cities[].population')}?wait=true`);
    expect((await s.ok('GET', `/collections/${C}`)).payload_schema).toEqual({});
  });
});
