import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QdrantClient } from '@qdrant/js-client-rest';
import {
  MemoryStorage, SyncReplica, createEmbeddedClient, httpTransport, type Checkpoint, type EmbeddedClient, type FetchLike, type PullPage, type SyncTransport,
} from '@sextant/core';
import { startServer, type RunningServer } from '../src/server.js';
import { SyncService } from '../src/sync/sync-service.js';

const DIM = 4;
const vec = (i: number) => [Math.sin(i), Math.cos(i * 0.7), (i % 11) / 11, 1];
const point = (i: number, extra: Record<string, unknown> = {}) => ({ id: i, vector: vec(i), payload: { n: i, ...extra } });

/** A transport that notes which kind of page each pull brought (a snapshot or changes). */
function counting(inner: SyncTransport, kinds: PullPage['kind'][]): SyncTransport {
  return {
    pull: async (...args) => {
      const page = await inner.pull(...args);
      kinds.push(page.kind);
      return page;
    },
    push: (...args) => inner.push(...args),
  };
}

async function ids(client: { scroll: EmbeddedClient['scroll'] } | QdrantClient, name: string): Promise<unknown[]> {
  const { points } = await client.scroll(name, { limit: 10_000, with_payload: true });
  return points.map((p) => [p.id, p.payload]).sort((a, b) => Number(a[0]) - Number(b[0]));
}

