import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection, upsert } from './qdrant-collections.js';

// Qdrant's grouped queries (/points/query/groups): groups by a payload key, each value of an array payload making
// its own group, only strings and integers as group ids (floats, objects, nested arrays, empty and null make
// none), with_lookup joining each group id to a point of another collection, and 404 for a missing collection.
const C = 'groups';
const L = 'groups_lookup';

describe('grouped queries behave as in Qdrant', () => {
  let s: Server;
  const groups = async (body: Record<string, unknown>) => {
    const reply = await s.call('POST', `/collections/${C}/points/query/groups`, { with_payload: true, ...body });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body.result.groups as Array<{ id: unknown; hits: any[]; lookup?: any }>;
  };

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, C);
    const docs = [];
    for (let doc = 0; doc < 50; doc++) for (let chunk = 0; chunk < 5; chunk++) docs.push({ id: doc * 5 + chunk, vector: [1, 0, 0, 0], payload: { docId: doc } });
    await upsert(s, C, docs);
    const multi = [];
    for (let doc = 0; doc < 3; doc++) for (let chunk = 0; chunk < 5; chunk++) {
      multi.push({ id: 5000 + doc * 5 + chunk, vector: [0, 1, 0, 0], payload: { multiId: [`valid_${doc}`, `valid_too_${doc}`] } });
    }
    await upsert(s, C, multi);
    const odd: unknown[] = ['string', 123, [1, 2, 3], ['a', 'b', 'c'], 2.42, [['a', 'b', 'c']], { object: 'string' }, [], null];
    await upsert(s, C, odd.map((value, i) => ({ id: 6000 + i, vector: [0, 0, 1, 0], payload: { heterogenousId: value } })));
    await upsert(s, C, [
      ...Array.from({ length: 100 }, (_, i) => ({ id: 9000 + i, vector: [0, 0, 1, 1], payload: { mkey: ['a'] } })),
      ...Array.from({ length: 10 }, (_, i) => ({ id: 9100 + i, vector: [0, 0, 1, 0], payload: { mkey: ['a', 'b'] } })),
    ]);
    await basicCollection(s, L);
    await upsert(s, L, Array.from({ length: 100 }, (_, i) => ({ id: i, vector: [1, 0, 0, 0], payload: { body: `doc body ${i}` } })));
  });
  afterAll(() => s.close());

  it('a point with an array value joins the group of each value', async () => {
    const found = await groups({ query: [0, 0, 1, 1], limit: 2, group_by: 'mkey', group_size: 2 });
    expect(found.map((g) => g.id)).toEqual(['a', 'b']);
  });

  it('nearest and recommend queries fill each group with hits of its own value', async () => {
    for (const query of [[1, 0, 0, 0], { recommend: { positive: [5, 10, 15], negative: [6, 11, 16] } }]) {
      const found = await groups({ query, limit: 10, group_by: 'docId', group_size: 3 });
      expect(found).toHaveLength(10);
      for (const g of found) {
        expect(g.hits).toHaveLength(3);
        for (const h of g.hits) expect(h.payload.docId).toBe(g.id);
      }
    }
  });

  it('with_vector returns the hits\' vectors', async () => {
    const found = await groups({ query: [1, 0, 0, 0], limit: 5, with_vector: true, group_by: 'docId', group_size: 3 });
    expect(found).toHaveLength(5);
    for (const g of found) for (const h of g.hits) expect(h.vector).toEqual([1, 0, 0, 0]);
  });

  it('a key no point has gives no groups', async () => {
    expect(await groups({ query: [1, 0, 0, 0], limit: 10, with_vector: true, group_by: 'inexistentDocId', group_size: 3 })).toEqual([]);
  });

  it('group_by an array key, with or without [], groups by every element', async () => {
    for (const group_by of ['multiId', 'multiId[]']) {
      const found = await groups({ query: [0, 1, 0, 0], limit: 6, group_by, group_size: 3 });
      expect(found.map((g) => g.id).sort()).toEqual(['valid_0', 'valid_1', 'valid_2', 'valid_too_0', 'valid_too_1', 'valid_too_2']);
    }
  });

  it('only strings and integers are group ids', async () => {
    const found = await groups({ query: [0, 0, 1, 0], limit: 10, group_by: 'heterogenousId', group_size: 3 });
    expect(found.map((g) => g.id).sort((a, b) => String(a).localeCompare(String(b)))).toEqual([1, 123, 2, 3, 'a', 'b', 'c', 'string']);
  });

  it('with_lookup joins the point whose id is the group id; its payload by default, vectors only when asked', async () => {
    const lookups: unknown[] = [L, { collection: L }, { collection: L, with_payload: true, with_vectors: false }];
    for (const with_lookup of lookups) {
      for (const query of [[1, 0, 0, 0], { recommend: { positive: [5, 10, 15], negative: [6, 11, 16] } }]) {
        const found = await groups({ query, limit: 10, group_by: 'docId', group_size: 3, with_lookup });
        expect(found).toHaveLength(10);
        for (const g of found) {
          expect(g.hits).toHaveLength(3);
          expect(g.lookup.id).toBe(g.id);
          expect(g.lookup.payload).toEqual({ body: `doc body ${g.id}` });
          expect(g.lookup.vector ?? null).toBeNull();
        }
      }
    }
    for (const with_lookup of [
      { collection: L, with_payload: false, with_vectors: false },
      { collection: L, with_payload: false, with_vector: false },
    ]) {
      for (const g of await groups({ query: [1, 0, 0, 0], limit: 10, group_by: 'docId', group_size: 3, with_lookup })) {
        expect(g.lookup.id).toBe(g.id);
        expect(g.lookup.payload ?? null).toBeNull();
        expect(g.lookup.vector ?? null).toBeNull();
      }
    }
    for (const g of await groups({ query: [1, 0, 0, 0], limit: 10, group_by: 'docId', group_size: 3, with_lookup: { collection: L, with_payload: true, with_vector: true } })) {
      expect(g.lookup.payload).toBeTruthy();
      expect(g.lookup.vector).toEqual([1, 0, 0, 0]);
    }
  });

  it('a missing lookup collection or lookup_from collection is 404 naming it', async () => {
    const base = { query: [1, 0, 0, 0], limit: 10, with_payload: true, group_by: 'docId', group_size: 3 };
    let reply = await s.call('POST', `/collections/${C}/points/query/groups`, {
      ...base,
      with_lookup: { collection: 'non_existing_collection', with_payload: true, with_vector: true },
    });
    expect(reply.status).toBe(404);
    expect(reply.body.status.error).toContain('Collection non_existing_collection not found');
    const lookup_from = { collection: 'missing_lookup_from_collection', vector: 'default' };
    for (const query of [[1, 0, 0, 0], { recommend: { positive: [[1, 0, 0, 0]] } }]) {
      reply = await s.call('POST', `/collections/${C}/points/query/groups`, { query, limit: 10, group_by: 'docId', group_size: 3, lookup_from });
      expect(reply.status, JSON.stringify(reply.body)).toBe(404);
      expect(reply.body.status.error).toContain('missing_lookup_from_collection');
    }
  });
});
