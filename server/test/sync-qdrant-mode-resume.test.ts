import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import {
  SyncReplica, createEmbeddedClient, qdrantRoutesTransport, storageScrollDownloads,
  type EmbeddedClient, type FetchLike, type ScrollDownloadStore, type SyncProgress,
} from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';

/**
 * Issue 6: the Qdrant-routes mode's first copy (by scroll) reports progress in points and, when it breaks off,
 * continues from its last scroll offset, in the same transport or (with a download store) after a restart.
 * Against our own server with the sync endpoints switched off.
 */
const DIM = 4;
const FIELD = 'updated_at';
const N = 2500;
let lastStamp = 0;
const stamp = () => (lastStamp = Math.max(Date.now(), lastStamp + 1));
const vec = (i: number) => [Math.sin(i), Math.cos(i), (i % 5) / 5, 1];

describe('first copy through Qdrant routes: progress and resume', () => {
  let server: EmbeddedClient;
  let app: FastifyInstance;
  let url: string;
  let qdrant: QdrantClient;

  beforeAll(async () => {
    server = await createEmbeddedClient();
    app = await buildRestApp({ client: server, sync: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    qdrant = new QdrantClient({ url, checkCompatibility: false });
    await qdrant.createCollection('docs', { vectors: { size: DIM, distance: 'Euclid' } });
    await qdrant.createPayloadIndex('docs', { field_name: FIELD, field_schema: 'integer', wait: true });
    const points = Array.from({ length: N }, (_, i) => ({ id: i + 1, vector: vec(i + 1), payload: { n: i + 1, [FIELD]: stamp() } }));
    await qdrant.upsert('docs', { points, wait: true });
  });
  afterAll(() => app.close());

  /** A fetch that counts the first copy's scroll calls and fails the one numbered `failAt` (a dropped connection). */
  function flakyFetch(failAt: number | undefined) {
    const state = { copyScrolls: 0, failAt };
    const fetch: FetchLike = async (target, init) => {
      if (target.endsWith('/points/scroll')) {
        const body = JSON.parse(String(init?.body)) as { with_vector?: boolean; order_by?: unknown };
        if (body.with_vector === true && body.order_by === undefined) {
          state.copyScrolls++;
          if (state.copyScrolls === state.failAt) throw new TypeError('fetch failed: connection reset');
        }
      }
      return (globalThis.fetch as unknown as FetchLike)(target, init);
    };
    return { state, fetch };
  }

  // No skew window: a delta reads from the checkpoint's stamp exactly, so a checkpoint set too high would miss writes.
  const transport = (fetch: FetchLike, downloads?: ScrollDownloadStore) =>
    qdrantRoutesTransport({ url, fetch, versionField: FIELD, idScanEvery: 1, skewMs: 0, ...(downloads === undefined ? {} : { downloads }) });

  const everything = async (c: { scroll: EmbeddedClient['scroll'] }) =>
    (await c.scroll('docs', { limit: 10_000, with_vector: true, with_payload: true })).points.map((p) => [p.id, p.vector, p.payload]);

  it('reports points so far out of the count, and a broken copy continues where it stopped', async () => {
    const local = await createEmbeddedClient();
    const flaky = flakyFetch(2);
    const replica = await SyncReplica.open(local.engine, { transport: transport(flaky.fetch), collection: 'docs' });
    const progress: SyncProgress[] = [];
    replica.subscribe((s) => {
      if (s.progress !== undefined && s.progress !== progress[progress.length - 1]) progress.push(s.progress);
    });
    // 1. The second page fails: 1000 points have arrived, out of N.
    await expect(replica.syncOnce()).rejects.toMatchObject({ code: 'unavailable' });
    expect(progress[0]).toEqual({ received: 0, total: N });
    expect(progress[progress.length - 1]).toEqual({ received: 1000, total: N });
    // 2. The next sync asks for the second and third pages only, and the progress goes on from 1000.
    const before = flaky.state.copyScrolls;
    const resumedAt = progress.length;
    await replica.syncOnce();
    expect(flaky.state.copyScrolls - before).toBe(2);
    expect(progress[resumedAt]).toEqual({ received: 1000, total: N });
    expect(progress[progress.length - 1]).toEqual({ received: N, total: N });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.received).toBeGreaterThanOrEqual(progress[i - 1]!.received);
    expect(await everything(local)).toEqual(await everything(server));
    await replica.close();
  });

  it('keeps the pages in the local storage, so a new transport (after a restart) resumes; writes made meanwhile arrive', async () => {
    const local = await createEmbeddedClient();
    const downloads = storageScrollDownloads(local.engine.storage, 'docs');
    // 1. Two pages arrive, the third fails.
    const first = flakyFetch(3);
    const broken = await SyncReplica.open(local.engine, { transport: transport(first.fetch, downloads), collection: 'docs' });
    await expect(broken.syncOnce()).rejects.toMatchObject({ code: 'unavailable' });
    await broken.close();
    expect(await local.collectionExists('docs')).toMatchObject({ exists: false });

    // 2. Meanwhile the server rewrites a point the copy has passed, then one it has not (stamped later), and adds one.
    //    The copy's checkpoint must not be the later stamp, or the first delta would start past the passed point's.
    await qdrant.upsert('docs', { points: [{ id: 5, vector: vec(500), payload: { n: 5, moved: true, [FIELD]: stamp() } }], wait: true });
    await qdrant.upsert('docs', { points: [{ id: 2400, vector: vec(2400), payload: { n: 2400, later: true, [FIELD]: stamp() + 5 } }], wait: true });
    await qdrant.upsert('docs', { points: [{ id: N + 1, vector: vec(N + 1), payload: { n: N + 1, [FIELD]: stamp() } }], wait: true });

    // 3. A new transport and replica over the same storage: one scroll page is left to read, not three.
    const second = flakyFetch(undefined);
    const replica = await SyncReplica.open(local.engine, { transport: transport(second.fetch, storageScrollDownloads(local.engine.storage, 'docs')), collection: 'docs' });
    const progress: SyncProgress[] = [];
    replica.subscribe((s) => {
      if (s.progress !== undefined && s.progress !== progress[progress.length - 1]) progress.push(s.progress);
    });
    await replica.syncOnce();
    expect(second.state.copyScrolls).toBe(1);
    expect(progress[0]).toEqual({ received: 2000, total: N + 1 });
    expect(await everything(local)).toEqual(await everything(server));
    expect((await local.retrieve('docs', { ids: [5], with_payload: true }))[0]!.payload).toMatchObject({ moved: true });
    // 4. Nothing is left behind: the store is empty once the copy is whole.
    expect(await downloads.load()).toBeUndefined();
    await replica.close();
  });
});