describe('a change feed that survives a server restart', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('gives a checkpoint from before the restart a delta (with removals), not a snapshot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sextant-sync-restart-'));
    dirs.push(dir);
    const start = () => startServer({
      host: '127.0.0.1', httpPort: 0, grpcPort: null, storagePath: join(dir, 'storage'), snapshotsPath: join(dir, 'snapshots'),
      apiKey: undefined, readOnlyApiKey: undefined,
    });
    let server: RunningServer = await start();
    const qdrant = () => new QdrantClient({ url: `http://127.0.0.1:${server.httpPort}`, checkCompatibility: false });
    // The replica's transport follows the server to its new port.
    const fetchToServer: FetchLike = (url, init) => globalThis.fetch(url.replace('http://sextant.test', `http://127.0.0.1:${server.httpPort}`), init as never) as never;
    const kinds: PullPage['kind'][] = [];
    const transport = counting(httpTransport({ url: 'http://sextant.test', fetch: fetchToServer }), kinds);

    // 1. A collection with history: upserts, deletions, a payload edit.
    await qdrant().createCollection('docs', { vectors: { size: DIM, distance: 'Cosine' } });
    await qdrant().upsert('docs', { points: Array.from({ length: 300 }, (_, i) => point(i + 1)), wait: true });
    await qdrant().delete('docs', { points: [1, 2, 3], wait: true });
    await qdrant().setPayload('docs', { points: [4], payload: { edited: 1 }, wait: true });

    // 2. The replica's first sync is a snapshot.
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport, collection: 'docs', pageLimit: 50 });
    await replica.syncOnce();
    expect(kinds[0]).toBe('snapshot');
    expect(kinds.slice(1).every((k) => k === 'changes')).toBe(true);
    expect(await ids(local, 'docs')).toEqual(await ids(qdrant(), 'docs'));

    // 3. Changes, some of them before the restart and some after, with deletions of points the replica holds.
    await qdrant().delete('docs', { points: [10, 11], wait: true });
    await qdrant().upsert('docs', { points: [point(1001)], wait: true });
    await server.close();
    server = await start();
    await qdrant().delete('docs', { points: [20, 1001], wait: true });
    await qdrant().setPayload('docs', { points: [30], payload: { after: 'restart' }, wait: true });
    await qdrant().upsert('docs', { points: [point(2001), point(40, { replaced: true })], wait: true });
    // Deleted by filter: the server resolves it to ids before logging, so it is a deletion like the others.
    await qdrant().delete('docs', { filter: { must: [{ key: 'n', range: { gte: 295 } }] }, wait: true });

    // 4. The replica's checkpoint predates the restart: it gets changes, and ends equal to the server.
    kinds.length = 0;
    await replica.syncOnce();
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.every((k) => k === 'changes')).toBe(true);
    expect(await ids(local, 'docs')).toEqual(await ids(qdrant(), 'docs'));
    expect((await local.retrieve('docs', { ids: [10, 11, 20, 1001, 296] })).length).toBe(0);

    // 5. A second restart with no writes in between still serves the same checkpoint.
    await server.close();
    server = await start();
    await qdrant().delete('docs', { points: [50], wait: true });
    kinds.length = 0;
    await replica.syncOnce();
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.every((k) => k === 'changes')).toBe(true);
    expect(await ids(local, 'docs')).toEqual(await ids(qdrant(), 'docs'));
    await replica.close();
    await server.close();
  }, 60_000);

  // The same feed one level down, where the retained window and an unobserved gap can be set up exactly.
  it('answers a checkpoint older than the retained deletions, or from before a gap the log never saw, with a snapshot; after a crash the log had caught up with, a delta', async () => {
    const storage = new MemoryStorage();
    let client = await createEmbeddedClient({ storage });
    let service = new SyncService(client.engine, { keepDeletions: 8 });
    await client.createCollection('c', { vectors: { size: DIM, distance: 'Dot' } });
    await client.upsert('c', { points: Array.from({ length: 40 }, (_, i) => point(i + 1)) });
    const pull = async (since: Checkpoint) => {
      const { feed } = await service.get('c');
      return feed.canServe(since) ? feed.changes(since, undefined, 1000) : feed.snapshot(undefined);
    };
    const old = (await service.get('c')).feed.checkpoint();
    // 1. Twenty single deletions: the log keeps about the last eight keys and raises its floor past the rest.
    for (let i = 1; i <= 20; i++) await client.delete('c', { points: [i] });
    const recent = (await service.get('c')).feed.checkpoint();
    await client.delete('c', { points: [21, 22] });
    await client.upsert('c', { points: [point(100)] });

    // 2. Restart: a clean stop, then the same storage opened again.
    await service.close();
    await client.close();
    client = await createEmbeddedClient({ storage });
    service = new SyncService(client.engine, { keepDeletions: 8 });
    const fresh = await pull(recent);
    expect(fresh.kind).toBe('changes');
    if (fresh.kind !== 'changes') return;
    expect(fresh.removals.map((r) => r.id).sort()).toEqual([21, 22]);
    expect(fresh.upserts.map((p) => p.id)).toEqual([100]);
    expect((await pull(old)).kind).toBe('snapshot');

    // 3. Writes the deletion log never saw (the service was gone, as after a crash): nothing older can be trusted.
    const before = (await service.get('c')).feed.checkpoint();
    await service.close();
    await client.delete('c', { points: [30] });
    await client.close();
    client = await createEmbeddedClient({ storage });
    service = new SyncService(client.engine, { keepDeletions: 8 });
    expect((await pull(before)).kind).toBe('snapshot');
    const after = (await service.get('c')).feed.checkpoint();
    await client.delete('c', { points: [31] });
    const page = await pull(after);
    expect(page.kind === 'changes' && page.removals.map((r) => r.id)).toEqual([31]);

    // 4. A crash (nothing closed) once the log has marked the last ops (about a second later): still a delta.
    await client.delete('c', { points: [32] });
    await client.upsert('c', { points: [point(33, { again: true })] });
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    client = await createEmbeddedClient({ storage });
    service = new SyncService(client.engine, { keepDeletions: 8 });
    const afterCrash = await pull(after);
    expect(afterCrash.kind).toBe('changes');
    if (afterCrash.kind !== 'changes') return;
    expect(afterCrash.removals.map((r) => r.id).sort()).toEqual([31, 32]);
    expect(afterCrash.upserts.map((p) => [p.id, p.payload])).toEqual([[33, { n: 33, again: true }]]);
    await service.close();
    await client.close();
  });

  it('starts a new history for a collection deleted and created again, and keeps it across a restart', async () => {
    const storage = new MemoryStorage();
    let client = await createEmbeddedClient({ storage });
    let service = new SyncService(client.engine);
    await client.createCollection('c', { vectors: { size: DIM, distance: 'Dot' } });
    await client.upsert('c', { points: Array.from({ length: 10 }, (_, i) => point(i + 1)) });
    await client.delete('c', { points: [1] });
    const old = (await service.get('c')).feed.checkpoint();
    // 1. Replaced under the same name, with as many ops: the old checkpoint is from another history.
    await client.deleteCollection('c');
    await client.createCollection('c', { vectors: { size: DIM, distance: 'Dot' } });
    await client.upsert('c', { points: Array.from({ length: 10 }, (_, i) => point(i + 1)) });
    await client.delete('c', { points: [2] });
    const { feed } = await service.get('c');
    expect(feed.epoch).not.toBe(old.epoch);
    expect(feed.canServe(old)).toBe(false);
    const fresh = feed.checkpoint();
    await client.delete('c', { points: [3] });
    // 2. After a restart the new history goes on: only its own deletions come back, none of the old collection's.
    await service.close();
    await client.close();
    client = await createEmbeddedClient({ storage });
    service = new SyncService(client.engine);
    const again = (await service.get('c')).feed;
    expect(again.epoch).toBe(fresh.epoch);
    expect(again.canServe(old)).toBe(false);
    const page = again.changes(fresh, undefined, 100);
    expect(page.removals.map((r) => r.id)).toEqual([3]);
    expect(page.upserts).toEqual([]);
    await service.close();
    await client.close();
  });
});
