import { describe, expect, it } from 'vitest';
import {
  ChangeFeed, MemoryStorage, PushLedger, SextantError, SyncReplica, applyPush, createEmbeddedClient, decodePullPage,
  decodePushRequest, decodePushResponse, encodePullPage, encodePushRequest, encodePushResponse, pageLimit,
  type EmbeddedClient, type SyncTransport,
} from '@sextant/core';

/**
 * Promise: replicas converge with the server even when devices restart mid-history (engine and replica reopened
 * from their storage, queue and checkpoint included) and the server's journal is so short that checkpoints fall
 * behind it (a snapshot arrives while local changes are still queued). In process, every message through its byte
 * encoding, so it is fast enough for long histories: `SEXTANT_SYNC_STEPS`, `SEXTANT_SYNC_SEED`.
 */
const STEPS = Number(process.env['SEXTANT_SYNC_STEPS'] ?? 2000);
const SEED = Number(process.env['SEXTANT_SYNC_SEED'] ?? 7);
const IDS = 50;

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The server side in process; `online`, dropped calls and lost push answers as over a bad network. */
class Loopback implements SyncTransport {
  online = true;
  failRate = 0.15;
  lost = 0;
  constructor(
    private readonly feed: ChangeFeed,
    private readonly ledger: PushLedger,
    private readonly rng: Rng,
  ) {}

  async pull(_collection: string, request: Parameters<SyncTransport['pull']>[1]) {
    this.gate();
    const req = JSON.parse(JSON.stringify(request));
    const page = this.feed.canServe(req.since) ? this.feed.changes(req.since, req.filter, pageLimit(req.limit)) : this.feed.snapshot(req.filter);
    return decodePullPage(encodePullPage(page));
  }

  async push(_collection: string, request: Parameters<SyncTransport['push']>[1]) {
    this.gate();
    const response = await applyPush(this.feed.collection, this.ledger, decodePushRequest(encodePushRequest(request)), () => this.feed.checkpoint());
    if (this.rng.chance(this.failRate)) {
      this.lost++;
      throw new SextantError('unavailable', 'Service unavailable: answer lost');
    }
    return decodePushResponse(encodePushResponse(response));
  }

  private gate(): void {
    if (!this.online || this.rng.chance(this.failRate)) throw new SextantError('unavailable', 'Service unavailable: link down');
  }
}

interface Device {
  storage: MemoryStorage;
  client: EmbeddedClient;
  replica: SyncReplica;
  link: Loopback;
  id: string;
}

const vec = (rng: Rng) => [rng.int(100) / 10, rng.int(100) / 10, rng.int(100) / 10];

async function write(client: EmbeddedClient, rng: Rng, who: string): Promise<void> {
  const id = 1 + rng.int(IDS);
  try {
    switch (rng.int(5)) {
      case 0:
      case 1:
        await client.upsert('docs', { points: [{ id, vector: vec(rng), payload: { who, v: rng.int(1000) } }] });
        return;
      case 2:
        await client.delete('docs', { points: [id] });
        return;
      case 3:
        await client.setPayload('docs', { points: [id, 1 + rng.int(IDS)], payload: { who, e: rng.int(1000) } });
        return;
      default:
        await client.clearPayload('docs', { points: [id] });
    }
  } catch (error) {
    if (!(SextantError.is(error) && error.code === 'point_not_found')) throw error;
  }
}

const dump = async (client: EmbeddedClient) =>
  (await client.scroll('docs', { limit: 10_000, with_vector: true, with_payload: true })).points.map((p) => [p.id, p.vector, p.payload]);

describe('sync convergence across device restarts and a short server journal', () => {
  it(`${STEPS} steps, 3 devices, restarts and snapshots mid-history, end equal`, async () => {
    const rng = new Rng(SEED);
    const server = await createEmbeddedClient();
    await server.createCollection('docs', { vectors: { size: 3, distance: 'Euclid' } });
    await server.upsert('docs', { points: Array.from({ length: IDS / 2 }, (_, i) => ({ id: i + 1, vector: vec(rng), payload: { who: 'server' } })) });
    // A journal of 40 entries: a device that was away for a while gets a snapshot, not changes.
    const feed = new ChangeFeed(server.engine.resolve('docs'), 'epoch-1', { retain: 40 });
    const ledger = new PushLedger();
    const open = async (storage: MemoryStorage, link: Loopback, id: string): Promise<Device> => {
      const client = await createEmbeddedClient({ storage });
      const replica = await SyncReplica.open(client.engine, { transport: link, collection: 'docs', pageLimit: 5, newClientId: () => id });
      return { storage, client, replica, link, id };
    };
    const devices: Device[] = [];
    for (let d = 0; d < 3; d++) devices.push(await open(new MemoryStorage(), new Loopback(feed, ledger, new Rng(SEED * 31 + d)), `dev-${d}`));
    let restarts = 0;
    let snapshots = 0;
    for (let step = 0; step < STEPS; step++) {
      const roll = rng.int(20);
      if (roll < 4) {
        await write(server, rng, 'server');
        continue;
      }
      const i = rng.int(devices.length);
      const device = devices[i]!;
      if (roll < 5) {
        device.link.online = !device.link.online;
      } else if (roll < 6) {
        // 1. The device restarts: everything it had acknowledged must come back from its storage.
        await device.replica.close();
        await device.client.engine.close();
        devices[i] = await open(device.storage, device.link, device.id);
        expect(devices[i]!.replica.clientId).toBe(device.id);
        restarts++;
      } else if (roll < 13) {
        if (device.client.engine.exists('docs')) await write(device.client, rng, device.id);
      } else {
        const before = device.replica.getStatus().checkpoint;
        const settle = (p: Promise<void>) => p.then(() => true, (error: unknown) => {
          if (!(SextantError.is(error) && error.code === 'unavailable')) throw error;
          return false;
        });
        // Sometimes two syncs overlap (a "sync now" button while a sync runs), or the app writes during one.
        const runs = [settle(device.replica.syncOnce())];
        if (rng.chance(0.3)) runs.push(settle(device.replica.syncOnce()));
        if (rng.chance(0.3) && device.client.engine.exists('docs')) await write(device.client, rng, device.id);
        const ok = await Promise.all(runs);
        if (ok.some(Boolean) && before !== null && feed.journal.floor > before.seq) snapshots++;
      }
    }
    // 2. All online, reliable: sync until a whole round moves nothing.
    const collection = server.engine.resolve('docs');
    for (const device of devices) {
      device.link.online = true;
      device.link.failRate = 0;
    }
    for (let round = 0; ; round++) {
      expect(round, 'sync did not settle').toBeLessThan(20);
      const seq = collection.lastSeq;
      for (const device of devices) await device.replica.syncOnce();
      if (collection.lastSeq === seq && devices.every((d) => d.replica.getStatus().pending === 0 && d.replica.getStatus().checkpoint?.seq === seq)) break;
    }
    const expected = await dump(server);
    for (const device of devices) expect(await dump(device.client), device.id).toEqual(expected);
    expect(restarts).toBeGreaterThan(0);
    expect(snapshots).toBeGreaterThan(0);
    expect(devices.reduce((n, d) => n + d.link.lost, 0)).toBeGreaterThan(0);
  }, 60_000);
});
