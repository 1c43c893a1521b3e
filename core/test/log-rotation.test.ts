import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage, type EmbeddedClient, type Storage } from '@sextant/core';
import { encodeRecord } from '../src/wal/op-log.js';
import { encodeLoggedOp } from '../src/wal/op-codec.js';

const PREFIX = 'collections/docs/';

/** Counts the bytes written to each blob name. */
class CountingStorage implements Storage {
  readonly written = new Map<string, number>();
  constructor(readonly inner: MemoryStorage) {}
  read(name: string) {
    return this.inner.read(name);
  }
  write(name: string, bytes: Uint8Array) {
    this.written.set(name, (this.written.get(name) ?? 0) + bytes.length);
    return this.inner.write(name, bytes);
  }
  append(name: string, bytes: Uint8Array) {
    this.written.set(name, (this.written.get(name) ?? 0) + bytes.length);
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
}

const vector = (i: number) => [Math.sin(i), Math.cos(i), Math.sin(2 * i), 1];

async function collection(storage: Storage): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient({ storage });
  await client.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
  return client;
}

const all = (client: EmbeddedClient) => client.scroll('docs', { limit: 1000, with_vector: true, with_payload: true });

async function damageLiveManifest(storage: Storage): Promise<void> {
  const bytes = (await storage.read(`${PREFIX}manifest`))!.slice();
  bytes[bytes.length - 2] ^= 0xff;
  await storage.write(`${PREFIX}manifest`, bytes);
}

