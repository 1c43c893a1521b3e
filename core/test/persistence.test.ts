import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmbeddedClient, HnswIndex, MemoryStorage, type EmbeddedClient } from '@sextant/core';
import { decodeManifest, manifestBlobs } from '../src/segment/segment-manifest.js';

const WAL = 'collections/docs/wal';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

async function seeded(storage: MemoryStorage, n: number, options: { walFlushBytes?: number } = {}): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient({ storage, ...options });
  // full_scan_threshold 0 and a 1 KB indexing threshold: the graph is built (in the background) and every query
  // walks it, so after a reopen the decoded graph is what answers.
  await client.createCollection('docs', {
    vectors: { size: 8, distance: 'Cosine' },
    hnsw_config: { full_scan_threshold: 0 },
    optimizers_config: { indexing_threshold: 1 },
  });
  const r = rng(7);
  for (let start = 0; start < n; start += 50) {
    const points = [];
    for (let id = start; id < Math.min(n, start + 50); id++) {
      points.push({ id, vector: Array.from({ length: 8 }, () => r() - 0.5), payload: { id, even: id % 2 === 0 } });
    }
    await client.upsert('docs', { points });
  }
  return client;
}

const probe = (client: EmbeddedClient) =>
  client.query('docs', { query: [0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8], limit: 10, with_payload: true, with_vector: true });

afterEach(() => vi.restoreAllMocks());

