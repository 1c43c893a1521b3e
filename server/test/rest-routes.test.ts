import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { call, expectError, expectResult } from './rest/helpers.js';

// Every route family against the real embedded engine; each 200 answer is checked against the response schema of
// Qdrant's published API description.
const DIM = 4;
const point = (id: number) => ({
  id,
  vector: [Math.sin(id), Math.cos(id), Math.sin(id * 0.5), Math.cos(id * 0.3)],
  payload: { group: id % 3 === 0 ? 'a' : 'b', n: id },
});

describe('REST routes on the embedded engine', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildRestApp({ client: await createEmbeddedClient() });
  });
  afterAll(() => app.close());

  it('creates, reads and lists collections; 409 on a duplicate, 404 on a missing one', async () => {
    expect(expectResult(await call(app, 'PUT', '/collections/docs', { vectors: { size: DIM, distance: 'Cosine' } }), 'create_collection')).toBe(true);
    expectError(await call(app, 'PUT', '/collections/docs', { vectors: { size: DIM, distance: 'Cosine' } }), 409);
    expectResult(await call(app, 'GET', '/collections/docs'), 'get_collection');
    expect(expectResult(await call(app, 'GET', '/collections'), 'get_collections').collections).toEqual([{ name: 'docs' }]);
    expect(expectResult(await call(app, 'GET', '/collections/docs/exists'), 'collection_exists')).toEqual({ exists: true });
    expect(expectError(await call(app, 'GET', '/collections/nope'), 404)).toContain('nope');
  });

  it('upserts and reads points; 400 on a wrong dimension', async () => {
    const points = Array.from({ length: 30 }, (_, i) => point(i + 1));
    const result = expectResult(await call(app, 'PUT', '/collections/docs/points?wait=true', { points }), 'upsert_points');
    expect(result.status).toBe('completed');
    expect(expectError(await call(app, 'PUT', '/collections/docs/points', { points: [{ id: 99, vector: [1, 2] }] }), 400)).toContain('dimension');
    const one = expectResult(await call(app, 'GET', '/collections/docs/points/3'), 'get_point');
    expect(one).toMatchObject({ id: 3, payload: { group: 'a', n: 3 } });
    expectError(await call(app, 'GET', '/collections/docs/points/999'), 404);
    const many = expectResult(await call(app, 'POST', '/collections/docs/points', { ids: [1, 2, 500] }), 'get_points');
    expect(many.map((r: { id: number }) => r.id).sort()).toEqual([1, 2]);
  });

  it('scrolls, counts and facets with filters', async () => {
    const filter = { must: [{ key: 'group', match: { value: 'a' } }] };
    const page = expectResult(await call(app, 'POST', '/collections/docs/points/scroll', { filter, limit: 4 }), 'scroll_points');
    expect(page.points).toHaveLength(4);
    expect(page.next_page_offset).toBe(15);
    expect(expectResult(await call(app, 'POST', '/collections/docs/points/count', { filter, exact: true }), 'count_points')).toEqual({ count: 10 });
    await call(app, 'PUT', '/collections/docs/index?wait=true', { field_name: 'group', field_schema: 'keyword' });
    const facet = expectResult(await call(app, 'POST', '/collections/docs/facet', { key: 'group' }), 'facet');
    expect(facet.hits).toEqual(expect.arrayContaining([{ value: 'b', count: 20 }, { value: 'a', count: 10 }]));
  });

  it('queries nearest points, as the brute-force order says', async () => {
    const target = point(7).vector;
    const result = expectResult(await call(app, 'POST', '/collections/docs/points/query', { query: target, limit: 3, with_payload: true }), 'query_points');
    expect(result.points[0].id).toBe(7);
    const legacy = await call(app, 'POST', '/collections/docs/points/search', { vector: target, limit: 3 });
    expect(legacy.statusCode).toBe(200);
    expect((legacy.json() as { result: Array<{ id: number }> }).result[0]!.id).toBe(7);
    const batch = expectResult(await call(app, 'POST', '/collections/docs/points/query/batch', { searches: [{ query: target, limit: 1 }, { query: 5, limit: 1 }] }), 'query_batch_points');
    expect(batch).toHaveLength(2);
  });

  it('edits payloads, deletes points and answers acknowledged writes without wait', async () => {
    expectResult(await call(app, 'POST', '/collections/docs/points/payload?wait=true', { payload: { tag: 'x' }, points: [1, 2] }), 'set_payload');
    expectResult(await call(app, 'POST', '/collections/docs/points/payload/delete?wait=true', { keys: ['n'], points: [1] }), 'delete_payload');
    const record = expectResult(await call(app, 'GET', '/collections/docs/points/1'), 'get_point');
    expect(record.payload).toEqual({ group: 'b', tag: 'x' });
    expectResult(await call(app, 'PUT', '/collections/docs/points/payload?wait=true', { payload: { only: 1 }, points: [2] }), 'overwrite_payload');
    expectResult(await call(app, 'POST', '/collections/docs/points/payload/clear?wait=true', { points: [3] }), 'clear_payload');
    expectResult(await call(app, 'POST', '/collections/docs/points/delete?wait=true', { points: [30] }), 'delete_points');
    const count = expectResult(await call(app, 'POST', '/collections/docs/points/count', { exact: true }), 'count_points');
    expect(count.count).toBe(29);
    const unawaited = expectResult(await call(app, 'PUT', '/collections/docs/points', { points: [point(40)] }), 'upsert_points');
    expect(['acknowledged', 'completed']).toContain(unawaited.status);
  });

  it('manages aliases and resolves them in point calls', async () => {
    const actions = [{ create_alias: { collection_name: 'docs', alias_name: 'live' } }];
    expect(expectResult(await call(app, 'POST', '/collections/aliases', { actions }), 'update_aliases')).toBe(true);
    expect(expectResult(await call(app, 'GET', '/aliases'), 'get_collections_aliases').aliases).toEqual([{ alias_name: 'live', collection_name: 'docs' }]);
    expectResult(await call(app, 'GET', '/collections/docs/aliases'), 'get_collection_aliases');
    expect(expectResult(await call(app, 'POST', '/collections/live/points/count', {}), 'count_points').count).toBeGreaterThan(0);
  });

  it('reports one local shard and refuses shard keys in auto sharding', async () => {
    const info = expectResult(await call(app, 'GET', '/collections/docs/cluster'), 'collection_cluster_info');
    expect(info.local_shards).toHaveLength(1);
    expect(info.local_shards[0].points_count).toBeGreaterThan(0);
    expectError(await call(app, 'PUT', '/collections/docs/shards', { shard_key: 'k' }), 400);
    expectError(await call(app, 'POST', '/collections/docs/cluster', { move_shard: { shard_id: 0, from_peer_id: 1, to_peer_id: 2 } }), 405);
    expectResult(await call(app, 'GET', '/collections/docs/optimizations'), 'get_optimizations');
    expectResult(await call(app, 'GET', '/telemetry'), 'telemetry');
    expect((await call(app, 'GET', '/metrics')).body).toMatch(/collection_points\{collection="docs"\} \d+/);
  });

  it('snapshots a collection, downloads it and restores it by upload and by URL', async () => {
    const created = expectResult(await call(app, 'POST', '/collections/docs/snapshots?wait=true'), 'create_snapshot');
    const listed = expectResult(await call(app, 'GET', '/collections/docs/snapshots'), 'list_snapshots');
    expect(listed.map((s: { name: string }) => s.name)).toContain(created.name);
    const file = await call(app, 'GET', `/collections/docs/snapshots/${created.name}`);
    expect(file.headers['content-type']).toBe('application/octet-stream');

    const boundary = 'b0undary';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="snapshot"; filename="s.snapshot"\r\n\r\n`),
      file.rawPayload,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = await app.inject({ method: 'POST', url: `/collections/copy/snapshots/upload?wait=true&checksum=${created.checksum}`, payload: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(expectResult(upload, 'recover_from_uploaded_snapshot')).toBe(true);
    const original = expectResult(await call(app, 'POST', '/collections/docs/points/scroll', { limit: 100, with_vector: true }), 'scroll_points');
    const copy = expectResult(await call(app, 'POST', '/collections/copy/points/scroll', { limit: 100, with_vector: true }), 'scroll_points');
    expect(copy.points).toHaveLength(original.points.length);
    original.points.forEach((p: { id: number; payload: unknown; vector: number[] }, i: number) => {
      expect(copy.points[i]).toMatchObject({ id: p.id, payload: p.payload });
      // Cosine vectors are normalized again on restore: equal up to float32 rounding.
      p.vector.forEach((x, d) => expect(copy.points[i].vector[d]).toBeCloseTo(x, 6));
    });
    const schema = expectResult(await call(app, 'GET', '/collections/copy'), 'get_collection').payload_schema;
    expect(Object.keys(schema)).toEqual(['group']);

    // In-memory snapshots: no snapshot file is ever read from disk (see snapshot-sources.ts).
    expectError(await call(app, 'PUT', '/collections/other/snapshots/recover', { location: 'file:///definitely/missing.snapshot' }), 403);
    expect(expectError(await call(app, 'PUT', '/collections/other/snapshots/recover', { location: 'ftp://host/x.snapshot' }), 400)).toContain('scheme');
    expect(expectResult(await call(app, 'DELETE', `/collections/docs/snapshots/${created.name}`), 'delete_snapshot')).toBe(true);
    expectError(await call(app, 'DELETE', `/collections/docs/snapshots/${created.name}`), 404);
  });

  it('takes full and shard snapshots', async () => {
    const full = expectResult(await call(app, 'POST', '/snapshots?wait=true'), 'create_full_snapshot');
    expect(expectResult(await call(app, 'GET', '/snapshots'), 'list_full_snapshots').map((s: { name: string }) => s.name)).toContain(full.name);
    expect((await call(app, 'GET', `/snapshots/${full.name}`)).statusCode).toBe(200);
    expectResult(await call(app, 'POST', '/collections/docs/shards/0/snapshots?wait=true'), 'create_shard_snapshot');
    expect(expectResult(await call(app, 'GET', '/collections/docs/shards/0/snapshots'), 'list_shard_snapshots')).toHaveLength(1);
    expectError(await call(app, 'GET', '/collections/docs/shards/3/snapshots'), 404);
    expect((await call(app, 'GET', '/collections/docs/shards/0/snapshot')).statusCode).toBe(200);
  });

  it('deletes a collection', async () => {
    expect(expectResult(await call(app, 'DELETE', '/collections/copy'), 'delete_collection')).toBe(true);
    expectError(await call(app, 'GET', '/collections/copy'), 404);
  });
});
