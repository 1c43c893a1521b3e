import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import {
  MemoryStorage, SNAPSHOT_ID_HEADER, SNAPSHOT_LENGTH_HEADER, SNAPSHOT_OFFSET_HEADER, SextantError, SyncReplica, createEmbeddedClient, httpTransport,
  storageDownloads,
  type FetchLike, type SyncProgress,
} from '@sextant/core';
import { buildRestApp } from '@sextant/server';

const DIM = 48;
const POINTS = 3000;

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

/** What the wrapped fetch saw of each pull: the body sent, the snapshot headers and the body bytes delivered. */
interface Seen {
  request: { resume?: { snapshot: string; offset: number } };
  id: string | null;
  offset: string | null;
  length: string | null;
  delivered: number;
}

/**
 * Node's fetch (the WHATWG one), with the body of the next snapshot answer cut after `cutAt` bytes, as a dropped
 * connection does: the stream errors once that many bytes went through.
 */
function cuttingFetch(seen: Seen[]): { fetch: FetchLike; cutNextAt(bytes: number): void } {
  let cutAt: number | undefined;
  const fetchLike: FetchLike = async (url, init) => {
    const response = await fetch(url, init as RequestInit);
    const entry: Seen = {
      request: typeof init.body === 'string' && url.endsWith('/pull') ? JSON.parse(init.body) : {},
      id: response.headers.get(SNAPSHOT_ID_HEADER),
      offset: response.headers.get(SNAPSHOT_OFFSET_HEADER),
      length: response.headers.get(SNAPSHOT_LENGTH_HEADER),
      delivered: 0,
    };
    seen.push(entry);
    const limit = entry.id !== null ? cutAt : undefined;
    if (entry.id !== null) cutAt = undefined;
    const source = response.body!.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await source.read();
        if (done) return controller.close();
        if (limit !== undefined && entry.delivered + value.byteLength >= limit) {
          controller.enqueue(value.subarray(0, limit - entry.delivered));
          entry.delivered = limit;
          await source.cancel();
          controller.error(new TypeError('network error: connection reset'));
          return;
        }
        entry.delivered += value.byteLength;
        controller.enqueue(value);
      },
    });
    const whole = () => new Response(body).arrayBuffer();
    return { ok: response.ok, status: response.status, headers: response.headers, body, arrayBuffer: whole, text: async () => new TextDecoder().decode(await whole()) };
  };
  return { fetch: fetchLike, cutNextAt: (bytes) => (cutAt = bytes) };
}

