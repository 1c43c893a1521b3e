import { describe, expect, it } from 'vitest';
import {
  ChangeFeed, SyncReplica, createEmbeddedClient, decodePullPage, encodePullPage, pageLimit, type SyncTransport,
} from '@sextant/core';

/** Pulls only, through the byte encoding of pages (the snapshot carries the segment, the changes carry ops). */
function pullOnly(feed: ChangeFeed): SyncTransport {
  return {
    async pull(_collection, request) {
      const req = JSON.parse(JSON.stringify(request));
      const page = feed.canServe(req.since) ? feed.changes(req.since, req.filter, pageLimit(req.limit)) : feed.snapshot(req.filter);
      return decodePullPage(encodePullPage(page));
    },
    async push() {
      throw new Error('no pushes in this test');
    },
  } as SyncTransport;
}

describe('sync of compact datatypes', () => {
  it.each(['float16', 'uint8'] as const)('%s: a replica gets the same stored vectors and scores from the snapshot and the change pages', async (datatype) => {
    const server = await createEmbeddedClient();
    await server.createCollection('docs', {
      vectors: { c: { size: 4, distance: 'Cosine', datatype }, e: { size: 4, distance: 'Euclid', datatype } },
    });
    const feed = new ChangeFeed(server.engine.resolve('docs'), 'e1');
    const v = (i: number) => [Math.abs(Math.sin(i)) * 200, Math.abs(Math.cos(i)) * 200, 7.7, (i % 7) * 30];
    await server.upsert('docs', { points: Array.from({ length: 40 }, (_, i) => ({ id: i + 1, vector: { c: v(i), e: v(i + 3) } })) });
    const local = await createEmbeddedClient();
    const replica = await SyncReplica.open(local.engine, { transport: pullOnly(feed), collection: 'docs', newClientId: () => 'device' });
    await replica.syncOnce();
    // Changes after the snapshot arrive as pages of points read from the server's storage.
    await server.upsert('docs', { points: [{ id: 100, vector: { c: v(100), e: v(103) } }] });
    await server.setPayload('docs', { points: [5], payload: { touched: true } });
    await replica.syncOnce();
    expect((await local.getCollection('docs')).config.params.vectors).toMatchObject({ c: { datatype }, e: { datatype } });
    const ids = [1, 5, 17, 100];
    expect(await local.retrieve('docs', { ids, with_vector: true })).toEqual(await server.retrieve('docs', { ids, with_vector: true }));
    for (const using of ['c', 'e']) {
      const q = { query: [120.5, 3, 99, 1], using, limit: 10 };
      expect((await local.query('docs', q)).points).toEqual((await server.query('docs', q)).points);
    }
  });
});
