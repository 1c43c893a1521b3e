import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantClient as QdrantClient118 } from 'qdrant-rest-118';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';

// The compatibility contract: the official clients, unchanged, against our server on a real port.
const DIM = 8;
const N = 10_000;

/** Deterministic vectors (mulberry32) so failures reproduce. */
function seeded(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('official @qdrant/js-client-rest against the server', () => {
  let app: FastifyInstance;
  let client: QdrantClient;
  let url: string;
  const random = seeded(42);
  const vectors = Array.from({ length: N }, () => Array.from({ length: DIM }, () => random() * 2 - 1));
  const colour = (i: number) => ['red', 'green', 'blue'][i % 3]!;

  beforeAll(async () => {
    app = await buildRestApp({ client: await createEmbeddedClient(), apiKey: 'k3y' });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    client = new QdrantClient({ url, apiKey: 'k3y', checkCompatibility: true });
  });
  afterAll(() => app.close());

  it('creates a collection and upserts 10,000 points', async () => {
    expect(await client.createCollection('items', { vectors: { size: DIM, distance: 'Euclid' } })).toBe(true);
    for (let start = 0; start < N; start += 2000) {
      const points = vectors.slice(start, start + 2000).map((vector, j) => ({ id: start + j, vector, payload: { colour: colour(start + j), rank: start + j } }));
      const result = await client.upsert('items', { wait: true, points });
      expect(result.status).toBe('completed');
    }
    expect((await client.count('items', { exact: true })).count).toBe(N);
    await client.createPayloadIndex('items', { field_name: 'colour', field_schema: 'keyword', wait: true });
    expect((await client.getCollection('items')).payload_schema).toHaveProperty('colour');
  });

  it('answers a filtered query as a brute-force oracle does', async () => {
    const target = vectors[123]!;
    const { points } = await client.query('items', { query: target, limit: 10, filter: { must: [{ key: 'colour', match: { value: 'green' } }] }, params: { exact: true } });
    const oracle = vectors
      .map((v, id) => ({ id, d: Math.sqrt(v.reduce((s, x, k) => s + (x - target[k]!) ** 2, 0)) }))
      .filter(({ id }) => colour(id) === 'green')
      .sort((a, b) => a.d - b.d)
      .slice(0, 10);
    expect(points.map((p) => p.id)).toEqual(oracle.map((o) => o.id));
    points.forEach((p, i) => expect(p.score).toBeCloseTo(oracle[i]!.d, 4));
  });

  it('scrolls every point in pages', async () => {
    const seen = new Set<number>();
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page: Awaited<ReturnType<QdrantClient['scroll']>> = await client.scroll('items', { limit: 1000, offset, with_payload: false });
      for (const p of page.points) seen.add(p.id as number);
      offset = (page.next_page_offset as number | null | undefined) ?? undefined;
    }
    expect(seen.size).toBe(N);
  });

  it('edits payloads, uses aliases, deletes points', async () => {
    await client.setPayload('items', { payload: { flagged: true }, points: [1, 2, 3], wait: true });
    expect((await client.count('items', { filter: { must: [{ key: 'flagged', match: { value: true } }] }, exact: true })).count).toBe(3);
    await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: 'items', alias_name: 'prod' } }] });
    expect((await client.getAliases()).aliases).toEqual([{ alias_name: 'prod', collection_name: 'items' }]);
    await client.delete('prod', { points: [1, 2], wait: true });
    expect((await client.count('items', { exact: true })).count).toBe(N - 2);
    await expect(client.getCollection('missing')).rejects.toMatchObject({ status: 404 });
  });

  it('round-trips a snapshot through create, recover by URL and delete', async () => {
    const snapshot = await client.createSnapshot('items', { wait: true });
    expect(snapshot?.name).toMatch(/\.snapshot$/);
    expect((await client.listSnapshots('items')).map((s) => s.name)).toContain(snapshot!.name);
    // Recovering from a URL of this very server needs the key, which the body may carry as Qdrant's does.
    const location = `${url}/collections/items/snapshots/${snapshot!.name}`;
    expect(await client.recoverSnapshot('restored', { location, checksum: snapshot!.checksum!, api_key: 'k3y' })).toBe(true);
    expect((await client.count('restored', { exact: true })).count).toBe(N - 2);
    expect(await client.deleteSnapshot('items', snapshot!.name)).toBe(true);
  });

  it('serves the legacy search and recommend calls of the 1.18 client', async () => {
    const old = new QdrantClient118({ url, apiKey: 'k3y', checkCompatibility: false });
    const hits = await old.search('items', { vector: vectors[500]!, limit: 3 });
    expect(hits[0]!.id).toBe(500);
    const batch = await old.searchBatch('items', { searches: [{ vector: vectors[7]!, limit: 1 }, { vector: vectors[8]!, limit: 1 }] });
    expect(batch.map((r) => r[0]!.id)).toEqual([7, 8]);
  });

  it('survives a storm of concurrent writes to one collection without losing any', async () => {
    await client.createCollection('storm', { vectors: { size: 2, distance: 'Dot' } });
    const writes = Array.from({ length: 200 }, (_, i) =>
      i % 10 === 9
        ? client.upsert('storm', { wait: true, points: [{ id: i, vector: [1, 2, 3] }] }).then(() => 'ok', (e: { status: number }) => e.status)
        : client.upsert('storm', { wait: true, points: [{ id: i, vector: [i, 1] }] }).then(() => 'ok', (e: { status: number }) => e.status),
    );
    const outcomes = await Promise.all(writes);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(180);
    expect(outcomes.filter((o) => o !== 'ok').every((o) => o === 400)).toBe(true);
    expect((await client.count('storm', { exact: true })).count).toBe(180);
    expect(await client.deleteCollection('storm')).toBe(true);
  });

  it('refuses a wrong key', async () => {
    const stranger = new QdrantClient({ url, apiKey: 'nope', checkCompatibility: false });
    await expect(stranger.getCollections()).rejects.toMatchObject({ status: 401 });
  });
});
