import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '@sextant/server';
import { run, startHarness, type Harness } from './support/chromium-harness.js';

const DIM = 32;
const POINTS = 3000;

/** Deterministic vector of point i. */
function vec(i: number): number[] {
  return Array.from({ length: DIM }, (_, d) => Math.sin(i * 0.37 + d * 1.3) + (d === i % DIM ? 1 : 0));
}

const byTenant = (tenant: string) => ({ must: [{ key: 'tenant', match: { value: tenant } }] });

// db.sync in a real Chromium against a real Sextant server on a real port: the replica runs in the owner tab's
// worker, fetches the sync endpoints cross-origin (the server sends CORS), and keeps its queue in IndexedDB.
describe('db.sync (Chromium, live server)', () => {
  let harness: Harness;
  let app: FastifyInstance;
  let qdrant: QdrantClient;
  let url: string;

  beforeAll(async () => {
    const server = await createEmbeddedClient();
    app = await buildRestApp({ client: server, apiKey: 'k' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    qdrant = new QdrantClient({ url, apiKey: 'k', checkCompatibility: false });
    await qdrant.createCollection('docs', { vectors: { size: DIM, distance: 'Cosine' } });
    await qdrant.createPayloadIndex('docs', { field_name: 'tenant', field_schema: 'keyword', wait: true });
    for (let at = 0; at < POINTS; at += 1000) {
      const points = Array.from({ length: 1000 }, (_, k) => {
        const i = at + k + 1;
        return { id: i, vector: vec(i), payload: { tenant: i % 3 === 0 ? 'a' : 'b', n: i } };
      });
      await qdrant.upsert('docs', { points, wait: true });
    }
    harness = await startHarness('sync-scenarios.ts');
  }, 90_000);
  afterAll(async () => {
    await harness?.close();
    await app?.close();
  });

  it('pulls a few thousand points, searches them locally like the server does, and receives server writes live', async () => {
    const page = await harness.newPage();
    expect(await run(page, 'startSync', 'full', 'docs', { url, apiKey: 'k' })).toBe('docs');
    await expect.poll(() => run<any>(page, 'status', 'full', 'docs'), { timeout: 20_000 }).toMatchObject({ state: 'synced', pending: 0 });
    expect(await run(page, 'count', 'full', 'docs')).toBe(POINTS);
    for (const q of [5, 777, 2500]) {
      for (const filter of [undefined, byTenant('a')]) {
        const there = await qdrant.query('docs', { query: vec(q), limit: 10, ...(filter ? { filter } : {}) });
        expect(await run(page, 'query', 'full', 'docs', vec(q), filter)).toEqual(there.points.map((p) => p.id));
      }
    }
    // The snapshot was announced to the page like any write.
    expect(await run<any[]>(page, 'seenChanges')).toContainEqual(expect.objectContaining({ collection: 'docs', method: 'sync' }));

    // 1. A write on the server reaches the page by long poll, without any call from the app. The one-second goal
    //    is measured in bench/; here the time is only reported.
    const started = Date.now();
    await qdrant.upsert('docs', { wait: true, points: [{ id: 9001, vector: vec(9001), payload: { tenant: 'a', live: true } }] });
    await expect.poll(() => run<any[]>(page, 'payloads', 'full', 'docs', [9001]), { timeout: 5_000 }).toEqual([
      { id: 9001, payload: { tenant: 'a', live: true } },
    ]);
    console.log(`server write visible in the page after ${Date.now() - started} ms`);
    await qdrant.delete('docs', { wait: true, points: [9001] });
    await expect.poll(() => run<number>(page, 'count', 'full', 'docs'), { timeout: 5_000 }).toBe(POINTS);
    expect(await run<string[]>(page, 'seenStates', 'full', 'docs')).toEqual(expect.arrayContaining(['pulling', 'synced']));
  });

  it('queues writes made offline in IndexedDB and pushes them after reconnecting', async () => {
    const context = await harness.browser.newContext();
    const page = await harness.newPage(context);
    await run(page, 'startSync', 'offline', 'docs', { url, apiKey: 'k' });
    await expect.poll(() => run<any>(page, 'status', 'offline', 'docs'), { timeout: 20_000 }).toMatchObject({ state: 'synced' });

    // 1. The browser goes offline: the page tells the worker, the replica stops and says so.
    await context.setOffline(true);
    await expect.poll(() => run<any>(page, 'status', 'offline', 'docs'), { timeout: 5_000 }).toMatchObject({ state: 'offline' });

    // 2. Writes through the ordinary API are applied locally at once and queued.
    await run(page, 'upsert', 'offline', 'docs', 7001, vec(7001), { tenant: 'b', offline: true });
    await run(page, 'setPayload', 'offline', 'docs', 4, { note: 'from the device' });
    expect(await run(page, 'payloads', 'offline', 'docs', [7001])).toEqual([{ id: 7001, payload: { tenant: 'b', offline: true } }]);
    await expect.poll(() => run<any>(page, 'status', 'offline', 'docs')).toMatchObject({ state: 'offline', pending: 2 });
    expect(await qdrant.retrieve('docs', { ids: [7001] })).toEqual([]);
    expect((await qdrant.retrieve('docs', { ids: [4] }))[0]!.payload).not.toHaveProperty('note');

    // 3. Back online: the queue drains to the server.
    await context.setOffline(false);
    await expect.poll(() => run<any>(page, 'status', 'offline', 'docs'), { timeout: 10_000 }).toMatchObject({ state: 'synced', pending: 0 });
    const [p4, p7001] = await qdrant.retrieve('docs', { ids: [4, 7001] });
    expect(p4!.payload).toMatchObject({ note: 'from the device' });
    expect(p7001!.payload).toEqual({ tenant: 'b', offline: true });
    expect(await run<string[]>(page, 'seenStates', 'offline', 'docs')).toContain('offline');
    await context.close();
  });

  it('syncs one tenant only, and removes a point that leaves the filter', async () => {
    const page = await harness.newPage();
    const filter = byTenant('a');
    expect(await run(page, 'startSync', 'tenant', 'docs', { url, apiKey: 'k', filter, localName: 'docs-a' })).toBe('docs-a');
    await expect.poll(() => run<any>(page, 'status', 'tenant', 'docs-a'), { timeout: 20_000 }).toMatchObject({ state: 'synced' });
    const expected = (await qdrant.count('docs', { filter, exact: true })).count;
    expect(expected).toBeGreaterThan(900);
    expect(await run(page, 'count', 'tenant', 'docs-a')).toBe(expected);
    expect(await run(page, 'allTenants', 'tenant', 'docs-a')).toEqual(['a']);
    // 1. Point 3 leaves the tenant on the server, point 2 joins it: the replica follows live.
    await qdrant.setPayload('docs', { wait: true, points: [3], payload: { tenant: 'b' } });
    await qdrant.setPayload('docs', { wait: true, points: [2], payload: { tenant: 'a' } });
    await expect.poll(() => run<any[]>(page, 'payloads', 'tenant', 'docs-a', [2, 3]), { timeout: 5_000 }).toEqual([
      { id: 2, payload: { tenant: 'a', n: 2 } },
    ]);
    expect(await run(page, 'count', 'tenant', 'docs-a')).toBe(expected);
  });

  it("asks the page's resolver about a conflict and pushes its merge", async () => {
    const context = await harness.browser.newContext();
    const page = await harness.newPage(context);
    await run(page, 'startSync', 'conflict', 'docs', { url, apiKey: 'k', merge: true });
    await expect.poll(() => run<any>(page, 'status', 'conflict', 'docs'), { timeout: 20_000 }).toMatchObject({ state: 'synced' });
    // 1. Offline, the device edits point 6; the server edits it too.
    await context.setOffline(true);
    await expect.poll(() => run<any>(page, 'status', 'conflict', 'docs')).toMatchObject({ state: 'offline' });
    await run(page, 'setPayload', 'conflict', 'docs', 6, { who: 'device' });
    await qdrant.setPayload('docs', { wait: true, points: [6], payload: { who: 'server' } });
    // 2. Online again: the server reports the conflict, the worker asks the page, the page merges.
    await context.setOffline(false);
    await expect.poll(() => run<any>(page, 'status', 'conflict', 'docs'), { timeout: 10_000 }).toMatchObject({ state: 'synced', pending: 0, conflicts: 1 });
    expect(await run<any[]>(page, 'seenConflicts')).toEqual([expect.objectContaining({ id: 6 })]);
    const [there] = await qdrant.retrieve('docs', { ids: [6] });
    expect(there!.payload).toMatchObject({ who: 'server', merged: true });
    await expect.poll(() => run<any[]>(page, 'payloads', 'conflict', 'docs', [6])).toEqual([{ id: 6, payload: there!.payload }]);
    await context.close();
  });

  it("without live, syncs on syncNow only, and the 'local' policy re-sends a conflicted write", async () => {
    const page = await harness.newPage();
    await run(page, 'startSync', 'manual', 'docs', { url, apiKey: 'k', live: false, resolve: 'local', localName: 'docs-local' });
    await expect.poll(() => run<any>(page, 'status', 'manual', 'docs-local'), { timeout: 20_000 }).toMatchObject({ state: 'synced' });
    // 1. A local write is queued but not pushed (no loop runs); the server edits the same point meanwhile.
    await run(page, 'setPayload', 'manual', 'docs-local', 7, { who: 'device' });
    await qdrant.setPayload('docs', { wait: true, points: [7], payload: { who: 'server' } });
    await qdrant.upsert('docs', { wait: true, points: [{ id: 9100, vector: vec(9100), payload: { tenant: 'b' } }] });
    expect(await run<any>(page, 'status', 'manual', 'docs-local')).toMatchObject({ pending: 1 });
    expect((await qdrant.retrieve('docs', { ids: [7] }))[0]!.payload).toMatchObject({ who: 'server' });
    // 2. syncNow pushes (conflict: the local change wins) and pulls; it resolves once caught up.
    expect(await run(page, 'syncNow', 'manual', 'docs-local')).toBeNull();
    expect(await run<any>(page, 'status', 'manual', 'docs-local')).toMatchObject({ state: 'synced', pending: 0, conflicts: 1 });
    const [there] = await qdrant.retrieve('docs', { ids: [7] });
    expect(there!.payload).toEqual({ tenant: 'b', n: 7, who: 'device' });
    expect(await run<any[]>(page, 'payloads', 'manual', 'docs-local', [7, 9100])).toEqual([
      { id: 7, payload: there!.payload },
      { id: 9100, payload: { tenant: 'b' } },
    ]);
    // 3. A stopped handle refuses syncNow.
    await run(page, 'stopSync', 'manual', 'docs-local');
    expect(await run(page, 'syncNow', 'manual', 'docs-local')).toMatchObject({ code: 'bad_request' });
  });

  it("runs a follower tab's sync in the owner's worker, fans its status out, and moves it with ownership", async () => {
    const context = await harness.browser.newContext();
    // 1. Tab A owns the database; tab B syncs through it.
    const a = await harness.newPage(context);
    expect(await run(a, 'role', 'tabs')).toBe('owner');
    const b = await harness.newPage(context);
    expect(await run(b, 'role', 'tabs')).toBe('follower');
    await run(b, 'startSync', 'tabs', 'docs', { url, apiKey: 'k' });
    await expect.poll(() => run<any>(b, 'status', 'tabs', 'docs'), { timeout: 20_000 }).toMatchObject({ state: 'synced' });
    expect(await run<string[]>(b, 'seenStates', 'tabs', 'docs')).toContain('synced');
    expect(await run(a, 'count', 'tabs', 'docs')).toBeGreaterThanOrEqual(POINTS);

    // 2. A write from either tab is queued by the one replica and reaches the server.
    await run(b, 'upsert', 'tabs', 'docs', 8001, vec(8001), { tenant: 'b', from: 'tab b' });
    await run(a, 'upsert', 'tabs', 'docs', 8002, vec(8002), { tenant: 'b', from: 'tab a' });
    await expect.poll(async () => (await qdrant.retrieve('docs', { ids: [8001, 8002] })).map((p) => p.payload!['from']), { timeout: 5_000 }).toEqual([
      'tab b',
      'tab a',
    ]);

    // 3. A's tab closes: B owns the database, registers its sync again, and keeps receiving server writes.
    await a.close();
    await expect.poll(() => run(b, 'role', 'tabs'), { timeout: 10_000 }).toBe('owner');
    await qdrant.setPayload('docs', { wait: true, points: [8001], payload: { seen: 'after handover' } });
    await expect.poll(() => run<any[]>(b, 'payloads', 'tabs', 'docs', [8001]), { timeout: 10_000 }).toEqual([
      { id: 8001, payload: { tenant: 'b', from: 'tab b', seen: 'after handover' } },
    ]);
    expect(await run<any>(b, 'status', 'tabs', 'docs')).toMatchObject({ state: 'synced', pending: 0 });
    await context.close();
  });

  it('keeps writes made while the server is down across a reload and pushes them once it is back', async () => {
    // A server of its own, which this test stops and starts again on the same port.
    const backing = await createEmbeddedClient();
    let own = await buildRestApp({ client: backing, apiKey: 'k' });
    await own.listen({ host: '127.0.0.1', port: 0 });
    const port = (own.server.address() as { port: number }).port;
    const ownUrl = `http://127.0.0.1:${port}`;
    await backing.createCollection('notes', { vectors: { size: DIM, distance: 'Dot' } });
    await backing.upsert('notes', { points: Array.from({ length: 200 }, (_, i) => ({ id: i + 1, vector: vec(i + 1), payload: { n: i + 1 } })) });

    const context = await harness.browser.newContext();
    const page = await harness.newPage(context);
    await run(page, 'startSync', 'durable', 'notes', { url: ownUrl, apiKey: 'k' });
    await expect.poll(() => run<any>(page, 'status', 'durable', 'notes'), { timeout: 20_000 }).toMatchObject({ state: 'synced' });

    // 1. The server goes away, long poll included (close alone would wait for it); the replica notices by itself
    //    (the page is still online).
    const closing = own.close();
    own.server.closeAllConnections();
    await closing;
    await run(page, 'upsert', 'durable', 'notes', 5001, vec(5001), { n: 5001, written: 'while the server was down' });
    await expect.poll(() => run<any>(page, 'status', 'durable', 'notes'), { timeout: 10_000 }).toMatchObject({ state: 'offline', pending: 1 });

    // 2. Reload: the data and the queue come back from IndexedDB when the app syncs again.
    await page.reload();
    await page.waitForFunction('window.scenariosReady === true');
    expect(await run(page, 'count', 'durable', 'notes')).toBe(201);
    await run(page, 'startSync', 'durable', 'notes', { url: ownUrl, apiKey: 'k' });
    expect(await run<any>(page, 'status', 'durable', 'notes')).toMatchObject({ pending: 1 });

    // 3. The server is back on its port: the replica's retry pushes the write.
    own = await buildRestApp({ client: backing, apiKey: 'k' });
    await own.listen({ host: '127.0.0.1', port });
    await expect.poll(() => run<any>(page, 'status', 'durable', 'notes'), { timeout: 20_000 }).toMatchObject({ state: 'synced', pending: 0 });
    expect((await backing.retrieve('notes', { ids: [5001] }))[0]!.payload).toEqual({ n: 5001, written: 'while the server was down' });
    expect(await run(page, 'count', 'durable', 'notes')).toBe(201);
    await context.close();
    await own.close();
  });
});
