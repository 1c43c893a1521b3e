import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantClient as QdrantClient118 } from 'qdrant-rest-118';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { seededRandom as seeded } from '@sextant/core';

// The advanced Query API through the official clients over HTTP: every answer must equal the embedded engine's
// answer to the same request (the REST layer adds nothing), and a few are checked against a brute-force oracle.
const DIM = 4;
const N = 120;

const random = seeded(5);
const dense = Array.from({ length: N }, () => Array.from({ length: DIM }, () => Math.round((random() * 2 - 1) * 1000) / 1000));
const sparse = Array.from({ length: N }, (_, i) => ({ indices: [i % 9, 10 + (i % 5)], values: [1 + (i % 4), 0.5] }));
const q = [0.2, -0.7, 0.4, 0.1];
const ids = (points: Array<{ id: string | number }>) => points.map((p) => p.id);
const scored = (points: Array<{ id: string | number; score: number }>) => points.map((p) => [p.id, Number(p.score.toFixed(5))]);

describe('advanced queries through the official REST clients', () => {
  let app: FastifyInstance;
  let engine: EmbeddedClient;
  let client: QdrantClient;
  let old: QdrantClient118;

  beforeAll(async () => {
    engine = await createEmbeddedClient();
    app = await buildRestApp({ client: engine, apiKey: 'k3y' });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    client = new QdrantClient({ url, apiKey: 'k3y', checkCompatibility: false });
    old = new QdrantClient118({ url, apiKey: 'k3y', checkCompatibility: false });
    await client.createCollection('adv', { vectors: { d: { size: DIM, distance: 'Cosine' } }, sparse_vectors: { s: { modifier: 'idf' } } });
    await client.upsert('adv', {
      wait: true,
      points: dense.map((d, i) => ({ id: i + 1, vector: { d, s: sparse[i]! }, payload: { team: `t${i % 6}`, score: i * 3 % 50 } })),
    });
    await client.createPayloadIndex('adv', { field_name: 'score', field_schema: 'integer', wait: true });
    await client.createCollection('teams', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('teams', { wait: true, points: [{ id: 'a1b2c3d4-0000-4000-8000-000000000001', vector: [1, 0], payload: { name: 'x' } }] });
  });
  afterAll(() => app.close());

  it('hybrid fusion, nested rescoring, formula and order_by queries equal the engine\'s answers', async () => {
    const requests = [
      { prefetch: [{ query: q, using: 'd', limit: 20 }, { query: { indices: [1, 11], values: [1, 1] }, using: 's', limit: 20 }], query: { fusion: 'rrf' as const }, limit: 8 },
      { prefetch: [{ query: q, using: 'd', limit: 20 }, { query: { indices: [2, 12], values: [1, 2] }, using: 's', limit: 20 }], query: { fusion: 'dbsf' as const }, limit: 8, offset: 2 },
      { prefetch: { prefetch: { query: q, using: 'd', limit: 50 }, query: { indices: [3], values: [1] }, using: 's', limit: 15 }, query: q, using: 'd', limit: 5 },
      { prefetch: { query: q, using: 'd', limit: 30 }, query: { formula: { sum: ['$score', { mult: [0.01, 'score'] }] } }, limit: 6 },
      { prefetch: { query: q, using: 'd', limit: 30 }, query: { order_by: { key: 'score', direction: 'desc' as const } }, limit: 6, with_payload: ['score'] },
      { query: { nearest: q, mmr: { diversity: 0.5, candidates_limit: 20 } }, using: 'd', limit: 5 },
      { query: { recommend: { positive: [1, 2], negative: [3], strategy: 'best_score' as const } }, using: 'd', limit: 5 },
      { query: { context: [{ positive: 4, negative: 5 }] }, using: 'd', limit: 5 },
      { query: { discover: { target: 6, context: [{ positive: 7, negative: 8 }] } }, using: 'd', limit: 5 },
    ];
    for (const req of requests) {
      const remote = await client.query('adv', req);
      const local = await engine.query('adv', req);
      expect(remote.points).toEqual(local.points);
      expect(remote.points.length).toBeGreaterThan(0);
    }
    const batch = await client.queryBatch('adv', { searches: requests.slice(0, 3) });
    expect(batch.map((b) => ids(b.points))).toEqual(await Promise.all(requests.slice(0, 3).map(async (r) => ids((await engine.query('adv', r)).points))));
  });

  it('order_by needs the root filter in every prefetch: an oracle over a filtered tree', async () => {
    const res = await client.query('adv', {
      prefetch: { query: q, using: 'd', limit: 200 },
      query: { order_by: 'score' },
      filter: { must: [{ key: 'team', match: { value: 't2' } }] },
      limit: 4,
    });
    const expected = dense
      .map((_, i) => ({ id: i + 1, team: `t${i % 6}`, score: i * 3 % 50 }))
      .filter((p) => p.team === 't2')
      .sort((a, b) => a.score - b.score || a.id - b.id)
      .slice(0, 4);
    expect(res.points.map((p) => [p.id, p.order_value])).toEqual(expected.map((p) => [p.id, p.score]));
  });

  it('groups with lookups, matrices, and the 1.18 explore calls', async () => {
    const groups = await client.queryGroups('adv', { query: q, using: 'd', group_by: 'team', group_size: 2, limit: 3, with_lookup: 'teams' });
    expect(groups).toEqual(await engine.queryGroups('adv', { query: q, using: 'd', group_by: 'team', group_size: 2, limit: 3, with_lookup: 'teams' }));
    expect(groups.groups).toHaveLength(3);

    const pairs = await client.searchMatrixPairs('adv', { sample: N, limit: 2, using: 'd' });
    expect(pairs.pairs).toEqual((await engine.searchMatrixPairs('adv', { sample: N, limit: 2, using: 'd' })).pairs);
    expect(pairs.pairs).toHaveLength(N * 2);
    const offsets = await client.searchMatrixOffsets('adv', { sample: N, limit: 2, using: 'd' });
    expect(offsets.scores).toEqual(pairs.pairs.map((p) => p.score));

    const reco = await old.recommend('adv', { positive: [1], negative: [2], using: 'd', limit: 5 });
    expect(scored(reco)).toEqual(scored(await engine.recommend('adv', { positive: [1], negative: [2], using: 'd', limit: 5 })));
    expect(ids(reco)).not.toContain(1);
    const recoBatch = await old.recommendBatch('adv', { searches: [{ positive: [1], using: 'd', limit: 3 }] });
    expect(ids(recoBatch[0]!)).toEqual(ids(await engine.recommend('adv', { positive: [1], using: 'd', limit: 3 })));
    const recoGroups = await old.recommendPointGroups('adv', { positive: [1], using: 'd', group_by: 'team', group_size: 1, limit: 2 });
    expect(recoGroups.groups).toHaveLength(2);
    const searchGroups = await old.searchPointGroups('adv', { vector: { name: 'd', vector: q }, group_by: 'team', group_size: 2, limit: 2 });
    expect(searchGroups.groups.map((g) => g.hits.map((h) => h.id))).toEqual(groups.groups.slice(0, 2).map((g) => g.hits.map((h) => h.id)));
    const discover = await old.discoverPoints('adv', { target: 6, context: [{ positive: 7, negative: 8 }], using: 'd', limit: 5 });
    expect(scored(discover)).toEqual(scored((await engine.query('adv', { query: { discover: { target: 6, context: [{ positive: 7, negative: 8 }] } }, using: 'd', limit: 5 })).points));
    const discoverBatch = await old.discoverBatchPoints('adv', { searches: [{ context: [{ positive: 7, negative: 8 }], using: 'd', limit: 5 }] });
    expect(discoverBatch[0]).toHaveLength(5);
  });

  it('answers bad trees with Qdrant\'s 400s', async () => {
    await expect(client.query('adv', { query: { fusion: 'rrf' } })).rejects.toMatchObject({ status: 400 });
    await expect(client.query('adv', { prefetch: [{ query: q, using: 'd' }] })).rejects.toMatchObject({ status: 400 });
    await expect(client.query('adv', { query: { order_by: 'score' }, score_threshold: 0.1 })).rejects.toMatchObject({ status: 400 });
  });
});