describe('op log rotation', () => {
  it('writes each op to storage once: a flush copies no log', async () => {
    const counting = new CountingStorage(new MemoryStorage());
    const a = await collection(counting);
    for (let i = 0; i < 50; i++) await a.upsert('docs', { wait: true, points: [{ id: i, vector: vector(i), payload: { i } }] });
    const logged = counting.written.get(`${PREFIX}wal`)!;
    expect(logged).toBeGreaterThan(0);
    await a.flush();
    for (let i = 50; i < 60; i++) await a.upsert('docs', { wait: true, points: [{ id: i, vector: vector(i) }] });
    await a.flush();
    expect(counting.written.get(`${PREFIX}wal`)).toBe(logged);
    expect(counting.written.get(`${PREFIX}wal.prev`) ?? 0).toBeLessThan(logged / 3);
  });

  it('recovers from the previous generation and the logs after any number of flushes', async () => {
    const storage = new MemoryStorage();
    const a = await collection(storage);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 8; i++) {
        const id = round * 8 + i;
        await a.upsert('docs', { wait: true, points: [{ id, vector: vector(id), payload: { round } }] });
      }
      await a.delete('docs', { wait: true, points: [round * 8] });
      if (round % 2 === 0) await a.flush();
      // Crash here: the live manifest is damaged, so the previous one and both logs rebuild the state.
      const copy = new MemoryStorage();
      for (const name of await storage.list('')) await copy.write(name, (await storage.read(name))!);
      const before = await all(a);
      await damageLiveManifest(copy);
      const issues: string[] = [];
      const b = await createEmbeddedClient({ storage: copy, onIntegrityIssue: (m) => issues.push(m) });
      expect(issues.join('\n')).toMatch(/recovered from the previous segment/);
      expect(await all(b)).toEqual(before);
    }
  });

  it('resumes writing in the log holding the newest op after a crash between the manifest and the log swap', async () => {
    const storage = new MemoryStorage();
    const a = await collection(storage);
    for (let i = 0; i < 5; i++) await a.upsert('docs', { wait: true, points: [{ id: i, vector: vector(i) }] });
    await a.flush();
    for (let i = 5; i < 9; i++) await a.upsert('docs', { wait: true, points: [{ id: i, vector: vector(i) }] });
    // The other log before the flush's step 4 (ops 0-4, older than manifest.prev), as a crash would leave it.
    const stale = (await storage.read(`${PREFIX}wal`))!;
    await a.flush();
    await storage.write(`${PREFIX}wal`, stale);
    const b = await createEmbeddedClient({ storage });
    expect((await all(b)).points.map((p) => p.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    await b.upsert('docs', { wait: true, points: [{ id: 9, vector: vector(9) }] });
    await b.flush();
    await damageLiveManifest(storage);
    const c = await createEmbeddedClient({ storage });
    expect((await all(c)).points.map((p) => p.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('opens a collection of the copying layout (wal.prev a copy, wal emptied) and carries on', async () => {
    const storage = new MemoryStorage();
    const a = await collection(storage);
    await a.close();
    // The older flush order: the ops between the generations copied to wal.prev, the live log empty.
    const ops = [0, 1, 2].map((seq) => encodeRecord(seq, encodeLoggedOp({ type: 'upsert', points: [{ id: seq, vectors: { '': vector(seq) }, payload: null }] })));
    await storage.write(`${PREFIX}wal.prev`, Uint8Array.from(ops.flatMap((r) => [...r])));
    await storage.write(`${PREFIX}wal`, new Uint8Array(0));
    const b = await createEmbeddedClient({ storage });
    expect((await all(b)).points.map((p) => p.id)).toEqual([0, 1, 2]);
    expect((await b.upsert('docs', { wait: true, points: [{ id: 3, vector: vector(3) }] })).operation_id).toBe(3);
    const c = await createEmbeddedClient({ storage });
    expect((await all(c)).points.map((p) => p.id)).toEqual([0, 1, 2, 3]);
  });
});

describe('generations after a bulk load', () => {
  const bulk = async (client: EmbeddedClient, from: number, n: number) => {
    for (let start = from; start < from + n; start += 500) {
      const points = Array.from({ length: Math.min(500, from + n - start) }, (_, i) => ({ id: start + i, vector: Array.from({ length: 128 }, (_, k) => Math.sin(start + i + k)) }));
      await client.upsert('docs', { points });
    }
  };
  const total = async (storage: MemoryStorage) => {
    let bytes = 0;
    for (const name of await storage.list(PREFIX)) bytes += storage.size(name);
    return bytes;
  };

  it('keeps about one copy of the data: the load is read back, then its log and the empty generation go', async () => {
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    await client.createCollection('docs', { vectors: { size: 128, distance: 'Dot' } });
    await bulk(client, 0, 4000);
    await client.flush();
    const docs = client.engine.resolve('docs');
    const segment = docs.lastFlush!.segmentBytes;
    expect(storage.size(`${PREFIX}wal`) + storage.size(`${PREFIX}wal.prev`)).toBe(0);
    expect(await storage.read(`${PREFIX}manifest.prev`)).toEqual(await storage.read(`${PREFIX}manifest`));
    expect(await total(storage)).toBeLessThan(segment * 1.1);
    // A small change afterwards keeps the previous generation and the ops that lead from it.
    await client.upsert('docs', { wait: true, points: [{ id: 1, vector: Array.from({ length: 128 }, () => 0.5) }] });
    await client.flush();
    expect(await storage.read(`${PREFIX}manifest.prev`)).not.toEqual(await storage.read(`${PREFIX}manifest`));
    expect(storage.size(`${PREFIX}wal`) + storage.size(`${PREFIX}wal.prev`)).toBeGreaterThan(0);
    const before = await all(client);
    await damageLiveManifest(storage);
    const issues: string[] = [];
    const reopened = await createEmbeddedClient({ storage, onIntegrityIssue: (m) => issues.push(m) });
    expect(issues.join('\n')).toMatch(/recovered from the previous segment/);
    expect(await all(reopened)).toEqual(before);
  });

  it('keeps the previous generation and the log when what it wrote does not read back', async () => {
    const memory = new MemoryStorage();
    let damage = false;
    // Storage that damages chunk blobs as they are written (a bad disk), while `damage` is on.
    const storage: Storage = {
      read: (name) => memory.read(name),
      write: async (name, bytes) => {
        const copy = bytes.slice();
        if (damage && name.includes('/blobs/') && copy.length > 0) copy[copy.length >> 1] ^= 0xff;
        await memory.write(name, copy);
      },
      append: (name, bytes) => memory.append(name, bytes),
      delete: (name) => memory.delete(name),
      list: (prefix) => memory.list(prefix),
      sync: () => memory.sync(),
      close: () => memory.close(),
    };
    const client = await createEmbeddedClient({ storage });
    await client.createCollection('docs', { vectors: { size: 128, distance: 'Dot' } });
    await bulk(client, 0, 4000);
    const before = await all(client);
    damage = true;
    await client.flush();
    damage = false;
    expect(memory.size(`${PREFIX}wal`) + memory.size(`${PREFIX}wal.prev`)).toBeGreaterThan(0);
    const issues: string[] = [];
    const reopened = await createEmbeddedClient({ storage: memory, onIntegrityIssue: (m) => issues.push(m) });
    expect(issues.join('\n')).toMatch(/recovered from the previous segment/);
    expect(await all(reopened)).toEqual(before);
  });
});
