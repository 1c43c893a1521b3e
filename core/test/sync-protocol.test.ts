import { describe, expect, it } from 'vitest';
import {
  ChangeFeed, PushLedger, SextantError, applyPush, createEmbeddedClient, decodeFrame, decodePullPage, decodePushRequest,
  decodePushResponse, encodeFrame, encodePullPage, encodePushRequest, encodePushResponse, type EmbeddedClient,
} from '@sextant/core';
import { decodeSegment } from '../src/segment/segment-format.js';

const vec = (i: number) => [Math.sin(i), Math.cos(i), Math.sin(i * 0.7), 1 + (i % 5)];

async function serverWith(n: number): Promise<{ client: EmbeddedClient; feed: ChangeFeed }> {
  const client = await createEmbeddedClient();
  await client.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
  const feed = new ChangeFeed(client.engine.resolve('docs'), 'epoch-1');
  if (n > 0) {
    await client.upsert('docs', { points: Array.from({ length: n }, (_, i) => ({ id: i + 1, vector: vec(i + 1), payload: { tenant: i % 2 === 0 ? 'a' : 'b', i } })) });
  }
  return { client, feed };
}

describe('sync wire frames', () => {
  it('round-trips dense, multi and sparse vectors bit for bit and refuses a foreign or truncated frame', () => {
    const op = {
      type: 'upsert' as const,
      points: [
        { id: 7, vectors: { '': [0.1, -2.5, 3e-7, 1e9] }, payload: { a: 1 } },
        { id: 'c0ffee00-0000-4000-8000-000000000001', vectors: { m: [[1, 2], [3, 4], [5, 6]], s: { indices: [4_000_000_000, 3], values: [0.5, -1] } }, payload: null },
      ],
    };
    const bytes = encodePushRequest({ client: 'dev-1', changes: [{ n: 1, op, bases: [0, 12] }] });
    const back = decodePushRequest(bytes);
    expect(back.client).toBe('dev-1');
    const points = (back.changes[0]!.op as typeof op).points;
    expect(points[0]!.vectors['']).toEqual([0.1, -2.5, 3e-7, 1e9].map(Math.fround));
    expect(points[1]!.vectors).toEqual({ m: [[1, 2], [3, 4], [5, 6]], s: { indices: [4_000_000_000, 3], values: [0.5, -1] } });
    // Vectors are in the blob, not the JSON header.
    expect(JSON.stringify(decodeFrame(bytes).meta)).not.toContain('0.1');
    // A frame starting at an odd offset (a pooled Buffer) still decodes.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(decodePushRequest(shifted.subarray(1)).changes[0]!.bases).toEqual([0, 12]);
    expect(() => decodeFrame(new TextEncoder().encode('{"status":{"error":"x"}}'))).toThrow(/not a sync frame/);
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    const bad = encodeFrame({ client: 'x', changes: [{ n: 1, op: { type: 'upsert', points: [{ id: 1, vectors: { '': { d: [0, 99] } } }] }, bases: [0] }] });
    expect(() => decodePushRequest(bad)).toThrow(/outside the blob/);
    expect(() => decodePushRequest(encodeFrame({ client: 'x', changes: [{ n: 1, op: { type: 'delete_points', ids: [1, 2] }, bases: [0] }] }))).toThrow(/one version per point/);
  });
});

