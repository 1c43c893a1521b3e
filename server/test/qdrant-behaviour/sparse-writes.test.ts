import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resultOf, startServer, type Server } from './live-server.js';

// Writing sparse vectors, as Qdrant's REST tests pin it: an overwrite replaces the old indices in the inverted
// index, an unknown name is a 400 that names it, malformed vectors fail validation in Qdrant's words, and an
// unsorted query vector is fine (even under mmr).
const C = 'sparse_writes';

describe('sparse vector writes', () => {
  let s: Server;
  const query = (indices: number[]) =>
    s.ok('POST', `/collections/${C}/points/query`, { limit: 10, query: { indices, values: indices.map(() => 0.9) }, using: 'text' }).then((r) => r.points);
  const upsert = (points: unknown[]) => s.call('PUT', `/collections/${C}/points?wait=true`, { points });

  beforeAll(async () => { s = await startServer(); });
  beforeEach(async () => {
    await s.call('DELETE', `/collections/${C}`);
    await s.ok('PUT', `/collections/${C}`, { sparse_vectors: { text: {} } });
  });
  afterAll(() => s.close());

  it('an overwrite drops the old indices and keeps the shared one', async () => {
    await resultOf(upsert([{ id: 1, vector: { text: { indices: [100, 500, 10], values: [0.9, 0.8, 0.5] } } }]));
    expect(await query([100])).toHaveLength(1);
    await resultOf(upsert([{ id: 1, vector: { text: { indices: [600, 700, 10], values: [0.9, 0.8, 0.5] } } }]));
    expect(await query([100])).toHaveLength(0);
    expect(await query([700])).toHaveLength(1);
    expect(await query([10])).toHaveLength(1);
  });

  it('an unknown sparse vector name is a 400 naming the vector', async () => {
    const r = await upsert([{ id: 2, vector: { missing: { indices: [10], values: [0.9] } } }]);
    expect(r.status).toBe(400);
    expect(r.body.status.error.toLowerCase()).toContain('vector name');
    expect(r.body.status.error).toContain('missing');
  });

  it('refuses values of another length than indices, and repeated indices, in Qdrant words', async () => {
    let r = await upsert([{ id: 1, vector: { text: { indices: [100, 500], values: [0.9, 0.8, 0.5] } } }]);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body.status.error).toContain('Validation error');
    expect(r.body.status.error).toContain('points[0].vector.?.values: Validation error: must be the same length as indices [{}]');
    r = await upsert([{ id: 1, vector: { text: { indices: [100, 500, 500], values: [0.9, 0.8, 0.5] } } }]);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body.status.error).toContain('points[0].vector.?.indices: Validation error: must be unique [{}]');
  });

  it('takes an unsorted sparse query vector, also with mmr', async () => {
    await resultOf(upsert([
      { id: 1, vector: { text: { indices: [0, 2], values: [0.1, 0.2] } } },
      { id: 2, vector: { text: { indices: [1, 3], values: [0.3, 0.4] } } },
      { id: 3, vector: { text: { indices: [0, 1], values: [0.5, 0.6] } } },
    ]));
    const { points } = await s.ok('POST', `/collections/${C}/points/query`, {
      query: { nearest: { indices: [2, 0, 1], values: [0.1, 0.2, 0.3] }, mmr: { diversity: 0.5, candidates_limit: 10 } }, using: 'text',
    });
    expect(points.map((p: any) => p.id).sort()).toEqual([1, 2, 3]);
  });
});