describe('persistence through Storage', () => {
  it('close and reopen gives the same data and decodes the graph instead of rebuilding it', async () => {
    const storage = new MemoryStorage();
    const a = await seeded(storage, 300);
    await createProdAlias(a);
    await a.engine.resolve('docs').whenIndexed();
    const before = await probe(a);
    const scrollBefore = await a.scroll('docs', { limit: 1000, with_vector: true });
    await a.close();
    // The log that takes the next writes is empty; the other keeps the ops the previous generation needs.
    expect(Math.min(storage.size(WAL), storage.size(`${WAL}.prev`))).toBe(0);

    const inserts = vi.spyOn(HnswIndex.prototype, 'insert');
    const decodes = vi.spyOn(HnswIndex, 'decode');
    const b = await createEmbeddedClient({ storage });
    expect(decodes).toHaveBeenCalledTimes(1);
    expect(inserts).not.toHaveBeenCalled();
    expect(await probe(b)).toEqual(before);
    expect(await b.scroll('docs', { limit: 1000, with_vector: true })).toEqual(scrollBefore);
    expect(await b.getCollection('prod')).toMatchObject({ status: 'green', points_count: 300, indexed_vectors_count: 300 });
    expect((await b.upsert('docs', { points: [{ id: 1000, vector: [1, 0, 0, 0, 0, 0, 0, 0] }] })).operation_id).toBe(6);
  });

  it('replays the log after a crash (no flush, no close)', async () => {
    const storage = new MemoryStorage();
    const a = await seeded(storage, 120);
    await a.setPayload('docs', { points: [5], payload: { touched: true } });
    await a.delete('docs', { points: [6] });
    const before = await probe(a);
    // The first client is abandoned without close: only what reached the storage survives.
    const b = await createEmbeddedClient({ storage });
    expect(await probe(b)).toEqual(before);
    expect(await b.retrieve('docs', { ids: [5, 6] })).toEqual([{ id: 5, payload: { id: 5, even: false, touched: true }, vector: null }]);
    expect((await b.count('docs')).count).toBe(119);
  });

  it('drops a torn last record and keeps every acknowledged one', async () => {
    const storage = new MemoryStorage();
    const a = await seeded(storage, 10);
    await a.setPayload('docs', { points: [1], payload: { last: true } });
    const wal = (await storage.read(WAL))!;
    // Chop the tail of the last record, as a crash in the middle of an append would.
    await storage.write(WAL, wal.subarray(0, wal.length - 5));
    const b = await createEmbeddedClient({ storage });
    expect((await b.retrieve('docs', { ids: [1] }))[0]!.payload).toEqual({ id: 1, even: false });
    expect((await b.count('docs')).count).toBe(10);
    // New writes after the torn tail are readable after another crash.
    await b.setPayload('docs', { points: [2], payload: { after: true } });
    const c = await createEmbeddedClient({ storage });
    expect((await c.retrieve('docs', { ids: [2] }))[0]!.payload).toEqual({ id: 2, even: true, after: true });
  });

  it('a corrupted byte inside the last record drops it too', async () => {
    const storage = new MemoryStorage();
    const a = await seeded(storage, 10);
    await a.overwritePayload('docs', { points: [3], payload: { x: 1 } });
    const wal = (await storage.read(WAL))!;
    wal[wal.length - 3] ^= 0xff;
    await storage.write(WAL, wal);
    const b = await createEmbeddedClient({ storage });
    expect((await b.retrieve('docs', { ids: [3] }))[0]!.payload).toEqual({ id: 3, even: false });
  });

  it('replay is idempotent when the log outlives the flush that covered it', async () => {
    const storage = new MemoryStorage();
    const a = await seeded(storage, 60);
    await a.delete('docs', { points: [3] });
    await a.upsert('docs', { points: [{ id: 3, vector: [1, 1, 1, 1, 1, 1, 1, 1], payload: { again: true } }] });
    const staleLog = (await storage.read(WAL))!;
    await a.flush();
    // 1. crash after the segment was written but before the log was emptied: the old log comes back.
    await storage.write(WAL, staleLog);
    const b = await createEmbeddedClient({ storage });
    expect((await b.count('docs')).count).toBe(60);
    expect((await b.retrieve('docs', { ids: [3] }))[0]!.payload).toEqual({ again: true });
    expect((await b.scroll('docs', { limit: 100 })).points).toHaveLength(60);
    // 2. numbering continues after the highest op seen, never reusing one.
    expect((await b.setPayload('docs', { points: [3], payload: { n: 1 } })).operation_id).toBe(4);
  });

  it('flushes on its own once the log passes the size threshold', async () => {
    const storage = new MemoryStorage();
    const a = await seeded(storage, 200, { walFlushBytes: 4096 });
    expect(a.engine.resolve('docs').logBytes).toBeLessThan(4096);
    expect(storage.size(WAL) + storage.size(`${WAL}.prev`)).toBeLessThan(2 * 4096);
    const b = await createEmbeddedClient({ storage });
    expect((await b.count('docs')).count).toBe(200);
    expect(await probe(b)).toEqual(await probe(a));
  });

  it('recovers a corrupted segment from the previous generation, and reports it', async () => {
    const storage = new MemoryStorage();
    const a = await seeded(storage, 20);
    const before = await a.scroll('docs', { limit: 100, with_vector: true, with_payload: true });
    await a.close();
    // A chunk only the live generation names (segment-generations.ts); the manifest itself is sound.
    const live = manifestBlobs(decodeManifest((await storage.read('collections/docs/manifest'))!));
    const previous = manifestBlobs(decodeManifest((await storage.read('collections/docs/manifest.prev'))!));
    const own = [...live].filter((blob) => !previous.has(blob));
    expect(own.length).toBeGreaterThan(0);
    const name = `collections/docs/blobs/${own[own.length - 1]}`;
    const seg = (await storage.read(name))!.slice();
    seg[seg.length - 10] ^= 0xff;
    await storage.write(name, seg);
    const issues: string[] = [];
    const b = await createEmbeddedClient({ storage, onIntegrityIssue: (message) => issues.push(message) });
    expect(await b.scroll('docs', { limit: 100, with_vector: true, with_payload: true })).toEqual(before);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/segment of docs is corrupted: section .* fails its checksum; recovered/);
  });

  it('refuses to serve a collection when both generations are corrupted', async () => {
    const storage = new MemoryStorage();
    const a = await seeded(storage, 20);
    await a.close();
    for (const name of ['collections/docs/manifest', 'collections/docs/manifest.prev']) {
      const seg = (await storage.read(name))!.slice();
      seg[seg.length - 10] ^= 0xff;
      await storage.write(name, seg);
    }
    await expect(createEmbeddedClient({ storage })).rejects.toMatchObject({ code: 'storage_corrupted' });
  });
});

async function createProdAlias(client: EmbeddedClient) {
  await client.updateCollectionAliases({ actions: [{ create_alias: { alias_name: 'prod', collection_name: 'docs' } }] });
}
