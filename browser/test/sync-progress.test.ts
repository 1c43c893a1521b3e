import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import { SNAPSHOT_LENGTH_HEADER, createEmbeddedClient, type SyncProgress, type SyncStatus } from '@sextant/core';
import { buildRestApp } from '@sextant/server';
import { openWorkerReplica } from '../src/sync/worker-sync.js';

const DIM = 48;
const POINTS = 4000;

/** Seeded (mulberry32) vectors: the same snapshot bytes on every run. */
function vectors(count: number, seed: number): number[][] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: count }, () => Array.from({ length: DIM }, () => next() * 2 - 1));
}

// The worker's replica (openWorkerReplica, the code db.sync runs) against a real server on a real port, with the
// platform's fetch: Node's is the WHATWG one browsers have (streamed body, gzip inflated for the reader).
describe('snapshot download progress', () => {
  let app: FastifyInstance;
  let url: string;

  beforeAll(async () => {
    app = await buildRestApp({ client: await createEmbeddedClient() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const qdrant = new QdrantClient({ url, checkCompatibility: false });
    await qdrant.createCollection('docs', { vectors: { size: DIM, distance: 'Dot' } });
    const all = vectors(POINTS, 6);
    for (let at = 0; at < POINTS; at += 1000) {
      await qdrant.upsert('docs', { wait: true, points: all.slice(at, at + 1000).map((vector, k) => ({ id: at + k, vector, payload: { n: at + k } })) });
    }
  }, 60_000);
  afterAll(async () => app?.close());

  it('the server announces a snapshot frame length, exposed cross-origin, and none for a page of changes', async () => {
    const pull = (since: unknown) =>
      fetch(`${url}/collections/docs/sync/pull`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://app.example', 'accept-encoding': 'gzip' },
        body: JSON.stringify({ since }),
      });
    const first = await pull(null);
    const frame = new Uint8Array(await first.arrayBuffer());
    // Sent gzipped; the announced length is of the inflated frame, which is what fetch's reader sees.
    expect(first.headers.get('content-encoding')).toBe('gzip');
    expect(Number(first.headers.get(SNAPSHOT_LENGTH_HEADER))).toBe(frame.byteLength);
    expect(first.headers.get('access-control-expose-headers')).toContain(SNAPSHOT_LENGTH_HEADER);
    const status = (await (await fetch(`${url}/collections/docs/sync/status`)).json()) as { result: { epoch: string; checkpoint: { seq: number } } };
    const changes = await pull({ epoch: status.result.epoch, seq: status.result.checkpoint.seq });
    await changes.arrayBuffer();
    expect(changes.headers.get(SNAPSHOT_LENGTH_HEADER)).toBeNull();
  });

  it('a first sync reports growing progress up to the whole frame, in a bounded number of status events', async () => {
    const local = await createEmbeddedClient();
    const replica = await openWorkerReplica(local.engine, 'docs', { url, live: false });
    const seen: SyncProgress[] = [];
    const states: SyncStatus['state'][] = [];
    replica.subscribe((status) => {
      if (status.progress !== undefined && status.progress !== seen[seen.length - 1]) seen.push(status.progress);
      states.push(status.state);
    });
    expect(replica.getStatus().progress).toBeUndefined();
    await replica.syncOnce();
    expect((await local.count('docs', { exact: true })).count).toBe(POINTS);

    const last = seen[seen.length - 1]!;
    expect(last.total).toBeGreaterThan(POINTS * DIM * 4);
    expect(last.received).toBe(last.total);
    expect(seen[0]!.received).toBe(0);
    // Several steps in between (the frame arrives in many chunks), never more than the replica's throttle allows.
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.length).toBeLessThanOrEqual(64 + 2);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.received).toBeGreaterThan(seen[i - 1]!.received);
      expect(seen[i]!.received).toBeLessThanOrEqual(seen[i]!.total);
    }
    expect(states).toContain('pulling');
    expect(replica.getStatus().state).toBe('synced');

    // 2. A catch-up pull of changes is no download: the progress stays the snapshot's.
    await new QdrantClient({ url, checkCompatibility: false }).upsert('docs', { wait: true, points: [{ id: 99_999, vector: vectors(1, 7)[0]!, payload: {} }] });
    const count = seen.length;
    await replica.syncOnce();
    expect((await local.count('docs', { exact: true })).count).toBe(POINTS + 1);
    expect(seen.length).toBe(count);
    await replica.stop();
  });
});