describe('resuming an interrupted snapshot download', () => {
  let app: FastifyInstance;
  let url: string;
  let qdrant: QdrantClient;

  beforeAll(async () => {
    app = await buildRestApp({ client: await createEmbeddedClient() });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    qdrant = new QdrantClient({ url, checkCompatibility: false });
    await qdrant.createCollection('docs', { vectors: { size: DIM, distance: 'Euclid' } });
    const all = vectors(POINTS, 11);
    for (let at = 0; at < POINTS; at += 1000) {
      await qdrant.upsert('docs', { wait: true, points: all.slice(at, at + 1000).map((vector, k) => ({ id: at + k, vector, payload: { n: at + k } })) });
    }
  }, 60_000);
  afterAll(async () => app?.close());

  it('continues from the bytes it holds, even when the server changed meanwhile, and ends equal to the server', async () => {
    const seen: Seen[] = [];
    const net = cuttingFetch(seen);
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport: httpTransport({ url, fetch: net.fetch }), collection: 'docs', live: false });
    const progress: SyncProgress[] = [];
    replica.subscribe((s) => s.progress !== undefined && s.progress !== progress[progress.length - 1] && progress.push(s.progress));

    // 1. The first download breaks off 40% of the way: the sync fails as offline, nothing is installed.
    const total = Number((await fetch(`${url}/collections/docs/sync/pull`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).headers.get(SNAPSHOT_LENGTH_HEADER));
    const cut = Math.floor(total * 0.4);
    net.cutNextAt(cut);
    const failed = await replica.syncOnce().then(() => undefined, (e: unknown) => e);
    expect(SextantError.is(failed) && failed.code).toBe('unavailable');
    expect(await local.collectionExists('docs')).toEqual({ exists: false });
    expect(seen[0]!.delivered).toBe(cut);
    expect(progress[progress.length - 1]).toEqual({ received: cut, total });

    // 2. The server takes a write before the device comes back.
    await qdrant.upsert('docs', { wait: true, points: [{ id: 50_000, vector: vectors(1, 12)[0]!, payload: { n: 50_000 } }] });

    // 3. The retry asks for the rest of the same frame and gets only that; then the change since the frame's
    //    checkpoint arrives as a page of changes.
    await replica.syncOnce();
    const resumed = seen[1]!;
    expect(resumed.request.resume).toEqual({ snapshot: seen[0]!.id, offset: cut });
    expect(resumed.id).toBe(seen[0]!.id);
    expect(resumed.offset).toBe(String(cut));
    expect(resumed.delivered).toBe(total - cut);
    expect(seen.slice(2).every((s) => s.id === null)).toBe(true);
    expect(progress[progress.length - 1]).toEqual({ received: total, total });
    expect((await local.count('docs', { exact: true })).count).toBe(POINTS + 1);
    const query = vectors(1, 13)[0]!;
    const there = await qdrant.query('docs', { query, limit: 10, params: { exact: true } });
    const here = await local.query('docs', { query, limit: 10, params: { exact: true } });
    expect(here.points.map((p) => p.id)).toEqual(there.points.map((p) => p.id));
    await replica.stop();
  });

  it('a download cut off before a restart resumes from the bytes kept in storage (a reload of the page)', async () => {
    const seen: Seen[] = [];
    const net = cuttingFetch(seen);
    const storage = new MemoryStorage();
    const open = async () => {
      const local = await createEmbeddedClient({ storage });
      const transport = httpTransport({ url, fetch: net.fetch, downloads: storageDownloads(storage, 'copy') });
      return { local, replica: await SyncReplica.open(local.engine, { transport, collection: 'docs', localName: 'copy', live: false }) };
    };
    // 1. The first session's download breaks off two thirds of the way.
    const first = await open();
    const total = Number((await fetch(`${url}/collections/docs/sync/pull`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).headers.get(SNAPSHOT_LENGTH_HEADER));
    const cut = Math.floor((total * 2) / 3);
    net.cutNextAt(cut);
    await expect(first.replica.syncOnce()).rejects.toMatchObject({ code: 'unavailable' });
    await first.replica.stop();
    expect((await storage.read('sync/copy/download.bin'))?.byteLength).toBe(cut);

    // 2. A new engine, transport and replica over the same storage (the page reloaded) ask for the rest only.
    const second = await open();
    await second.replica.syncOnce();
    expect(seen[1]!.request.resume).toEqual({ snapshot: seen[0]!.id, offset: cut });
    expect(seen[1]!.delivered).toBe(total - cut);
    const there = await qdrant.count('docs', { exact: true });
    expect((await second.local.count('copy', { exact: true })).count).toBe(there.count);
    // 3. A completed download leaves nothing behind.
    expect(await storage.read('sync/copy/download.json')).toBeUndefined();
    expect(await storage.read('sync/copy/download.bin')).toBeUndefined();
    await second.replica.stop();
  });

  it('the server answers a resume of a frame it no longer holds with the whole current snapshot, and refuses a malformed one', async () => {
    const pull = (body: unknown) => fetch(`${url}/collections/docs/sync/pull`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const whole = await pull({});
    const bytes = (await whole.arrayBuffer()).byteLength;
    const unknown = await pull({ resume: { snapshot: 'no-such-frame', offset: 100 } });
    expect(unknown.headers.get(SNAPSHOT_OFFSET_HEADER)).toBe('0');
    expect((await unknown.arrayBuffer()).byteLength).toBe(bytes);
    // The same frame is served again while the collection is unchanged: same id, and a resume from its middle.
    expect(unknown.headers.get(SNAPSHOT_ID_HEADER)).toBe(whole.headers.get(SNAPSHOT_ID_HEADER));
    const rest = await pull({ resume: { snapshot: whole.headers.get(SNAPSHOT_ID_HEADER), offset: 1000 } });
    expect(rest.headers.get(SNAPSHOT_OFFSET_HEADER)).toBe('1000');
    expect((await rest.arrayBuffer()).byteLength).toBe(bytes - 1000);
    for (const resume of [{ snapshot: 1, offset: 0 }, { snapshot: 'x', offset: -1 }, { snapshot: 'x', offset: 1.5 }, 'x']) {
      expect((await pull({ resume })).status).toBe(422);
    }
  });
});
