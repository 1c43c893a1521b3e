import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { dataChecksum, SCRATCH, seedCollections } from './reliability/seeded-data.js';

/**
 * Promise: a write the server refuses changes nothing. These bodies pass Qdrant's schema (so the fuzz suite aims
 * its versions at scratch data) but are wrong in ways only the engine can see; each must be a 4xx, and the
 * protected collections must stay byte-identical, including the valid parts of a refused batch.
 */
const ATTACKS: Array<[string, string, string, unknown]> = [
  ['wrong dimension in the 2nd point of a batch', 'PUT', '/collections/docs/points', { points: [{ id: 9001, vector: [1, 2, 3, 4] }, { id: 9002, vector: [1, 2, 3] }] }],
  ['id beyond u64', 'PUT', '/collections/docs/points', { points: [{ id: 18446744073709551616, vector: [1, 2, 3, 4] }] }],
  ['id JS cannot hold exactly', 'PUT', '/collections/docs/points', { points: [{ id: 2 ** 53 + 2, vector: [1, 2, 3, 4] }] }],
  ['unknown vector name', 'PUT', '/collections/named/points', { points: [{ id: 9004, vector: { c: [1, 2, 3] } }] }],
  ['sparse indices and values of different lengths', 'PUT', '/collections/named/points', { points: [{ id: 9005, vector: { s: { indices: [1, 2], values: [0.5] } } }] }],
  ['sparse duplicate indices', 'PUT', '/collections/named/points', { points: [{ id: 9006, vector: { s: { indices: [3, 3], values: [0.5, 0.25] } } }] }],
  ['columnar batch with fewer vectors than ids', 'PUT', '/collections/docs/points', { batch: { ids: [9007, 9008], vectors: [[1, 2, 3, 4]] } }],
  ['update vectors with a wrong dimension', 'PUT', '/collections/docs/points/vectors', { points: [{ id: 1, vector: [1, 2] }] }],
  ['update vectors of a missing point', 'PUT', '/collections/docs/points/vectors', { points: [{ id: 424242, vector: [1, 2, 3, 4] }] }],
  ['delete an unknown vector name', 'POST', '/collections/named/points/vectors/delete', { points: [1000], vector: ['nope'] }],
  ['set payload of a missing point', 'POST', '/collections/docs/points/payload', { payload: { x: 1 }, points: [424242] }],
  ['payload key path into nothing', 'POST', '/collections/docs/points/payload', { payload: { x: 1 }, points: [1], key: 'a[' }],
  ['batch whose first operation is wrong', 'POST', '/collections/docs/points/batch', {
    operations: [{ upsert: { points: [{ id: 9009, vector: [1] }] } }, { delete: { points: [1, 2] } }],
  }],
  ['index with an unknown type', 'PUT', '/collections/docs/index', { field_name: 'x', field_schema: 'quantum' }],
  ['collection recreated over an existing one', 'PUT', '/collections/docs', { vectors: { size: 8, distance: 'Dot' } }],
  ['alias named like a collection', 'POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: SCRATCH, alias_name: 'docs' } }] }],
  ['recover from a local file outside the snapshots folder', 'PUT', '/collections/docs/snapshots/recover', { location: 'file:///etc/passwd' }],
  ['recover from a URL with no host', 'PUT', '/collections/docs/snapshots/recover', { location: 'http://' }],
  ['query with a wrong dimension', 'POST', '/collections/docs/points/query', { query: [1, 2, 3] }],
  ['search with a limit in the billions', 'POST', '/collections/docs/points/search', { vector: [1, 2, 3, 4], limit: 4_000_000_000, offset: 4_000_000_000 }],
];

describe('refused writes change nothing', () => {
  let client: EmbeddedClient;
  let app: FastifyInstance;
  beforeAll(async () => {
    client = await createEmbeddedClient();
    await seedCollections(client);
    app = await buildRestApp({ client });
  });
  afterAll(async () => {
    await app.close();
    await client.close();
  });

  it.each(ATTACKS)('%s', async (_name, method, url, body) => {
    const start = await dataChecksum(client);
    const response = await app.inject({ method: method as 'PUT', url: `${url}?wait=true`, payload: body as object });
    const status = response.statusCode;
    // The billion limit is a legal read: it must answer (with every point) rather than allocate by the limit.
    if (url.endsWith('/search')) expect(status, response.body).toBe(200);
    else {
      expect(status >= 400 && status < 500, `${status} ${response.body}`).toBe(true);
      expect(typeof response.json().status.error).toBe('string');
    }
    expect(await dataChecksum(client)).toBe(start);
  });

  it('stores a `__proto__` payload key as data, without polluting any prototype', async () => {
    const text = '{"points":[1],"payload":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}}';
    const response = await app.inject({ method: 'POST', url: `/collections/${SCRATCH}/points/payload?wait=true`, payload: text, headers: { 'content-type': 'application/json' } });
    expect(response.statusCode, response.body).toBe(200);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const [point] = await client.retrieve(SCRATCH, { ids: [1], with_payload: true });
    expect(Object.getPrototypeOf(point!.payload)).toBe(Object.prototype);
    expect(Object.hasOwn(point!.payload!, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('selects payload keys named like inherited properties as data, and only when present', async () => {
    const text = '{"limit":3,"with_payload":["constructor","toString","__proto__.constructor","city.name"]}';
    const response = await app.inject({ method: 'POST', url: '/collections/docs/points/scroll', payload: text, headers: { 'content-type': 'application/json' } });
    expect(response.statusCode, response.body).toBe(200);
    for (const point of response.json().result.points) expect(point.payload).toEqual({ city: { name: expect.any(String) } });
  });
});