describe('change feed', () => {
  it('serves every change since a checkpoint once, in its current state, with deletions as tombstones', async () => {
    const { client, feed } = await serverWith(10);
    const start = { epoch: 'epoch-1', seq: -1 }; // Operations are numbered from 0, as in Qdrant.
    expect(feed.canServe(start)).toBe(true);
    expect(feed.canServe({ epoch: 'other', seq: -1 })).toBe(false);
    expect(feed.canServe(null)).toBe(false);
    const first = feed.changes(start, undefined);
    expect(first.upserts.map((p) => p.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first.checkpoint.seq).toBe(0);
    await client.setPayload('docs', { points: [3], payload: { edited: true } });
    await client.delete('docs', { points: [4] });
    const delta = feed.changes(first.checkpoint, undefined);
    expect(delta.upserts).toHaveLength(1);
    expect(delta.upserts[0]).toMatchObject({ id: 3, version: 1, payload: { tenant: 'a', i: 2, edited: true } });
    expect(delta.removals).toEqual([{ id: 4, version: 2 }]);
    expect(delta.checkpoint.seq).toBe(2);
    expect(feed.changes(delta.checkpoint, undefined)).toMatchObject({ upserts: [], removals: [], more: false });
  });

  it('pages at op boundaries and turns points leaving a filter into removals', async () => {
    const { client, feed } = await serverWith(0);
    for (let i = 1; i <= 5; i++) await client.upsert('docs', { points: [{ id: i, vector: vec(i), payload: { tenant: 'a' } }] });
    await client.upsert('docs', { points: [6, 7, 8].map((id) => ({ id, vector: vec(id), payload: { tenant: 'a' } })) });
    const since = { epoch: 'epoch-1', seq: -1 };
    const p1 = feed.changes(since, undefined, 4);
    expect(p1).toMatchObject({ more: true, checkpoint: { seq: 3 } });
    const p2 = feed.changes(p1.checkpoint, undefined, 2);
    // The op writing 6, 7, 8 is not split although the limit is 2.
    expect(p2.upserts.map((p) => p.id)).toEqual([5, 6, 7, 8]);
    expect(p2.more).toBe(false);
    const filter = { must: [{ key: 'tenant', match: { value: 'a' } }] };
    await client.setPayload('docs', { points: [2], payload: { tenant: 'b' } });
    const filtered = feed.changes(p2.checkpoint, filter);
    expect(filtered.upserts).toEqual([]);
    expect(filtered.removals).toEqual([{ id: 2, version: 6 }]);
  });

  it('ships a snapshot whose segment holds the (filtered) points and their graph', async () => {
    const { feed } = await serverWith(40);
    const all = decodePullPage(encodePullPage(feed.snapshot(undefined)));
    expect(all.kind).toBe('snapshot');
    if (all.kind !== 'snapshot') return;
    expect(all.points).toBe(40);
    const image = decodeSegment(all.segment);
    expect(image.lastSeq).toBe(all.checkpoint.seq);
    expect([...image.sections.keys()]).toContain('hnsw/');
    const some = feed.snapshot({ must: [{ key: 'tenant', match: { value: 'b' } }] });
    expect(some.points).toBe(20);
    expect(() => feed.snapshot({ must: [{ key: 'tenant', nonsense: 1 }] } as never)).toThrow(SextantError);
  });

  it('trims the journal on op boundaries; a checkpoint below the floor needs a snapshot', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
    const feed = new ChangeFeed(client.engine.resolve('docs'), 'e', { retain: 8 });
    for (let i = 1; i <= 12; i++) await client.upsert('docs', { points: [{ id: i, vector: vec(i) }] });
    expect(feed.journal.floor).toBeGreaterThan(0);
    expect(feed.canServe({ epoch: 'e', seq: -1 })).toBe(false);
    const page = feed.changes({ epoch: 'e', seq: feed.journal.floor }, undefined);
    expect(page.upserts.map((p) => p.id)).toEqual(Array.from({ length: 11 - feed.journal.floor }, (_, i) => feed.journal.floor + i + 2));
  });
});

describe('push', () => {
  it('applies per point, reports conflicts with the server state, and applies each change number once', async () => {
    const { client, feed } = await serverWith(3);
    const collection = client.engine.resolve('docs');
    const ledger = new PushLedger();
    await client.setPayload('docs', { points: [2], payload: { server: true } }); // point 2 now at version 1
    const request = {
      client: 'dev',
      changes: [
        { n: 1, op: { type: 'set_payload' as const, ids: [1, 2], payload: { local: true } }, bases: [0, 0] },
        { n: 2, op: { type: 'upsert' as const, points: [{ id: 9, vectors: { '': vec(9) }, payload: { fresh: 1 } }] }, bases: [-1] },
        // Based on the version before change 1: its own write must not count as a conflict.
        { n: 3, op: { type: 'set_payload' as const, ids: [1], payload: { again: true } }, bases: [0] },
        { n: 4, op: { type: 'upsert' as const, points: [{ id: 10, vectors: { '': [1, 2] }, payload: null }] }, bases: [-1] },
      ],
    };
    const response = decodePushResponse(encodePushResponse(await applyPush(collection, ledger, request, () => feed.checkpoint())));
    const [r1, r2, r3, r4] = response.results;
    expect(r1).toMatchObject({ status: 'applied', versions: [2, -1] });
    expect(r1!.conflicts).toHaveLength(1);
    expect(r1!.conflicts[0]).toMatchObject({ id: 2, base: 0, server: { id: 2, version: 1, payload: { server: true } } });
    expect(r1!.conflicts[0]!.server!.vectors['']).toHaveLength(4);
    expect(r2).toMatchObject({ status: 'applied', versions: [3], conflicts: [] });
    expect(r3).toMatchObject({ status: 'applied', versions: [4], conflicts: [] });
    expect(r4!.status).toBe('rejected');
    expect(r4!.error).toMatch(/dimension/);
    const [one, two] = await client.retrieve('docs', { ids: [1, 2] });
    expect(one!.payload).toMatchObject({ local: true, again: true });
    expect(two!.payload).toMatchObject({ server: true });
    expect(two!.payload).not.toHaveProperty('local');
    // 2. The same push again (its answer was lost): nothing is applied twice.
    const seqBefore = collection.lastSeq;
    const retry = await applyPush(collection, PushLedger.fromJson(ledger.toJson()), request, () => feed.checkpoint());
    expect(retry.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(collection.lastSeq).toBe(seqBefore);
  });

  it('reports a point deleted on the server as a conflict with a null state; deleting it too is fine', async () => {
    const { client, feed } = await serverWith(2);
    await client.delete('docs', { points: [1] });
    const response = await applyPush(client.engine.resolve('docs'), new PushLedger(), {
      client: 'dev',
      changes: [
        { n: 1, op: { type: 'set_payload', ids: [1], payload: { x: 1 } }, bases: [0] },
        { n: 2, op: { type: 'delete_points', ids: [1] }, bases: [0] },
      ],
    }, () => feed.checkpoint());
    expect(response.results[0]!.conflicts).toEqual([{ id: 1, base: 0, server: null }]);
    expect(response.results[1]).toMatchObject({ status: 'applied', conflicts: [] });
  });
});
