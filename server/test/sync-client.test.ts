import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import { SyncReplica, createEmbeddedClient, httpTransport, type EmbeddedClient, type FetchLike, type SyncStatus } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';

const DIM = 8;
function vec(i: number): number[] {
  return Array.from({ length: DIM }, (_, d) => Math.sin(i * 0.37 + d * 1.3) + (d === i % DIM ? 1 : 0));
}

async function until(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// A Node replica syncing from a real server on a real port through the HTTP transport, with the official Qdrant
// client writing on the server side (what any app on the server would do).
describe('Node replica against a live server', () => {
  let server: EmbeddedClient;
  let app: FastifyInstance;
  let port: number;
  let qdrant: QdrantClient;
  const url = () => `http://127.0.0.1:${port}`;
  const transport = () => httpTransport({ url: url(), apiKey: 'k', fetch: globalThis.fetch as unknown as FetchLike });

  async function listen(at = 0): Promise<void> {
    app = await buildRestApp({ client: server, apiKey: 'k' });
    await app.listen({ host: '127.0.0.1', port: at });
    port = (app.server.address() as { port: number }).port;
  }

  beforeAll(async () => {
    server = await createEmbeddedClient();
    await listen();
    qdrant = new QdrantClient({ url: url(), apiKey: 'k', checkCompatibility: false });
    await qdrant.createCollection('docs', { vectors: { size: DIM, distance: 'Cosine' } });
    await qdrant.createPayloadIndex('docs', { field_name: 'tenant', field_schema: 'keyword', wait: true });
    const points = Array.from({ length: 600 }, (_, i) => ({ id: i + 1, vector: vec(i + 1), payload: { tenant: i % 3 === 0 ? 'a' : 'b', n: i + 1 } }));
    await qdrant.upsert('docs', { points, wait: true });
  });
  afterAll(() => app.close());

  it('pulls a full copy whose searches agree with the server, then receives live updates by long poll', async () => {
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport: transport(), collection: 'docs', pageLimit: 100 });
    await replica.syncOnce();
    expect((await local.count('docs', { exact: true })).count).toBe(600);
    expect(await local.getCollection('docs')).toMatchObject({ payload_schema: { tenant: { data_type: 'keyword' } } });
    for (const q of [3, 50, 222]) {
      const there = await qdrant.query('docs', { query: vec(q), limit: 5, filter: { must: [{ key: 'tenant', match: { value: 'b' } }] } });
      const here = await local.query('docs', { query: vec(q), limit: 5, filter: { must: [{ key: 'tenant', match: { value: 'b' } }] } });
      expect(here.points.map((p) => p.id)).toEqual(there.points.map((p) => p.id));
    }
    const states: SyncStatus['state'][] = [];
    replica.subscribe((s) => states.push(s.state));
    replica.start();
    await until(() => replica.getStatus().state === 'synced');
    await qdrant.upsert('docs', { points: [{ id: 9001, vector: vec(9001), payload: { tenant: 'a', live: true } }], wait: true });
    await qdrant.delete('docs', { points: [10], wait: true });
    // The long poll brings it without any call from the app (the one-second goal itself is measured in bench/).
    await until(async () => (await local.retrieve('docs', { ids: [9001, 10] })).map((p) => p.id).join() === '9001');
    await replica.stop();
    expect(replica.getStatus().state).toBe('idle');
    expect(states).toContain('synced');
  });

  it('syncs one tenant only; a point that leaves the filter arrives as a removal', async () => {
    const local = await createEmbeddedClient();
    const filter = { must: [{ key: 'tenant', match: { value: 'a' } }] };
    const replica = await SyncReplica.open(local.engine, { transport: transport(), collection: 'docs', filter });
    await replica.syncOnce();
    const expected = (await qdrant.count('docs', { filter, exact: true })).count;
    expect((await local.count('docs', { exact: true })).count).toBe(expected);
    await qdrant.setPayload('docs', { points: [1], payload: { tenant: 'b' }, wait: true });
    await qdrant.setPayload('docs', { points: [2], payload: { tenant: 'a' }, wait: true });
    await replica.syncOnce();
    expect((await local.retrieve('docs', { ids: [1, 2] })).map((p) => p.id)).toEqual([2]);
    expect((await local.count('docs', { exact: true })).count).toBe(expected);
  });

  it('queues writes while the server is down and pushes them when it is back; a conflict is reported and the server wins', async () => {
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport: transport(), collection: 'docs', sleep: () => new Promise((r) => setTimeout(r, 30)) });
    await replica.syncOnce();
    // 1. The server goes away.
    const oldPort = port;
    await app.close();
    replica.start();
    await until(() => replica.getStatus().state === 'offline');
    // 2. Offline writes through the ordinary client API: a new point, a payload edit, and an edit of point 5,
    //    which the server will also edit in the meantime.
    await local.upsert('docs', { points: [{ id: 7001, vector: vec(7001), payload: { tenant: 'a', offline: true } }] });
    await local.setPayload('docs', { points: [4], payload: { note: 'from the device' } });
    await local.setPayload('docs', { points: [5], payload: { who: 'device' } });
    expect(replica.getStatus().pending).toBe(3);
    expect((await local.retrieve('docs', { ids: [7001] }))[0]!.payload).toMatchObject({ offline: true });
    await server.setPayload('docs', { points: [5], payload: { who: 'server' } });
    // 3. The server comes back on the same port; the queue drains.
    await listen(oldPort);
    await until(() => replica.getStatus().state === 'synced' && replica.getStatus().pending === 0, 5_000);
    const [p4, p5, p7001] = await qdrant.retrieve('docs', { ids: [4, 5, 7001] });
    expect(p4!.payload).toMatchObject({ note: 'from the device' });
    expect(p5!.payload).toMatchObject({ who: 'server' });
    expect(p7001!.payload).toMatchObject({ offline: true });
    expect(replica.getStatus().conflicts).toBe(1);
    expect((await local.retrieve('docs', { ids: [5] }))[0]!.payload).toMatchObject({ who: 'server' });
    await replica.stop();
  });

  it('lets an app resolve a conflict its own way', async () => {
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, {
      transport: transport(),
      collection: 'docs',
      resolve: (conflict) => ({ vectors: conflict.server!.vectors, payload: { ...conflict.server!.payload, merged: true } }),
    });
    await replica.syncOnce();
    await local.setPayload('docs', { points: [6], payload: { who: 'device' } });
    await server.setPayload('docs', { points: [6], payload: { who: 'server' } });
    await replica.syncOnce();
    const [there] = await qdrant.retrieve('docs', { ids: [6] });
    expect(there!.payload).toMatchObject({ who: 'server', merged: true });
    const [here] = await local.retrieve('docs', { ids: [6] });
    expect(here!.payload).toEqual(there!.payload);
  });
});
