import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Aliases and collection names share one namespace, as in Qdrant (its test_alias.py): an alias may not take a
// collection's name (409) nor a collection an alias's (400); a deleted alias no longer resolves (404).
describe('aliases as Qdrant treats them', () => {
  let s: Server;
  const q = [0.2, 0.1, 0.9, 0.7];
  const aliases = (actions: object[]) => s.call('POST', '/collections/aliases', { actions });

  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(async () => {
    for (const { alias_name } of (await s.ok('GET', '/aliases')).aliases) await aliases([{ delete_alias: { alias_name } }]);
    await s.ok('DELETE', '/collections/c_2');
    await basicCollection(s, 'c');
  });
  afterAll(() => s.close());

  it('an alias cannot take the name of an existing collection: 409', async () => {
    await basicCollection(s, 'c_2');
    expect((await aliases([{ create_alias: { alias_name: 'c_2', collection_name: 'c' } }])).status).toBe(409);
  });

  it('a collection cannot take the name of an existing alias: 400', async () => {
    expect((await aliases([{ create_alias: { alias_name: 'c_3', collection_name: 'c' } }])).status).toBe(200);
    expect((await s.ok('GET', '/aliases')).aliases).toHaveLength(1);
    const res = await s.call('PUT', '/collections/c_3', { vectors: { size: 4, distance: 'Dot' } });
    expect(res.status).toBe(400);
  });

  it('an alias is listed globally and per collection, searches like its collection, and is gone once deleted', async () => {
    expect((await aliases([{ create_alias: { alias_name: 'alias', collection_name: 'c' } }])).status).toBe(200);
    expect((await s.ok('GET', '/aliases')).aliases).toEqual([{ alias_name: 'alias', collection_name: 'c' }]);
    expect((await s.ok('GET', '/collections/c/aliases')).aliases).toEqual([{ alias_name: 'alias', collection_name: 'c' }]);
    expect(await s.ok('POST', '/collections/c/points/search', { vector: q, limit: 3 })).toHaveLength(3);
    expect(await s.ok('POST', '/collections/alias/points/search', { vector: q, limit: 3 })).toHaveLength(3);
    expect((await aliases([{ delete_alias: { alias_name: 'alias' } }])).status).toBe(200);
    expect((await s.ok('GET', '/aliases')).aliases).toEqual([]);
    expect((await s.call('POST', '/collections/alias/points/search', { vector: q, limit: 3 })).status).toBe(404);
  });
});
