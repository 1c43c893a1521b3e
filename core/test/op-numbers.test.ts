import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage, type Storage } from '@sextant/core';
import { encodeRecord } from '../src/wal/op-log.js';
import { encodeOperation } from '../src/collection/operations.js';

/**
 * Storage whose `crash()` gives what a power cut would leave: only what resolved before the last `sync()`.
 * Writes land in `live` at once and in `durable` at the next sync, in order.
 */
class CrashableStorage implements Storage {
  readonly live = new MemoryStorage();
  private durable = new MemoryStorage();
  private pending: ((s: MemoryStorage) => Promise<void>)[] = [];
  read(name: string) {
    return this.live.read(name);
  }
  async write(name: string, bytes: Uint8Array) {
    const copy = bytes.slice();
    await this.live.write(name, copy);
    this.pending.push((s) => s.write(name, copy));
  }
  async append(name: string, bytes: Uint8Array) {
    const copy = bytes.slice();
    await this.live.append(name, copy);
    this.pending.push((s) => s.append(name, copy));
  }
  async delete(name: string) {
    await this.live.delete(name);
    this.pending.push((s) => s.delete(name));
  }
  list(prefix: string) {
    return this.live.list(prefix);
  }
  async sync() {
    for (const op of this.pending.splice(0)) await op(this.durable);
  }
  async close() {}
  /** What survives a crash now, as a storage to reopen. */
  async crash(): Promise<MemoryStorage> {
    const out = new MemoryStorage();
    for (const name of await this.durable.list('')) await out.write(name, (await this.durable.read(name))!);
    return out;
  }
}

const point = (id: number) => ({ id, vector: [id, 1, 0, 0] });

describe('operation numbers', () => {
  it('never hands out again a number acknowledged with wait=false and lost in a crash', async () => {
    const storage = new CrashableStorage();
    const a = await createEmbeddedClient({ storage });
    await a.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
    expect((await a.upsert('docs', { wait: true, points: [point(1)] })).operation_id).toBe(0);
    const acknowledged: number[] = [];
    for (let i = 2; i < 6; i++) acknowledged.push((await a.upsert('docs', { wait: false, points: [point(i)] })).operation_id!);
    expect(acknowledged).toEqual([1, 2, 3, 4]);

    const after = await storage.crash();
    const b = await createEmbeddedClient({ storage: after });
    const next = (await b.upsert('docs', { wait: true, points: [point(9)] })).operation_id!;
    expect(next).toBeGreaterThan(4);
    // Every point that survived is there; the new one too; and the numbering survives another crash and a recovery.
    const ids = (await b.scroll('docs', { limit: 100 })).points.map((p) => p.id);
    expect(ids).toContain(1);
    expect(ids).toContain(9);
    const c = await createEmbeddedClient({ storage: after });
    expect((await c.upsert('docs', { wait: true, points: [point(10)] })).operation_id).toBeGreaterThan(next);
  });

  it('keeps numbering contiguous across a clean close, and across a crash of wait=true writes', async () => {
    const storage = new CrashableStorage();
    const a = await createEmbeddedClient({ storage });
    await a.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
    await a.upsert('docs', { wait: false, points: [point(1)] });
    await a.upsert('docs', { wait: false, points: [point(2)] });
    await a.close();
    const b = await createEmbeddedClient({ storage: await storage.crash() });
    expect((await b.upsert('docs', { wait: true, points: [point(3)] })).operation_id).toBe(2);

    const storage2 = new CrashableStorage();
    const c = await createEmbeddedClient({ storage: storage2 });
    await c.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
    for (let i = 0; i < 3; i++) await c.upsert('docs', { wait: true, points: [point(i)] });
    const d = await createEmbeddedClient({ storage: await storage2.crash() });
    expect((await d.upsert('docs', { wait: true, points: [point(7)] })).operation_id).toBe(3);
  });

  it('recovers from the previous generation across a numbering jump (the skip record fills the gap)', async () => {
    const storage = new CrashableStorage();
    const a = await createEmbeddedClient({ storage });
    await a.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
    await a.upsert('docs', { wait: true, points: [point(1)] });
    await a.flush();
    await a.upsert('docs', { wait: false, points: [point(2)] });
    await a.upsert('docs', { wait: false, points: [point(3)] });
    const crashed = await storage.crash();
    // After the crash: a write above the jump, a flush (the jump's log becomes the previous one), then another write.
    const b = await createEmbeddedClient({ storage: crashed });
    const jumped = (await b.upsert('docs', { wait: true, points: [point(4)] })).operation_id!;
    expect(jumped).toBeGreaterThan(2);
    await b.flush();
    await b.upsert('docs', { wait: true, points: [point(5)] });
    // Damage the live manifest: open must rebuild from manifest.prev and both logs, which run across the jump.
    const manifest = (await crashed.read('collections/docs/manifest'))!.slice();
    manifest[manifest.length - 3] ^= 0xff;
    await crashed.write('collections/docs/manifest', manifest);
    const issues: string[] = [];
    const c = await createEmbeddedClient({ storage: crashed, onIntegrityIssue: (m) => issues.push(m) });
    expect(issues.join('\n')).toMatch(/recovered from the previous segment/);
    const ids = (await c.scroll('docs', { limit: 100 })).points.map((p) => p.id).sort();
    expect(ids).toEqual(expect.arrayContaining([1, 4, 5]));
  });

  it('replays an op log written in the previous (float64) record format', async () => {
    const storage = new MemoryStorage();
    const a = await createEmbeddedClient({ storage });
    await a.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } });
    await a.close();
    const vector = [0.1, 0.2, 0.3, 0.4];
    const old = encodeRecord(0, encodeOperation({ type: 'upsert', points: [{ id: 7, vectors: { '': vector }, payload: { old: true } }] }));
    await storage.write('collections/docs/wal', old);
    const b = await createEmbeddedClient({ storage });
    const [p] = await b.retrieve('docs', { ids: [7], with_vector: true });
    expect(p!.payload).toEqual({ old: true });
    const c = await createEmbeddedClient({ storage: new MemoryStorage() });
    await c.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } });
    await c.upsert('docs', { wait: true, points: [{ id: 7, vector, payload: { old: true } }] });
    expect(p!.vector).toEqual((await c.retrieve('docs', { ids: [7], with_vector: true }))[0]!.vector);
    expect((await b.upsert('docs', { wait: true, points: [point(8)] })).operation_id).toBe(1);
  });
});
