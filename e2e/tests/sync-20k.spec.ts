import { expect, test } from '../support/fixtures.js';
import { routeSyncTestPage, syncTestPageUrl } from '../support/sync-test-page.js';
import type { Page } from '@playwright/test';

const COLLECTION = 'sync-20k';
const POINTS = 20_000;
const DIM = 32;
const BATCH = 2_000;

/** mulberry32: the same seeded vectors on every run, so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function vectors(count: number, seed: number): number[][] {
  const next = random(seed);
  return Array.from({ length: count }, () => Array.from({ length: DIM }, () => next() * 2 - 1));
}

interface AppState {
  state: string | undefined;
  pending: number | undefined;
}

/** The handle's last status as the page's app saw it (undefined until the page has opened its database). */
async function appState(page: Page): Promise<AppState> {
  return page.evaluate(() => {
    const app = (window as unknown as { app?: { status: { state: string; pending: number } | null } }).app;
    return { state: app?.status?.state, pending: app?.status?.pending };
  });
}

/** Runs a client method on the page's database (the worker's engine) and returns its result. */
async function local<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    async ([m, a]) => {
      const db = (window as unknown as { app: { db: Record<string, (...x: unknown[]) => Promise<unknown>> } }).app.db;
      return db[m as string]!(...(a as unknown[]));
    },
    [method, args] as const,
  ) as Promise<T>;
}

async function localCount(page: Page): Promise<number> {
  return (await local<{ count: number }>(page, 'count', COLLECTION, { exact: true })).count;
}

test('20,000 points synced from a live server stay searchable and writable offline, across a reload, and the offline writes reach the server', async ({ page, context, server }) => {
  test.setTimeout(90_000);

  // 1. Seed the server through its Qdrant REST API with seeded vectors.
  await server.rest('PUT', `/collections/${COLLECTION}`, { vectors: { size: DIM, distance: 'Cosine' } });
  const all = vectors(POINTS, 20_000);
  for (let start = 0; start < POINTS; start += BATCH) {
    const points = all.slice(start, start + BATCH).map((vector, k) => ({ id: start + k, vector, payload: { n: start + k, group: (start + k) % 10 } }));
    await server.rest('PUT', `/collections/${COLLECTION}/points?wait=true`, { points });
  }
  expect((await server.syncStatus(COLLECTION)).points).toBe(POINTS);

  // 2. The page syncs the whole collection: the first pull downloads a snapshot, then the replica waits live.
  await routeSyncTestPage(context, server.url);
  const url = syncTestPageUrl(server.url, COLLECTION);
  await page.goto(url);
  await expect.poll(async () => (await appState(page)).state, { timeout: 45_000 }).toBe('synced');
  expect(await localCount(page)).toBe(POINTS);
  // The download reported its progress up to the whole snapshot frame.
  const progress = await page.evaluate(() => (window as unknown as { app: { progress: Array<{ received: number; total: number }> } }).app.progress);
  expect(progress.length).toBeGreaterThan(2);
  expect(progress[progress.length - 1]!.received).toBe(progress[progress.length - 1]!.total);
  expect(progress[progress.length - 1]!.total).toBeGreaterThan(POINTS * DIM * 4);

  // Local search equals the server's (exact search on both sides: the same data gives the same ranking).
  const [query] = vectors(1, 77);
  const body = { query: query!, limit: 10, params: { exact: true } };
  const remote = await server.rest<{ points: Array<{ id: number }> }>('POST', `/collections/${COLLECTION}/points/query`, body);
  const before = await local<{ points: Array<{ id: number }> }>(page, 'query', COLLECTION, body);
  expect(before.points.map((p) => p.id)).toEqual(remote.points.map((p) => p.id));

  // 3. The server stops: the replica notices (its long poll fails) and says offline.
  await server.stop();
  await expect.poll(async () => (await appState(page)).state, { timeout: 30_000 }).toBe('offline');

  // 4. Offline: the page still searches, and writes (two new points, one delete) are queued.
  const offline = await local<{ points: Array<{ id: number }> }>(page, 'query', COLLECTION, body);
  expect(offline.points.map((p) => p.id)).toEqual(remote.points.map((p) => p.id));
  const [a, b] = vectors(2, 99);
  await local(page, 'upsert', COLLECTION, {
    wait: true,
    points: [
      { id: 900_001, vector: a!, payload: { n: 900_001, written: 'offline' } },
      { id: 900_002, vector: b!, payload: { n: 900_002, written: 'offline' } },
    ],
  });
  const nearest = remote.points[0]!.id;
  await local(page, 'delete', COLLECTION, { wait: true, points: [nearest] });
  expect(await localCount(page)).toBe(POINTS + 1);
  await expect.poll(async () => (await appState(page)).pending).toBeGreaterThan(0);
  const found = await local<{ points: Array<{ id: number }> }>(page, 'query', COLLECTION, { query: a!, limit: 1 });
  expect(found.points[0]?.id).toBe(900_001);

  // 5. A reload with the server still down: the data and the queue come back from IndexedDB.
  await page.reload();
  await expect.poll(async () => (await appState(page)).state, { timeout: 30_000 }).toBe('offline');
  expect((await appState(page)).pending).toBeGreaterThan(0);
  expect(await localCount(page)).toBe(POINTS + 1);
  const afterReload = await local<{ points: Array<{ id: number }> }>(page, 'query', COLLECTION, body);
  expect(afterReload.points.map((p) => p.id)).not.toContain(nearest);
  expect(afterReload.points.slice(0, 9).map((p) => p.id)).toEqual(remote.points.slice(1).map((p) => p.id));

  // 6. The server comes back (same storage, same address): the replica pushes its queue on its own.
  await server.start();
  expect((await server.syncStatus(COLLECTION)).points).toBe(POINTS);
  await expect.poll(async () => appState(page), { timeout: 45_000 }).toEqual({ state: 'synced', pending: 0 });
  const arrived = await server.retrieve(COLLECTION, ['900001', '900002', String(nearest)]);
  expect(arrived.map((p) => [p.id, p.payload['written']])).toEqual([
    [900_001, 'offline'],
    [900_002, 'offline'],
  ]);
  expect((await server.syncStatus(COLLECTION)).points).toBe(POINTS + 1);
});
