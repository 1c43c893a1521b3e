import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  SextantError, SyncReplica, createEmbeddedClient, httpTransport,
  type EmbeddedClient, type FetchLike, type SyncTransport,
} from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { Rng } from './reliability/hostile-values.js';

/**
 * Promise (issue 6): a server and several replicas, each writing at random (upserts, deletes, payload edits) while
 * links drop and answers get lost, end up equal: after everyone is back online and has synced until nothing moves,
 * every replica holds exactly the server's points (ids, vectors bit for bit, payloads) and answers searches the same.
 *
 * Bounded for CI; `SEXTANT_SYNC_STEPS=5000 SEXTANT_SYNC_SEED=...` runs longer or other histories.
 */
const STEPS = Number(process.env['SEXTANT_SYNC_STEPS'] ?? 2000);
const SEED = Number(process.env['SEXTANT_SYNC_SEED'] ?? 12);
const DIM = 6;
/** Ids are drawn from a small pool so that sides keep colliding on the same points. */
const ID_POOL = 60;
const TENANTS = ['a', 'b'] as const;
const DISTANCE = 'Cosine';

/**
 * The real HTTP transport behind a switch and a die: `online` false fails every call as an unreachable server
 * does; otherwise a call is dropped before it reaches the server (a disconnect) or after the server handled it
 * (a lost answer: the push is applied, the replica never hears).
 */
class FlakyTransport implements SyncTransport {
  online = true;
  lostAnswers = 0;
  constructor(
    private readonly inner: SyncTransport,
    private readonly rng: Rng,
    private readonly failRate: number,
  ) {}

  async pull(...args: Parameters<SyncTransport['pull']>) {
    this.before();
    const page = await this.inner.pull(...args);
    this.after();
    return page;
  }

  async push(...args: Parameters<SyncTransport['push']>) {
    this.before();
    const answer = await this.inner.push(...args);
    this.after();
    return answer;
  }

  private before(): void {
    if (!this.online || this.rng.chance(this.failRate)) throw new SextantError('unavailable', 'Service unavailable: link down');
  }

  private after(): void {
    if (this.online && this.rng.chance(this.failRate)) {
      this.lostAnswers++;
      throw new SextantError('unavailable', 'Service unavailable: connection reset before the answer');
    }
  }
}

interface Device {
  name: string;
  client: EmbeddedClient;
  replica: SyncReplica;
  link: FlakyTransport;
  filter?: { must: { key: string; match: { value: string } }[] };
}

function vec(rng: Rng): number[] {
  return Array.from({ length: DIM }, () => Math.round((rng.next() * 2 - 1) * 1000) / 1000);
}

function payload(rng: Rng, who: string): Record<string, unknown> {
  return { tenant: rng.pick(TENANTS), who, n: rng.int(1000), ...(rng.chance(0.3) ? { tags: [rng.int(5), rng.int(5)] } : {}) };
}

/** One random write through the ordinary client API; a write the local state refuses (404) is simply skipped. */
async function randomWrite(client: EmbeddedClient, rng: Rng, who: string): Promise<void> {
  const id = 1 + rng.int(ID_POOL);
  const ids = [id, 1 + rng.int(ID_POOL)];
  try {
    switch (rng.int(7)) {
      case 0:
      case 1:
        await client.upsert('docs', { points: [{ id, vector: vec(rng), payload: payload(rng, who) }, { id: 1 + rng.int(ID_POOL), vector: vec(rng), payload: payload(rng, who) }] });
        return;
      case 2:
        await client.delete('docs', { points: rng.chance(0.7) ? [id] : ids });
        return;
      case 3:
        await client.setPayload('docs', { points: [id], payload: { who, edit: rng.int(100), tenant: rng.pick(TENANTS) } });
        return;
      case 4:
        await client.overwritePayload('docs', { points: [id], payload: { who, n: rng.int(1000), tenant: rng.pick(TENANTS) } });
        return;
      case 5:
        await client.deletePayload('docs', { points: [id], keys: ['n'] });
        return;
      default:
        await client.updateVectors('docs', { points: [{ id, vector: vec(rng) }] });
    }
  } catch (error) {
    if (!(SextantError.is(error) && error.code === 'point_not_found')) throw error;
  }
}

type Row = { id: number | string; vector: unknown; payload: unknown };
async function allPoints(client: EmbeddedClient, filter?: Device['filter']): Promise<Row[]> {
  const { points } = await client.scroll('docs', { limit: 10_000, with_vector: true, with_payload: true, ...(filter === undefined ? {} : { filter }) });
  return points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload }));
}

