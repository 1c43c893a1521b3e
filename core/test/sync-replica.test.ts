import { describe, expect, it } from 'vitest';
import {
  ChangeFeed, MemoryStorage, PushLedger, SextantError, SyncReplica, applyPush, createEmbeddedClient, decodePullPage,
  decodePushRequest, decodePushResponse, encodePullPage, encodePushRequest, encodePushResponse, pageLimit,
  type EmbeddedClient, type SyncTransport,
} from '@sextant/core';

const vec = (i: number) => [Math.sin(i), Math.cos(i), 0.5, i % 7];

/**
 * The server side in process, every message through its byte encoding as over HTTP. `online` false makes calls
 * fail as an unreachable server does; `loseNextPushAnswer` applies a push and then fails, as a lost response.
 */
class LoopbackTransport implements SyncTransport {
  online = true;
  loseNextPushAnswer = false;
  readonly ledger = new PushLedger();
  constructor(readonly server: EmbeddedClient, readonly feed: ChangeFeed) {}

  async pull(_collection: string, request: Parameters<SyncTransport['pull']>[1]) {
    this.check();
    const req = JSON.parse(JSON.stringify(request));
    const page = this.feed.canServe(req.since) ? this.feed.changes(req.since, req.filter, pageLimit(req.limit)) : this.feed.snapshot(req.filter);
    return decodePullPage(encodePullPage(page));
  }

  async push(_collection: string, request: Parameters<SyncTransport['push']>[1]) {
    this.check();
    const decoded = decodePushRequest(encodePushRequest(request));
    const response = await applyPush(this.feed.collection, this.ledger, decoded, () => this.feed.checkpoint());
    if (this.loseNextPushAnswer) {
      this.loseNextPushAnswer = false;
      throw new SextantError('unavailable', 'Service unavailable: connection reset');
    }
    return decodePushResponse(encodePushResponse(response));
  }

  private check(): void {
    if (!this.online) throw new SextantError('unavailable', 'Service unavailable: offline');
  }
}

async function setup() {
  const server = await createEmbeddedClient();
  await server.createCollection('docs', { vectors: { size: 4, distance: 'Euclid' } });
  const feed = new ChangeFeed(server.engine.resolve('docs'), 'e1');
  await server.upsert('docs', { points: Array.from({ length: 30 }, (_, i) => ({ id: i + 1, vector: vec(i + 1), payload: { i } })) });
  return { server, transport: new LoopbackTransport(server, feed) };
}

describe('replica', () => {
  it('keeps queued offline writes across a restart of the device and pushes them once online', async () => {
    const { server, transport } = await setup();
    const storage = new MemoryStorage();
    let local = await createEmbeddedClient({ storage });
    let replica = await SyncReplica.open(local.engine, { transport, collection: 'docs', newClientId: () => 'device-1' });
    await replica.syncOnce();
    // 1. Offline: writes land locally and in the queue.
    transport.online = false;
    await local.upsert('docs', { points: [{ id: 100, vector: vec(100), payload: { offline: 1 } }] });
    await local.delete('docs', { points: [3] });
    await expect(replica.syncOnce()).rejects.toMatchObject({ code: 'unavailable' });
    expect(replica.getStatus().pending).toBe(2);
    // 2. The device restarts: engine and replica reopen from the same storage.
    await local.engine.close();
    local = await createEmbeddedClient({ storage });
    replica = await SyncReplica.open(local.engine, { transport, collection: 'docs', newClientId: () => 'not-used' });
    expect(replica.clientId).toBe('device-1');
    expect(replica.getStatus().pending).toBe(2);
    expect((await local.count('docs', { exact: true })).count).toBe(30);
    // 3. Online again.
    transport.online = true;
    await replica.syncOnce();
    expect(replica.getStatus()).toMatchObject({ pending: 0, state: 'synced' });
    expect((await server.retrieve('docs', { ids: [100, 3] })).map((p) => p.id)).toEqual([100]);
    expect((await server.count('docs', { exact: true })).count).toBe(30);
  });

  it('applies a push whose answer was lost only once, and converges', async () => {
    const { server, transport } = await setup();
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport, collection: 'docs' });
    await replica.syncOnce();
    await local.setPayload('docs', { points: [1], payload: { x: 1 } });
    transport.loseNextPushAnswer = true;
    await expect(replica.syncOnce()).rejects.toMatchObject({ code: 'unavailable' });
    const seq = server.engine.resolve('docs').lastSeq;
    await local.setPayload('docs', { points: [1], payload: { y: 2 } });
    await replica.syncOnce();
    // Only the second change was applied by the retry: one new op on the server, no conflict with its own write.
    expect(server.engine.resolve('docs').lastSeq).toBe(seq + 1);
    expect(replica.getStatus().conflicts).toBe(0);
    const [there] = await server.retrieve('docs', { ids: [1] });
    expect(there!.payload).toEqual({ i: 0, x: 1, y: 2 });
    const here = await local.scroll('docs', { limit: 100, with_vector: true });
    const serverPoints = await server.scroll('docs', { limit: 100, with_vector: true });
    expect(here.points).toEqual(serverPoints.points);
  });

  it('starts over from a snapshot when the server forgot its history, keeping local changes on top', async () => {
    const { server, transport } = await setup();
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport, collection: 'docs' });
    await replica.syncOnce();
    transport.online = false;
    await local.setPayload('docs', { points: [2], payload: { mine: true } });
    await replica.close();
    // The server restarts: its feed has a new epoch and a journal starting now.
    const fresh = new ChangeFeed(server.engine.resolve('docs'), 'e2');
    const next = new LoopbackTransport(server, fresh);
    await server.upsert('docs', { points: [{ id: 31, vector: vec(31) }] });
    const moved = await SyncReplica.open(local.engine, { transport: next, collection: 'docs' });
    await moved.syncOnce();
    expect(moved.getStatus().checkpoint).toEqual(fresh.checkpoint());
    expect((await local.count('docs', { exact: true })).count).toBe(31);
    const [p2] = await server.retrieve('docs', { ids: [2] });
    expect(p2!.payload).toMatchObject({ mine: true });
    expect(moved.getStatus().pending).toBe(0);
  });
});
