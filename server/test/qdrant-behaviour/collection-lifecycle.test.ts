import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Existence checks, collection names in URLs, metadata merges and Euclid scores, as Qdrant answers them (its
// test_collection_exists.py, test_collection_metadata.py, test_euclid_dist.py).
describe('collection existence, metadata and euclid scores as Qdrant answers them', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
  });
  afterAll(() => s.close());

  it('exists is true for a collection and false for an unknown name', async () => {
    expect(await s.ok('GET', '/collections/c/exists')).toEqual({ exists: true });
    expect(await s.ok('GET', '/collections/wrong/exists')).toEqual({ exists: false });
  });

  it('an empty name or one with control characters is a 422 with an error, before any lookup', async () => {
    for (const name of ['', '\t', '\n', '\r', 'name\twith\ttabs']) {
      const res = await s.call('GET', `/collections/${encodeURIComponent(name)}/exists`);
      expect(res.status, JSON.stringify(name)).toBe(422);
      expect(res.body.status.error).toContain('Validation error in path parameters');
    }
    // the same names cannot be created either
    expect((await s.call('PUT', `/collections/${encodeURIComponent('a\tb')}`, { vectors: { size: 2, distance: 'Dot' } })).status).toBe(422);
    expect((await s.call('GET', `/collections/${encodeURIComponent('a:b')}`)).status).toBe(422);
  });

  it('metadata patches merge by key, a later value winning', async () => {
    for (const metadata of [{ new_meta: 'value' }, { new_meta_2: 'value2' }, { new_meta: 'value3' }]) await s.ok('PATCH', '/collections/c', { metadata });
    expect((await s.ok('GET', '/collections/c')).config.metadata).toEqual({ new_meta: 'value3', new_meta_2: 'value2' });
  });

  it('Euclid scores are distances, nearest first, and score_threshold keeps those within it', async () => {
    await s.ok('PUT', '/collections/e', { vectors: { size: 2, distance: 'Euclid' } });
    await s.ok('PUT', '/collections/e/points?wait=true', {
      points: [
        { id: 1, vector: [0, 0], payload: { city: 'Berlin' } },
        { id: 2, vector: [0, 1], payload: { city: ['Berlin', 'London'] } },
        { id: 3, vector: [-1, -1], payload: { city: ['Berlin', 'Moscow'] } },
      ],
    });
    const all = await s.ok('POST', '/collections/e/points/search', { vector: [1, 1], limit: 3 });
    expect(all.map((p: { id: number; score: number }) => [p.id, Number(p.score.toFixed(5))])).toEqual([[2, 1], [1, 1.41421], [3, 2.82843]]);
    const near = await s.ok('POST', '/collections/e/points/search', { vector: [1, 1], limit: 3, score_threshold: 1.5 });
    expect(near.map((p: { id: number }) => p.id)).toEqual([2, 1]);
  });
});
