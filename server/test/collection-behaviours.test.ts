import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import { Distance, Modifier, UpdateMode } from '@sextant/proto';
import type { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { startHarness, type Harness } from './grpc/harness.js';
import { Code, expectCode } from './grpc/expect-code.js';
import { num } from './grpc/ids.js';

const vec = (data: number[]) => ({ vector: { case: 'dense' as const, value: { data } } });

// Issue 8's collection behaviours through the official clients: named vectors added and dropped, optimizations,
// conditional updates and strict mode.
describe('collection behaviours through the official REST client', () => {
  let app: FastifyInstance;
  let engine: EmbeddedClient;
  let client: QdrantClient;
  let url: string;
  beforeAll(async () => {
    engine = await createEmbeddedClient();
    app = await buildRestApp({ client: engine });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    client = new QdrantClient({ url, checkCompatibility: false });
    await client.createCollection('b', { vectors: { text: { size: 2, distance: 'Dot' } } });
    await client.upsert('b', { points: [1, 2, 3, 4].map((id) => ({ id, vector: { text: [id, 1] }, payload: { v: id % 2 } })) });
  });
  afterAll(() => app.close());

  it('adds and drops named vectors (PUT/DELETE /collections/{c}/vectors/{name})', async () => {
    expect(await client.createVectorName('b', 'img', { dense: { size: 3, distance: 'Euclid' } })).toMatchObject({ status: 'completed' });
    expect(await client.createVectorName('b', 'kw', { sparse: { modifier: 'idf' } })).toMatchObject({ status: 'completed' });
    const info = await client.getCollection('b');
    expect(info.config.params.vectors).toEqual({ text: { size: 2, distance: 'Dot' }, img: { size: 3, distance: 'Euclid' } });
    expect(info.config.params.sparse_vectors).toEqual({ kw: { modifier: 'idf' } });
    await client.updateVectors('b', { points: [{ id: 1, vector: { img: [1, 1, 1] } }] });
    expect((await client.query('b', { query: [1, 1, 1], using: 'img' })).points.map((p) => [p.id, p.score])).toEqual([[1, 0]]);
    await client.deleteVectorName('b', 'img');
    await client.deleteVectorName('b', 'kw');
    await expect(client.deleteVectorName('b', 'img')).rejects.toMatchObject({ status: 400 });
    expect((await client.retrieve('b', { ids: [1], with_vector: true }))[0]!.vector).toEqual({ text: [1, 1] });
    await expect(client.createVectorName('b', 'text', { dense: { size: 2, distance: 'Dot' } })).rejects.toMatchObject({ status: 400 });
  });

  it('reports optimizations: the indexing run and its completion', async () => {
    await client.createCollection('big', { vectors: { size: 8, distance: 'Cosine' }, optimizers_config: { indexing_threshold: 1 } });
    let s = 9;
    const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    await client.upsert('big', { points: Array.from({ length: 500 }, (_, id) => ({ id, vector: Array.from({ length: 8 }, r) })) });
    const engineView = await engine.getOptimizations('big', { with: 'completed' });
    await engine.engine.resolve('big').whenIndexed();
    const after = await client.getOptimizations('big', { with: 'completed,idle_segments', completed_limit: 5 });
    expect(after.running).toEqual([]);
    expect(after.summary).toEqual({ queued_optimizations: 0, queued_segments: 0, queued_points: 0, idle_segments: 1 });
    expect(after.completed!.map((o) => [o.optimizer, o.status, o.progress.done, o.progress.total])).toEqual([['indexing', 'done', 500, 500]]);
    // What ran before the wait is that same run.
    expect(engineView.running.map((o) => o.uuid).concat(engineView.completed!.map((o) => o.uuid))).toContain(after.completed![0]!.uuid);
    await expect(client.getOptimizations('nope')).rejects.toMatchObject({ status: 404 });
  });

  it('conditional upserts and update_vectors with update_filter', async () => {
    await client.upsert('b', {
      points: [{ id: 1, vector: { text: [9, 9] }, payload: { v: 9 } }, { id: 2, vector: { text: [9, 9] }, payload: { v: 9 } }, { id: 7, vector: { text: [7, 7] } }],
      update_filter: { must: [{ key: 'v', match: { value: 1 } }] },
    });
    await client.upsert('b', { points: [{ id: 3, vector: { text: [0, 0] } }, { id: 8, vector: { text: [8, 8] } }], update_mode: 'update_only' });
    const got = await client.retrieve('b', { ids: [1, 2, 3, 7, 8], with_payload: true, with_vector: true });
    expect(got.map((p) => [p.id, p.payload, p.vector])).toEqual([
      [1, { v: 9 }, { text: [9, 9] }],
      [2, { v: 0 }, { text: [2, 1] }],
      [3, {}, { text: [0, 0] }],
      [7, {}, { text: [7, 7] }],
    ]);
    // The official client's updateVectors does not forward update_filter; the route takes it from the body.
    const res = await fetch(`${url}/collections/b/points/vectors?wait=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ points: [{ id: 1, vector: { text: [5, 5] } }, { id: 2, vector: { text: [5, 5] } }], update_filter: { must: [{ key: 'v', match: { value: 0 } }] } }),
    });
    expect(res.status).toBe(200);
    expect((await client.retrieve('b', { ids: [1, 2], with_vector: true })).map((p) => p.vector)).toEqual([{ text: [9, 9] }, { text: [5, 5] }]);
  });

  it('answers strict mode violations with 403 and Qdrant wording', async () => {
    await client.updateCollection('b', { strict_mode_config: { enabled: true, max_query_limit: 2, unindexed_filtering_retrieve: false } });
    const res = await fetch(`${url}/collections/b/points/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: [1, 1], using: 'text', limit: 3 }) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { status: { error: string } }).status.error).toBe('Forbidden: Limit exceeded 3 > 2 for "limit" Help: Reduce the "limit" parameter to or below 2.');
    await expect(client.query('b', { query: [1, 1], using: 'text', limit: 2, filter: { must: [{ key: 'v', match: { value: 1 } }] } })).rejects.toMatchObject({ status: 403 });
    await client.createPayloadIndex('b', { field_name: 'v', field_schema: 'integer', wait: true });
    expect((await client.query('b', { query: [1, 1], using: 'text', limit: 2, filter: { must: [{ key: 'v', match: { value: 1 } }] } })).points).toHaveLength(0);
    await client.updateCollection('b', { strict_mode_config: { enabled: false } });
  });
});

