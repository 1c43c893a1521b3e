import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage, type EmbeddedClient } from '@sextant/core';
import type { Storage } from '../src/storage.js';
import { encodeSegment } from '../src/segment/segment-format.js';
import { readManifestImage } from '../src/segment/segment-chunk-reader.js';
import { chunkBoundaries } from '../src/segment/segment-chunks.js';
import { decodeManifest, manifestBlobs } from '../src/segment/segment-manifest.js';

const PREFIX = 'collections/docs/';

/** A Storage that counts what goes through `write` and `append`, per flush. */
class CountingStorage implements Storage {
  written = 0;
  writes = 0;
  constructor(readonly inner: MemoryStorage) {}
  read(name: string) {
    return this.inner.read(name);
  }
  write(name: string, bytes: Uint8Array) {
    this.written += bytes.length;
    this.writes++;
    return this.inner.write(name, bytes);
  }
  append(name: string, bytes: Uint8Array) {
    this.written += bytes.length;
    return this.inner.append(name, bytes);
  }
  delete(name: string) {
    return this.inner.delete(name);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  sync() {
    return this.inner.sync();
  }
  close() {
    return this.inner.close();
  }
  reset(): void {
    this.written = 0;
    this.writes = 0;
  }
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function points(r: () => number, ids: number[], dim: number, tag: string) {
  return ids.map((id) => ({ id, vector: Array.from({ length: dim }, () => r() - 0.5), payload: { id, tag } }));
}

async function build(storage: Storage, n: number, dim: number, indexed: boolean): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient({ storage });
  await client.createCollection('docs', {
    vectors: { size: dim, distance: 'Dot' },
    // A huge indexing threshold keeps the graph out of the byte counts where the test is about the vector arena.
    optimizers_config: { indexing_threshold: indexed ? 1 : 10_000_000 },
  });
  const r = rng(3);
  for (let start = 0; start < n; start += 1000) {
    const ids = Array.from({ length: Math.min(1000, n - start) }, (_, i) => start + i);
    await client.upsert('docs', { points: points(r, ids, dim, 'first') });
  }
  if (indexed) await client.engine.resolve('docs').whenIndexed();
  return client;
}

async function snapshot(client: EmbeddedClient) {
  return client.scroll('docs', { limit: 100_000, with_vector: true, with_payload: true });
}

describe('content-defined chunks', () => {
  it('realign after an insertion, so only the chunks around it change', () => {
    const r = rng(9);
    const bytes = new Uint8Array(16 * 1024 * 1024).map(() => Math.floor(r() * 256));
    const shifted = new Uint8Array(bytes.length + 37);
    shifted.set(bytes.subarray(0, 3_000_000));
    shifted.set(bytes.subarray(3_000_000), 3_000_037);
    const a = chunkBoundaries(bytes);
    const shiftedEnds = chunkBoundaries(shifted);
    const b = new Set(shiftedEnds.map((end) => end - 37));
    expect(a[a.length - 1]).toBe(bytes.length);
    // Boundaries before the insertion stay put; a few MiB past it they are found again, 37 bytes later.
    const before = a.filter((end) => end < 3_000_000);
    const after = a.filter((end) => end > 3_000_000 + 8 * 1024 * 1024);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(2);
    for (const end of before) expect(shiftedEnds).toContain(end);
    for (const end of after) expect(b.has(end)).toBe(true);
  });
});

describe('incremental flush', () => {
  it('rewrites only the chunks that changed, and reopens to the same state', async () => {
    const counting = new CountingStorage(new MemoryStorage());
    const a = await build(counting, 30_000, 64, false);
    await a.flush();
    const full = counting.written;
    const total = [...manifestBlobs(decodeManifest((await counting.read(`${PREFIX}manifest`))!))].length;
    expect(total).toBeGreaterThan(3);
    // 1. a flush with nothing changed writes the manifest, its previous copy and the empty log copy: no chunk.
    counting.reset();
    await a.flush();
    expect(a.engine.resolve('docs').lastFlush).toMatchObject({ chunksWritten: 0 });
    // 2. 100 points changed: far less than the segment is written.
    const r = rng(5);
    await a.upsert('docs', { points: points(r, Array.from({ length: 100 }, (_, i) => i * 299), 64, 'second') });
    counting.reset();
    await a.flush();
    const stats = a.engine.resolve('docs').lastFlush!;
    expect(stats.chunksWritten).toBeGreaterThan(0);
    // The id tracker and payloads change throughout (one chunk each at this size), the vector arena at its front (the
    // presence bits) and its end (the appended points): its middle chunks stay.
    expect(stats.chunksKept).toBeGreaterThanOrEqual(2);
    expect(counting.written).toBeLessThan(full * 0.6);
    // 3. chunks neither generation names are gone; reopening gives the same points.
    const names = await counting.list(`${PREFIX}blobs/`);
    const kept = manifestBlobs(decodeManifest((await counting.read(`${PREFIX}manifest`))!));
    for (const blob of manifestBlobs(decodeManifest((await counting.read(`${PREFIX}manifest.prev`))!))) kept.add(blob);
    expect(names.map((n) => n.slice(`${PREFIX}blobs/`.length)).sort()).toEqual([...kept].sort());
    const before = await snapshot(a);
    const b = await createEmbeddedClient({ storage: counting.inner });
    expect(await snapshot(b)).toEqual(before);
  });

  it('reopens with the graph decoded from its chunks, not rebuilt', async () => {
    const storage = new MemoryStorage();
    const a = await build(storage, 3000, 16, true);
    await a.close();
    const b = await createEmbeddedClient({ storage });
    const docs = b.engine.resolve('docs');
    expect(docs.indexing).toBe(false);
    const slot = docs.segment.slots.get('')!;
    expect(slot.kind === 'dense' && slot.index.indexedCount).toBe(3000);
  });

  it('opens an old single-blob segment, writes the new form on its next flush and recovers through the old one', async () => {
    const storage = new MemoryStorage();
    const a = await build(storage, 2000, 8, false);
    await a.close();
    // 1. turn the stored collection into the old layout: one `segment` blob, no manifest, no chunks.
    const image = await readManifestImage(storage, `${PREFIX}blobs/`, (await storage.read(`${PREFIX}manifest`))!, 'segment');
    for (const name of await storage.list(PREFIX)) if (!/\/(config|wal)$/.test(name)) await storage.delete(name);
    await storage.write(`${PREFIX}segment`, encodeSegment(image));
    const b = await createEmbeddedClient({ storage });
    const before = await snapshot(b);
    expect(before.points).toHaveLength(2000);
    // 2. the first flush writes a manifest and keeps the old blob as the previous generation.
    await b.upsert('docs', { wait: true, points: points(rng(8), [5000], 8, 'new') });
    await b.flush();
    expect(await storage.read(`${PREFIX}manifest`)).toBeDefined();
    expect(await storage.read(`${PREFIX}segment`)).toBeUndefined();
    expect(await storage.read(`${PREFIX}segment.prev`)).toBeDefined();
    const after = await snapshot(b);
    // 3. damage every chunk of the new generation: the old blob and its log bring the state back.
    for (const blob of await storage.list(`${PREFIX}blobs/`)) {
      const bytes = (await storage.read(blob))!.slice();
      bytes[bytes.length >> 1] ^= 0xff;
      await storage.write(blob, bytes);
    }
    const issues: string[] = [];
    const c = await createEmbeddedClient({ storage, onIntegrityIssue: (m) => issues.push(m) });
    expect(issues.join('\n')).toMatch(/segment of docs is corrupted.*recovered/s);
    expect(await snapshot(c)).toEqual(after);
    // 4. the recovery wrote the new form as both generations: the old blobs are gone and a reopen is clean.
    expect(await storage.read(`${PREFIX}segment.prev`)).toBeUndefined();
    const again: string[] = [];
    const d = await createEmbeddedClient({ storage, onIntegrityIssue: (m) => again.push(m) });
    expect(again).toEqual([]);
    expect(await snapshot(d)).toEqual(after);
  });
});
