import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultOf, startServer, type Server } from './live-server.js';

// Recommend over an unnamed max_sim multivector, as Qdrant's REST tests pin it: a flat example vector counts as a
// one-row multivector, batches equal singles, empty examples are 400, best_score runs on negatives alone.
const C = 'recommend_multi';

describe('recommend on a multivector collection', () => {
  let s: Server;
  const recommend = (body: unknown) => s.call('POST', `/collections/${C}/points/recommend`, body);

  beforeAll(async () => {
    s = await startServer();
    await s.ok('PUT', `/collections/${C}`, { vectors: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } });
    const rows = (a: number) => [[-a, a], [-(a + 1), a + 1], [-(a + 2), a + 2]];
    await s.ok('PUT', `/collections/${C}/points?wait=true`, { points: [
      { id: 1, vector: rows(1) }, { id: 2, vector: rows(1.5) }, { id: 3, vector: rows(1.7) },
    ] });
  });
  afterAll(() => s.close());

  it('average_vector is the default, over flat example vectors, and returns all three points', async () => {
    const params = { positive: [[1, 2]], negative: [[3, 4]], params: { exact: true }, limit: 10 };
    const byDefault = await resultOf(recommend(params));
    expect(byDefault).toHaveLength(3);
    expect(await resultOf(recommend({ ...params, strategy: 'average_vector' }))).toEqual(byDefault);
  });

  it('a batch answers what each single call answers', async () => {
    const list = [
      { positive: [1], negative: [3], limit: 1 },
      { negative: [1, 2], params: { exact: true }, strategy: 'best_score', limit: 1 },
      { positive: [1], negative: [], params: { exact: true }, strategy: 'average_vector', limit: 1 },
    ];
    const batch = await s.ok('POST', `/collections/${C}/points/recommend/batch`, { searches: list });
    expect(batch).toHaveLength(3);
    for (let i = 0; i < list.length; i++) expect(batch[i]).toEqual(await resultOf(recommend(list[i])));
  });

  it('refuses an empty example vector and best_score without examples with 400', async () => {
    await resultOf(recommend({ positive: [[1, 2]], limit: 2 }));
    for (const body of [{ positive: [[]] }, { positive: [[]], strategy: 'average_vector' }, { positive: [], strategy: 'best_score' }]) {
      expect((await recommend({ ...body, limit: 2 })).status).toBe(400);
    }
  });

  it('best_score on negatives alone scores every point below zero', async () => {
    const points = await resultOf(recommend({ negative: [[1, 2]], strategy: 'best_score', limit: 5 }));
    expect(points).toHaveLength(3);
    for (const p of points) expect(p.score).toBeLessThan(0);
  });
});