describe('named vectors and conditional upserts through the official gRPC client', () => {
  let h: Harness;
  let client: GrpcClient;
  beforeAll(async () => {
    h = await startHarness();
    client = h.connect();
    await h.engine.createCollection('g', { vectors: { a: { size: 2, distance: 'Dot' } } });
    await h.engine.upsert('g', { points: [1, 2].map((id) => ({ id, vector: { a: [id, 0] }, payload: { k: id } })) });
  });
  afterAll(async () => h.close());

  it('creates and deletes dense and sparse vector names', async () => {
    const points = client.api('points');
    await points.createVectorName({ collectionName: 'g', wait: true, vectorName: 'b', vectorConfig: { case: 'denseConfig', value: { size: 3n, distance: Distance.Manhattan } } });
    await points.createVectorName({ collectionName: 'g', wait: true, vectorName: 's', vectorConfig: { case: 'sparseConfig', value: { modifier: Modifier.Idf } } });
    const info = await h.engine.getCollection('g');
    expect(info.config.params.vectors).toEqual({ a: { size: 2, distance: 'Dot' }, b: { size: 3, distance: 'Manhattan' } });
    expect(info.config.params.sparse_vectors).toEqual({ s: { modifier: 'idf' } });
    await expectCode(points.createVectorName({ collectionName: 'g', vectorName: 'a', vectorConfig: { case: 'denseConfig', value: { size: 2n, distance: Distance.Dot } } }), Code.InvalidArgument);
    await points.deleteVectorName({ collectionName: 'g', wait: true, vectorName: 'b' });
    await expectCode(points.deleteVectorName({ collectionName: 'g', vectorName: 'b' }), Code.InvalidArgument, /Not existing vector name error: b/);
    expect(Object.keys((await h.engine.getCollection('g')).config.params.vectors ?? {})).toEqual(['a']);
  });

  it('upserts with update_mode and update_filter', async () => {
    const points = client.api('points');
    await points.upsert({
      collectionName: 'g',
      wait: true,
      points: [{ id: num(1), vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { a: vec([5, 5]) } } } }, payload: {} }, { id: num(3), vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { a: vec([3, 3]) } } } }, payload: {} }],
      updateMode: UpdateMode.InsertOnly,
    });
    await points.upsert({
      collectionName: 'g',
      wait: true,
      points: [1, 2].map((id) => ({ id: num(id), vectors: { vectorsOptions: { case: 'vectors' as const, value: { vectors: { a: vec([9, 9]) } } } }, payload: {} })),
      updateFilter: { must: [{ conditionOneOf: { case: 'field', value: { key: 'k', match: { matchValue: { case: 'integer', value: 2n } } } } }] },
    });
    const got = await h.engine.retrieve('g', { ids: [1, 2, 3], with_vector: true });
    expect(got.map((p) => [p.id, p.vector])).toEqual([[1, { a: [1, 0] }], [2, { a: [9, 9] }], [3, { a: [3, 3] }]]);
  });

  it('answers a strict mode violation with PERMISSION_DENIED and the same message', async () => {
    await client.api('collections').update({ collectionName: 'g', strictModeConfig: { enabled: true, maxQueryLimit: 1 } });
    expect((await h.engine.getCollection('g')).config.strict_mode_config).toMatchObject({ enabled: true, max_query_limit: 1 });
    await expectCode(
      client.api('points').query({ collectionName: 'g', limit: 2n }),
      Code.PermissionDenied,
      /^Forbidden: Limit exceeded 2 > 1 for "limit"/,
    );
    await h.engine.updateCollection('g', { strict_mode_config: { enabled: false } });
  });
});
