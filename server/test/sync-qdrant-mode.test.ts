import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import {
  SextantError, SyncReplica, createEmbeddedClient, qdrantRoutesTransport,
  type EmbeddedClient, type FetchLike, type SyncTransport,
} from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { Rng } from './reliability/hostile-values.js';

/**
 * Promise (issue 6, "Beyond one machine"): a replica syncs with any Qdrant-compatible server through Qdrant's
 * standard routes alone. Checked against our own server with the sync endpoints switched off, every server-side
 * write made through the official client and stamped with the version field, as the mode asks of all writers.
 */
const DIM = 4;
/** Steps of the random history; `SEXTANT_SYNC_STEPS` runs longer. */
const STEPS = Number(process.env['SEXTANT_SYNC_STEPS'] ?? 150);
const FIELD = 'updated_at';
let lastStamp = 0;
/** Server-side writers' clock: milliseconds, strictly increasing. */
const stamp = () => (lastStamp = Math.max(Date.now(), lastStamp + 1));
const vec = (i: number) => [Math.sin(i), Math.cos(i), (i % 5) / 5, 1];

describe('sync through Qdrant routes only', () => {
  let server: EmbeddedClient;
  let app: FastifyInstance;
  let url: string;
  let qdrant: QdrantClient;
  const transport = (extra: { idScanEvery?: number } = {}) =>
    qdrantRoutesTransport({ url, apiKey: 'k', fetch: globalThis.fetch as unknown as FetchLike, versionField: FIELD, idScanEvery: 1, ...extra });

  beforeAll(async () => {
    server = await createEmbeddedClient();
    app = await buildRestApp({ client: server, apiKey: 'k', sync: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    qdrant = new QdrantClient({ url, apiKey: 'k', checkCompatibility: false });
    await qdrant.createCollection('docs', { vectors: { size: DIM, distance: 'Euclid' } });
    await qdrant.createPayloadIndex('docs', { field_name: FIELD, field_schema: 'integer', wait: true });
    await qdrant.createPayloadIndex('docs', { field_name: 'tenant', field_schema: 'keyword', wait: true });
    const points = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, vector: vec(i + 1), payload: { tenant: i % 3 === 0 ? 'a' : 'b', n: i + 1, [FIELD]: stamp() } }));
    await qdrant.upsert('docs', { points, wait: true });
  });
  afterAll(() => app.close());

  const everything = async (c: { scroll: EmbeddedClient['scroll'] }, filter?: object) =>
    (await c.scroll('docs', { limit: 10_000, with_vector: true, with_payload: true, ...(filter ? { filter } : {}) })).points.map((p) => [p.id, p.vector, p.payload]);

  it('has no sync endpoints to lean on', async () => {
    const response = await fetch(`${url}/collections/docs/sync/pull`, { method: 'POST', headers: { 'api-key': 'k', 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(404);
  });

  it('builds the first copy by scroll, takes deltas by order_by, and finds deletions by comparing ids', async () => {
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport: transport(), collection: 'docs', pageLimit: 40 });
    await replica.syncOnce();
    expect(await everything(local)).toEqual(await everything(server));
    expect(await local.getCollection('docs')).toMatchObject({ payload_schema: { tenant: { data_type: 'keyword' } } });
    // Server-side writes, stamped: 100 new points (several pages of deltas), an edit, a delete.
    await qdrant.upsert('docs', { points: Array.from({ length: 100 }, (_, i) => ({ id: 1000 + i, vector: vec(1000 + i), payload: { tenant: 'a', [FIELD]: stamp() } })), wait: true });
    await qdrant.setPayload('docs', { points: [7], payload: { edited: true, [FIELD]: stamp() }, wait: true });
    await qdrant.delete('docs', { points: [8, 1001], wait: true });
    await replica.syncOnce();
    expect(await everything(local)).toEqual(await everything(server));
    for (const q of [3, 50, 1022]) {
      const request = { query: vec(q), limit: 5, filter: { must: [{ key: 'tenant', match: { value: 'a' } }] } };
      expect((await local.query('docs', request)).points.map((p) => p.id)).toEqual((await qdrant.query('docs', request)).points.map((p) => p.id));
    }
    await replica.close();
  });

  it('keeps a partial copy: a point that leaves the filter is removed', async () => {
    const local = await createEmbeddedClient();
    const filter = { must: [{ key: 'tenant', match: { value: 'a' } }] };
    const replica = await SyncReplica.open(local.engine, { transport: transport(), collection: 'docs', filter });
    await replica.syncOnce();
    expect(await everything(local)).toEqual(await everything(server, filter));
    await qdrant.setPayload('docs', { points: [1], payload: { tenant: 'b', [FIELD]: stamp() }, wait: true });
    await qdrant.setPayload('docs', { points: [2], payload: { tenant: 'a', [FIELD]: stamp() }, wait: true });
    await replica.syncOnce();
    expect((await local.retrieve('docs', { ids: [1, 2] })).map((p) => p.id)).toEqual([2]);
    expect(await everything(local)).toEqual(await everything(server, filter));
    await replica.close();
  });

  it('pushes local writes by guarded batch updates; a point the server changed since is a conflict and the server wins', async () => {
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport: transport(), collection: 'docs' });
    await replica.syncOnce();
    await local.upsert('docs', { points: [{ id: 5000, vector: vec(5000), payload: { tenant: 'a', from: 'device' } }] });
    await local.setPayload('docs', { points: [10], payload: { note: 'device' } });
    await local.overwritePayload('docs', { points: [11], payload: { only: 'this' } });
    await local.deletePayload('docs', { points: [12], keys: ['n'] });
    await local.updateVectors('docs', { points: [{ id: 13, vector: [9, 9, 9, 9] }] });
    await local.delete('docs', { points: [14] });
    await local.setPayload('docs', { points: [15], payload: { who: 'device' } });
    await local.delete('docs', { points: [16] });
    await local.upsert('docs', { points: [{ id: 17, vector: [7, 7, 7, 7], payload: { who: 'device' } }] });
    // Meanwhile on the server: 15, 16 and 17 edited (the device's delete of 16 and its replacement of 17, guarded by
    // update_filter, must not win).
    await qdrant.setPayload('docs', { points: [15], payload: { who: 'server', [FIELD]: stamp() }, wait: true });
    await qdrant.setPayload('docs', { points: [16], payload: { kept: true, [FIELD]: stamp() }, wait: true });
    await qdrant.setPayload('docs', { points: [17], payload: { who: 'server', [FIELD]: stamp() }, wait: true });
    await replica.syncOnce();
    expect(replica.getStatus()).toMatchObject({ pending: 0, conflicts: 3 });
    const byId = new Map((await qdrant.retrieve('docs', { ids: [5000, 10, 11, 12, 13, 14, 15, 16, 17], with_vector: true })).map((p) => [p.id, p]));
    expect(byId.get(5000)!.payload).toMatchObject({ from: 'device' });
    expect(byId.get(10)!.payload).toMatchObject({ note: 'device' });
    expect(Object.keys(byId.get(11)!.payload!).sort()).toEqual(['only', FIELD].sort());
    expect(byId.get(12)!.payload).not.toHaveProperty('n');
    expect(byId.get(13)!.vector).toEqual([9, 9, 9, 9]);
    expect(byId.has(14)).toBe(false);
    expect(byId.get(15)!.payload).toMatchObject({ who: 'server' });
    expect(byId.get(16)!.payload).toMatchObject({ kept: true });
    expect(byId.get(17)!.payload).toMatchObject({ who: 'server' });
    // REST prints float32s as their shortest decimals (as Qdrant does): compared as the float32s they read back as
    expect((byId.get(17)!.vector as number[]).map(Math.fround)).toEqual(Array.from(Float32Array.from(vec(17))));
    // Every pushed point carries a stamp newer than what the device had seen.
    expect(byId.get(10)!.payload![FIELD]).toBeGreaterThan(0);
    await replica.syncOnce();
    expect(await everything(local)).toEqual(await everything(server));
    await replica.close();
  });

  it('runs live: polls for news and pushes local writes as they happen', async () => {
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport: qdrantRoutesTransport({ url, apiKey: 'k', fetch: globalThis.fetch as unknown as FetchLike, pollMs: 30 }), collection: 'docs' });
    replica.start();
    await until(() => replica.getStatus().state === 'synced');
    await qdrant.upsert('docs', { points: [{ id: 7777, vector: vec(7777), payload: { live: true, [FIELD]: stamp() } }], wait: true });
    await until(async () => (await local.retrieve('docs', { ids: [7777] })).length === 1);
    await local.setPayload('docs', { points: [7777], payload: { seen: 'device' } });
    await until(async () => (await qdrant.retrieve('docs', { ids: [7777] }))[0]?.payload?.['seen'] === 'device');
    await replica.stop();
    expect(replica.getStatus().state).toBe('idle');
    await replica.close();
  });

  it('converges with random writes on both sides through dropped links and lost answers', async () => {
    const rng = new Rng(20261125);
    const devices = await Promise.all([0, 1, 2].map(async (d) => {
      const client = await createEmbeddedClient();
      const link = new Flaky(transport({ idScanEvery: 3 }), new Rng(d + 7));
      const replica = await SyncReplica.open(client.engine, { transport: link, collection: 'docs', pageLimit: 25, newClientId: () => `q${d}` });
      return { client, link, replica };
    }));
    for (const d of devices) await retry(() => d.replica.syncOnce());
    const ids = () => 1 + rng.int(40);
    for (let step = 0; step < STEPS; step++) {
      const roll = rng.int(10);
      try {
        if (roll < 2) {
          const id = ids();
          if (rng.chance(0.6)) await qdrant.upsert('docs', { points: [{ id, vector: vec(rng.int(999)), payload: { tenant: 'a', w: 'server', [FIELD]: stamp() } }], wait: true });
          else if (rng.chance(0.5)) await qdrant.setPayload('docs', { points: [id], payload: { w: 'server-edit', [FIELD]: stamp() }, wait: true });
          else await qdrant.delete('docs', { points: [id], wait: true });
          continue;
        }
        const d = rng.pick(devices);
        if (roll < 7) {
          const id = ids();
          const kind = rng.int(4);
          if (kind === 0) await d.client.upsert('docs', { points: [{ id, vector: vec(rng.int(999)), payload: { tenant: 'b', w: 'device' } }] });
          else if (kind === 1) await d.client.setPayload('docs', { points: [id], payload: { w: 'device-edit', k: rng.int(9) } });
          else if (kind === 2) await d.client.delete('docs', { points: [id] });
          else await d.client.deletePayload('docs', { points: [id], keys: ['n'] });
        } else {
          await d.replica.syncOnce().catch((e: unknown) => {
            if (!(SextantError.is(e) && e.code === 'unavailable')) throw e;
          });
        }
      } catch (error) {
        if (!(SextantError.is(error) && error.code === 'point_not_found') && !String(error).includes('Not Found')) throw error;
      }
    }
    for (const d of devices) d.link.failRate = 0;
    // Quiet rounds: the first drains every queue; the later ones bring everyone the others' last pushes and (every
    // third caught-up pull) an id scan that finds the deletions.
    for (let round = 0; round < 7; round++) for (const d of devices) await d.replica.syncOnce();
    const expected = await everything(server);
    for (const d of devices) {
      expect(d.replica.getStatus().pending).toBe(0);
      expect(await everything(d.client)).toEqual(expected);
    }
    expect(devices.reduce((n, d) => n + d.link.lost, 0)).toBeGreaterThan(0);
    for (const d of devices) await d.replica.close();
  }, 60_000);
});

async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Fails a call before it leaves (a drop) or after the server handled it (a lost answer). */
class Flaky implements SyncTransport {
  failRate = 0.15;
  lost = 0;
  constructor(private readonly inner: SyncTransport, private readonly rng: Rng) {}
  async pull(...args: Parameters<SyncTransport['pull']>) {
    this.drop();
    return this.inner.pull(...args);
  }
  async push(...args: Parameters<SyncTransport['push']>) {
    this.drop();
    const answer = await this.inner.push(...args);
    if (this.rng.chance(this.failRate)) {
      this.lost++;
      throw new SextantError('unavailable', 'Service unavailable: answer lost');
    }
    return answer;
  }
  private drop(): void {
    if (this.rng.chance(this.failRate)) throw new SextantError('unavailable', 'Service unavailable: link down');
  }
}

async function retry(fn: () => Promise<void>): Promise<void> {
  for (let i = 0; i < 30; i++) {
    try {
      return await fn();
    } catch (error) {
      if (!(SextantError.is(error) && error.code === 'unavailable')) throw error;
    }
  }
  throw new Error('never succeeded');
}
