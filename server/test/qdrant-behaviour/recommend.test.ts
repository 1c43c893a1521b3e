import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultOf, startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// The legacy recommend endpoint as Qdrant's REST tests pin it: average_vector is the default, batches equal single
// calls, examples are left out of the answer, best_score runs on negatives alone, and errors for empty examples and
// a missing lookup collection.
const C = 'recommend';

describe('recommend', () => {
  let s: Server;
  const recommend = (body: unknown) => s.call('POST', `/collections/${C}/points/recommend`, body);

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, C);
  });
  afterAll(() => s.close());

  it('defaults to average_vector and leaves the four examples out of the eight dense points', async () => {
    const params = { positive: [1, 2], negative: [3, 4], params: { exact: true }, limit: 10 };
    const byDefault = await resultOf(recommend(params));
    expect(byDefault).toHaveLength(4);
    expect(ids(byDefault).sort()).toEqual([5, 6, 7, 8]);
    expect(await resultOf(recommend({ ...params, strategy: 'average_vector' }))).toEqual(byDefault);
  });

  it('a batch answers exactly what each single call answers', async () => {
    const list = [
      { positive: [1, 2], negative: [3, 4], limit: 1 },
      { positive: [1], negative: [3, 4], limit: 1 },
      { negative: [4, 5], params: { exact: true }, strategy: 'best_score', limit: 1 },
      { positive: [2, 3], negative: [4, 5], strategy: 'best_score', limit: 1 },
      { positive: [2, 3], negative: [4, 5], params: { exact: true }, strategy: 'best_score', limit: 1 },
      { positive: [8], negative: [], params: { exact: true }, strategy: 'average_vector', limit: 1 },
    ];
    const batch = await s.ok('POST', `/collections/${C}/points/recommend/batch`, { searches: list });
    expect(batch).toHaveLength(list.length);
    for (let i = 0; i < list.length; i++) {
      const single = await resultOf(recommend(list[i]));
      expect(single).toHaveLength(1);
      expect(batch[i]).toEqual(single);
    }
  });

  it('refuses no positives (any strategy) with 400, and best_score with no examples at all', async () => {
    await resultOf(recommend({ positive: [1, 2], limit: 2 }));
    for (const strategy of [undefined, 'average_vector', 'best_score']) {
      const r = await recommend({ positive: [], ...(strategy ? { strategy } : {}), limit: 2 });
      expect(r.status).toBe(400);
      expect(typeof r.body.status.error).toBe('string');
    }
  });

  it('best_score with only negatives ranks every point by how far it is, all scores below zero', async () => {
    const points = await resultOf(recommend({ negative: [1, 2], strategy: 'best_score', limit: 5 }));
    expect(points).toHaveLength(5);
    for (const p of points) expect(p.score).toBeLessThan(0);
  });

  it('best_score with one positive orders like a search for its vector without it', async () => {
    const reco = await resultOf(recommend({ positive: [1], strategy: 'best_score', limit: 4, params: { exact: true } }));
    const [one] = await s.ok('POST', `/collections/${C}/points`, { ids: [1], with_vector: true });
    const search = await s.ok('POST', `/collections/${C}/points/search`, {
      vector: one.vector, filter: { must_not: [{ has_id: [1] }] }, limit: 4, params: { exact: true },
    });
    expect(reco).toHaveLength(4);
    expect(ids(reco)).toEqual(ids(search));
  });

  it('raw vectors recommend as their ids do once the ids are filtered out', async () => {
    const points = await s.ok('POST', `/collections/${C}/points`, { ids: [1, 2, 3, 4, 5, 6, 7, 8], with_vector: true });
    const byIds = await resultOf(recommend({ positive: ids(points.slice(0, 2)), negative: ids(points.slice(2, 4)), limit: 8 }));
    expect(byIds).toHaveLength(4);
    const byVectors = await resultOf(recommend({
      positive: points.slice(0, 2).map((p: any) => p.vector), negative: points.slice(2, 4).map((p: any) => p.vector), limit: 8,
      filter: { must_not: [{ has_id: ids(points.slice(0, 4)) }] },
    }));
    expect(byVectors).toEqual(byIds);
  });

  it('a missing lookup_from collection is 404 naming it, even when every example is a raw vector', async () => {
    const missing = 'missing_lookup_from_collection';
    const lookup_from = { collection: missing, vector: 'default' };
    const body = { positive: [[0.1, 0.2, 0.3, 0.4]], limit: 3, lookup_from };
    let r = await recommend(body);
    expect(r.status).toBe(404);
    expect(r.body.status.error).toContain(missing);
    r = await s.call('POST', `/collections/${C}/points/recommend/batch`, { searches: [body] });
    expect(r.status).toBe(404);
    expect(r.body.status.error).toContain(missing);
  });
});
