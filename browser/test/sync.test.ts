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
});
