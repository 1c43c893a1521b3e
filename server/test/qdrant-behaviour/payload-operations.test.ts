import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection, recreate, upsert } from './qdrant-collections.js';

// Qdrant's payload operations over REST: set (POST) merges, overwrite (PUT) replaces, clear and delete by ids or by
// filter, and set with `key` writes inside a nested object (dotted paths, array indexes, `[]` for every element,
// missing objects created on the way).
const C = 'payload_ops';

describe('payload operations behave as in Qdrant', () => {
  let s: Server;
  const payload = async (id: number) => (await s.ok('GET', `/collections/${C}/points/${id}`)).payload;
  const setPayload = (body: unknown) => s.ok('POST', `/collections/${C}/points/payload?wait=true`, body);
  const scrollIds = async (filter: unknown) =>
    (await s.ok('POST', `/collections/${C}/points/scroll`, { filter })).points.map((p: { id: number }) => p.id);

  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(() => basicCollection(s, C));
  afterAll(() => s.close());

  it('set, clear by filter, delete keys by ids; overwrite replaces while set merges', async () => {
    await setPayload({ payload: { test_payload: 'keyword' }, points: [6] });
    expect(await payload(6)).toEqual({ test_payload: 'keyword' });

    await s.ok('POST', `/collections/${C}/points/payload/clear?wait=true`, { filter: { must: [{ has_id: [6] }] } });
    expect(await payload(6)).toEqual({});

    await setPayload({ payload: { test_payload: 'keyword' }, points: [6] });
    await s.ok('POST', `/collections/${C}/points/payload/delete?wait=true`, { keys: ['test_payload'], points: [6] });
    expect(await payload(6)).toEqual({});

    await s.ok('PUT', `/collections/${C}/points/payload?wait=true`, { payload: { key1: 'aaa', key2: 'bbb' }, points: [6] });
    expect(await payload(6)).toEqual({ key1: 'aaa', key2: 'bbb' });
    await setPayload({ payload: { key1: 'ccc' }, points: [6] });
    expect(await payload(6)).toEqual({ key1: 'ccc', key2: 'bbb' });
    await s.ok('PUT', `/collections/${C}/points/payload?wait=true`, { payload: { key2: 'eee' }, points: [6] });
    expect(await payload(6)).toEqual({ key2: 'eee' });
  });

  it('set by filter reaches every matching point, delete keys by filter removes them', async () => {
    await setPayload({ payload: { key4: 'aaa' }, points: [1, 2, 3] });
    expect(await scrollIds({ must: [{ key: 'key4', match: { value: 'aaa' } }] })).toEqual([1, 2, 3]);
    await setPayload({ payload: { key5: 'bbb' }, filter: { must: [{ key: 'key4', match: { value: 'aaa' } }] } });
    expect(await scrollIds({ must: [{ key: 'key5', match: { value: 'bbb' } }] })).toEqual([1, 2, 3]);
    await s.ok('POST', `/collections/${C}/points/payload/delete?wait=true`, {
      keys: ['key5'],
      filter: { must: [{ key: 'key5', match: { value: 'bbb' } }] },
    });
    expect(await scrollIds({ must: [{ key: 'key5', match: { value: 'bbb' } }] })).toEqual([]);
  });

  it('set with a key writes inside nested objects, array elements and new paths', async () => {
    await setPayload({ payload: { key6: 'xxx' }, points: [1], key: null });
    expect(await payload(1)).toEqual({ city: 'Berlin', price: 10, key6: 'xxx' });

    await setPayload({
      payload: { key6: { subkey: 'xxx', arraykey: [{ a1: { a1k: 'xxx' } }, { a2: { a2k: 'xxx' } }], subkey2: { subkey3: 'xxx' } } },
      points: [1],
    });
    await setPayload({ payload: { subkey: 'yyy' }, points: [1], key: 'key6' });
    await setPayload({ payload: { subkey3: 'yyy' }, points: [1], key: 'key6.subkey2' });
    await setPayload({ payload: { a1k: 'yyy' }, points: [1], key: 'key6.arraykey[0].a1' });
    await setPayload({ payload: { a2k: 'yyy' }, points: [1], key: 'key6.arraykey[].a2' });
    await setPayload({ payload: { key: 'xxx' }, points: [1], key: 'key6.subkey7' });
    const p = await payload(1);
    expect(Object.keys(p)).toHaveLength(3);
    expect(p.key6).toEqual({
      subkey: 'yyy',
      // `[]` reaches every element, and a missing key on the way is created (Qdrant's set.rs does the same)
      arraykey: [{ a1: { a1k: 'yyy' }, a2: { a2k: 'yyy' } }, { a2: { a2k: 'yyy' } }],
      subkey2: { subkey3: 'yyy' },
      subkey7: { key: 'xxx' },
    });
  });

  it('set with a key is idempotent on a point without payload', async () => {
    for (let round = 0; round < 2; round++) {
      await setPayload({ payload: { key: 'xxx' }, points: [9], key: 'key' });
      expect(await payload(9)).toEqual({ key: { key: 'xxx' } });
    }
  });

  it('a set payload replaces an indexed nested object: the old sub-field no longer matches', async () => {
    const N = 'payload_ops_index';
    await recreate(s, N, { vectors: { size: 4, distance: 'Dot' } });
    for (const field of ['a.x', 'a.y', 'b', 'nested.a.x', 'nested.a.y', 'nested.b']) {
      await s.ok('PUT', `/collections/${N}/index?wait=true`, { field_name: field, field_schema: 'integer' });
    }
    await upsert(s, N, [{ id: 1, vector: [1, 2, 3, 4], payload: { a: { x: 1 }, b: 1, nested: { a: { x: 1 }, b: 1 } } }]);
    const count = async (key: string) =>
      (await s.ok('POST', `/collections/${N}/points/scroll`, { with_payload: true, filter: { must: [{ key, match: { value: 1 } }] } })).points.length;

    await s.ok('POST', `/collections/${N}/points/payload?wait=true`, { payload: { a: { y: 1 } }, points: [1] });
    expect([await count('a.x'), await count('a.y')]).toEqual([0, 1]);
    await s.ok('POST', `/collections/${N}/points/payload?wait=true`, { payload: { a: { y: 1 } }, points: [1], key: 'nested' });
    expect([await count('nested.a.x'), await count('nested.a.y')]).toEqual([0, 1]);
    await s.ok('DELETE', `/collections/${N}`);
  });
});