describe('sync convergence', () => {
  let server: EmbeddedClient;
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    server = await createEmbeddedClient();
    app = await buildRestApp({ client: server, apiKey: 'k' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    await server.createCollection('docs', { vectors: { size: DIM, distance: DISTANCE } });
    await server.createPayloadIndex('docs', { field_name: 'tenant', field_schema: 'keyword', wait: true });
    const rng = new Rng(SEED ^ 0x5eed);
    await server.upsert('docs', { points: Array.from({ length: ID_POOL / 2 }, (_, i) => ({ id: 2 * i + 1, vector: vec(rng), payload: payload(rng, 'server') })) });
  });
  afterAll(async () => {
    await app.close();
    await server.close();
  });

  it(`${STEPS} random steps on a server and 4 replicas (one partial) with drops and lost answers end equal`, async () => {
    const rng = new Rng(SEED);
    const devices: Device[] = [];
    for (let d = 0; d < 4; d++) {
      const client = await createEmbeddedClient();
      const link = new FlakyTransport(httpTransport({ url, apiKey: 'k', fetch: globalThis.fetch as unknown as FetchLike }), new Rng(SEED + 1 + d), 0.15);
      const filter = d === 3 ? { must: [{ key: 'tenant', match: { value: 'a' } }] } : undefined;
      const replica = await SyncReplica.open(client.engine, {
        transport: link, collection: 'docs', pageLimit: 7, newClientId: () => `device-${d}`, ...(filter === undefined ? {} : { filter }),
      });
      devices.push({ name: `device-${d}`, client, replica, link, ...(filter === undefined ? {} : { filter }) });
    }
    // 1. Every device gets its first copy (retrying through the flaky link).
    for (const device of devices) await syncUntilOk(device);

    // 2. The random history. A sync may be left running while the app writes (as a live app does).
    let failures = 0;
    for (let step = 0; step < STEPS; step++) {
      const roll = rng.int(10);
      if (roll < 2) {
        await randomWrite(server, rng, 'server');
        continue;
      }
      const device = rng.pick(devices);
      if (roll < 3) {
        device.link.online = !device.link.online;
      } else if (roll < 7) {
        await randomWrite(device.client, rng, device.name);
      } else {
        const sync = device.replica.syncOnce().catch((error: unknown) => {
          if (!(SextantError.is(error) && error.code === 'unavailable')) throw error;
          failures++;
        });
        if (rng.chance(0.3)) await randomWrite(device.client, rng, device.name);
        await sync;
      }
    }

    // 3. Everyone back online with a reliable link; sync in rounds until a whole round changes nothing.
    for (const device of devices) {
      device.link.online = true;
      (device.link as unknown as { failRate: number }).failRate = 0;
    }
    const collection = server.engine.resolve('docs');
    for (let round = 0; ; round++) {
      expect(round, 'sync did not settle').toBeLessThan(20);
      const before = collection.lastSeq;
      for (const device of devices) await device.replica.syncOnce();
      const settled = devices.every((d) => d.replica.getStatus().pending === 0 && d.replica.getStatus().checkpoint?.seq === collection.lastSeq);
      if (settled && collection.lastSeq === before) break;
    }

    // 4. Point for point, and searches agree.
    const everything = await allPoints(server);
    expect(everything.length).toBeGreaterThan(5);
    for (const device of devices) {
      const expected = device.filter === undefined ? everything : await allPoints(server, device.filter);
      expect(await allPoints(device.client), device.name).toEqual(expected);
      expect(device.replica.getStatus().state, device.name).toBe('synced');
    }
    const qrng = new Rng(SEED + 99);
    for (let q = 0; q < 10; q++) {
      const query = vec(qrng);
      for (const device of devices) {
        const filter = device.filter ?? (q % 2 === 0 ? { must: [{ key: 'tenant', match: { value: 'b' } }] } : undefined);
        const request = { query, limit: 8, with_payload: true, ...(filter === undefined ? {} : { filter }) };
        const there = await server.query('docs', request);
        const here = await device.client.query('docs', request);
        expect(here.points.map((p) => [p.id, p.score, p.payload]), `${device.name} query ${q}`).toEqual(there.points.map((p) => [p.id, p.score, p.payload]));
      }
    }
    // The history really exercised what it claims to.
    expect(failures).toBeGreaterThan(0);
    expect(devices.reduce((n, d) => n + d.link.lostAnswers, 0)).toBeGreaterThan(0);
    expect(devices.reduce((n, d) => n + d.replica.getStatus().conflicts, 0)).toBeGreaterThan(0);
    for (const device of devices) {
      await device.replica.close();
      await device.client.close();
    }
  }, 120_000);
});

/**
 * Cosine vectors are normalized on write; a replica writes pulled states and the server writes pushed ones, so any
 * re-normalization of an already unit vector would make them drift apart by an ulp. Like Qdrant, the engine leaves
 * unit vectors as they are, so both hold the same bits.
 */
describe('sync convergence, Cosine', () => {
  it('a replica holds the server\'s Cosine vectors bit for bit', async () => {
    const server = await createEmbeddedClient();
    const app = await buildRestApp({ client: server });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      await server.createCollection('cos', { vectors: { size: DIM, distance: 'Cosine' } });
      const rng = new Rng(SEED);
      const local = await createEmbeddedClient();
      const replica = await SyncReplica.open(local.engine, { transport: httpTransport({ url, fetch: globalThis.fetch as unknown as FetchLike }), collection: 'cos' });
      await replica.syncOnce();
      await server.upsert('cos', { points: Array.from({ length: 40 }, (_, i) => ({ id: i + 1, vector: vec(rng), payload: { i } })) });
      await local.upsert('cos', { points: Array.from({ length: 40 }, (_, i) => ({ id: i + 100, vector: vec(rng) })) });
      await replica.syncOnce();
      await replica.syncOnce();
      const read = async (c: EmbeddedClient) => (await c.scroll('cos', { limit: 1000, with_vector: true })).points.map((p) => [p.id, p.vector]);
      expect(await read(local)).toEqual(await read(server));
      await replica.close();
    } finally {
      await app.close();
    }
  });
});

async function syncUntilOk(device: Device): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      await device.replica.syncOnce();
      return;
    } catch (error) {
      if (!(SextantError.is(error) && error.code === 'unavailable')) throw error;
    }
  }
  throw new Error(`${device.name} never synced`);
}
