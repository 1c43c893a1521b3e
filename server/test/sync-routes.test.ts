import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  SYNC_CONTENT_TYPE, createEmbeddedClient, decodePullPage, decodePushResponse, encodePushRequest, type EmbeddedClient,
} from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';

const vec = (i: number) => [Math.sin(i), Math.cos(i), Math.sin(i * 0.3), Math.cos(i * 0.7)];

// The sync endpoints through fastify inject: frames, long poll, auth, error envelopes.
describe('sync endpoints (inject)', () => {
  let app: FastifyInstance;
  let client: EmbeddedClient;
  beforeAll(async () => {
    client = await createEmbeddedClient();
    await client.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } });
    await client.upsert('docs', { points: Array.from({ length: 50 }, (_, i) => ({ id: i + 1, vector: vec(i + 1), payload: { n: i + 1 } })) });
    app = await buildRestApp({ client, apiKey: 'full', readOnlyApiKey: 'reader' });
  });
  afterAll(() => app.close());

  const pull = (body: unknown, key = 'reader') =>
    app.inject({ method: 'POST', url: '/collections/docs/sync/pull', headers: { 'api-key': key, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  it('answers a first pull with a snapshot, then changes; a stale epoch gets a snapshot again', async () => {
    const first = await pull({});
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe(SYNC_CONTENT_TYPE);
    const snapshot = decodePullPage(first.rawPayload);
    expect(snapshot).toMatchObject({ kind: 'snapshot', points: 50, checkpoint: { seq: 0 } });
    await client.setPayload('docs', { points: [7], payload: { hot: true } });
    if (snapshot.kind !== 'snapshot') throw new Error('expected a snapshot');
    const changes = decodePullPage((await pull({ since: snapshot.checkpoint })).rawPayload);
    expect(changes).toMatchObject({ kind: 'changes', more: false, checkpoint: { seq: 1 }, removals: [] });
    if (changes.kind !== 'changes') throw new Error('expected changes');
    expect(changes.upserts.map((p) => [p.id, p.payload])).toEqual([[7, { n: 7, hot: true }]]);
    expect(decodePullPage((await pull({ since: { epoch: 'elsewhere', seq: 1 } })).rawPayload).kind).toBe('snapshot');
  });

  it('holds a long poll open until a write arrives', async () => {
    const checkpoint = decodePullPage((await pull({})).rawPayload).checkpoint;
    const started = Date.now();
    const waiting = pull({ since: checkpoint, wait_ms: 20_000 });
    setTimeout(() => void client.upsert('docs', { points: [{ id: 77, vector: vec(77) }] }), 150);
    const page = decodePullPage((await waiting).rawPayload);
    // Woken by the write, not by the end of the wait.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(page.kind === 'changes' && page.upserts.map((p) => p.id)).toEqual([77]);
  }, 30_000);

  it('lets the read-only key pull but not push, and answers bad requests with Qdrant envelopes', async () => {
    const body = encodePushRequest({ client: 'c1', changes: [{ n: 1, op: { type: 'delete_points', ids: [50] }, bases: [0] }] });
    const push = (key: string, payload: Uint8Array | string, type = SYNC_CONTENT_TYPE) =>
      app.inject({ method: 'POST', url: '/collections/docs/sync/push', headers: { 'api-key': key, 'content-type': type }, payload: Buffer.from(payload) });
    const refused = await push('reader', body);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().status.error).toMatch(/read-only/);
    expect((await pull({}, 'wrong')).statusCode).toBe(401);
    const ok = await push('full', body);
    expect(ok.statusCode).toBe(200);
    expect(decodePushResponse(ok.rawPayload).results[0]).toMatchObject({ n: 1, status: 'applied', conflicts: [] });
    expect((await client.retrieve('docs', { ids: [50] })).length).toBe(0);
    const garbage = await push('full', 'not a frame', 'application/octet-stream');
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().status.error).toMatch(/sync frame/);
    expect((await pull({ since: { epoch: 1 } })).statusCode).toBe(422);
    expect((await pull({ filter: { must: [{ key: 'n', range: { gte: 'x' } }] } })).statusCode).toBe(400);
    const missing = await app.inject({ method: 'POST', url: '/collections/nope/sync/pull', headers: { 'api-key': 'full', 'content-type': 'application/json' }, payload: '{}' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().status.error).toMatch(/nope/);
  });

  it('reports the feed status as a JSON envelope', async () => {
    const status = await app.inject({ method: 'GET', url: '/collections/docs/sync/status', headers: { 'api-key': 'reader' } });
    expect(status.statusCode).toBe(200);
    const result = status.json().result;
    expect(result.checkpoint.seq).toBe(client.engine.resolve('docs').lastSeq);
    expect(result.points_count).toBe(50);
  });

  it('is absent when switched off', async () => {
    const off = await buildRestApp({ client, sync: false });
    const res = await off.inject({ method: 'POST', url: '/collections/docs/sync/pull', headers: { 'content-type': 'application/json' }, payload: '{}' });
    expect(res.statusCode).toBe(404);
    await off.close();
  });
});
