import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from '@sextant/core';
import { cosine, dot, fixtureClient, fixturePoints, l2, norm, rank, rng, sparseDotOf } from './query-fixture.js';

const points = fixturePoints();
const byId = new Map(points.map((p) => [p.id, p]));
const close = (list: { id: string | number; score: number }[]) => list.map((p) => [p.id, Number(p.score.toFixed(4))]);
const sigmoid = (x: number) => x / (1 + Math.abs(x));
const scaled = (x: number) => 0.5 * (sigmoid(x) + 1);

describe('query: recommend, discover and context against a brute-force oracle', () => {
  it('best_score and sum_scores rank every point by Qdrant\'s formulas, excluding the examples', async () => {
    const client = await fixtureClient();
    const pos = [3, 17];
    const neg = [40];
    const P = pos.map((id) => norm(byId.get(id)!.d));
    const Nn = neg.map((id) => norm(byId.get(id)!.d));
    const others = points.filter((p) => !pos.includes(p.id) && !neg.includes(p.id));
    const best = (p: (typeof points)[0]) => {
      const v = norm(p.d);
      const bp = Math.max(...P.map((x) => dot(x, v)));
      const bn = Math.max(...Nn.map((x) => dot(x, v)));
      return bp > bn ? scaled(bp) : -scaled(bn);
    };
    const sum = (p: (typeof points)[0]) => {
      const v = norm(p.d);
      return P.reduce((s, x) => s + dot(x, v), 0) - Nn.reduce((s, x) => s + dot(x, v), 0);
    };
    const res = await client.query('c', { query: { recommend: { positive: pos, negative: neg, strategy: 'best_score' } }, using: 'd', limit: 10 });
    expect(close(res.points)).toEqual(close(rank(others, best).slice(0, 10)));
    const res2 = await client.query('c', { query: { recommend: { positive: pos, negative: neg, strategy: 'sum_scores' } }, using: 'd', limit: 10 });
    expect(close(res2.points)).toEqual(close(rank(others, sum).slice(0, 10)));
    // Euclid: raw similarity is minus the squared distance.
    const E = pos.map((id) => byId.get(id)!.e);
    const res3 = await client.query('c', { query: { recommend: { positive: pos, strategy: 'sum_scores' } }, using: 'e', limit: 5 });
    expect(close(res3.points)).toEqual(close(rank(others, (p) => E.reduce((s, x) => s - l2(x, p.e) ** 2, 0)).slice(0, 5)));
  });

  it('average_vector searches 2*avg(pos) - avg(neg), and the legacy recommend calls give the same answers', async () => {
    const client = await fixtureClient();
    // Cosine examples are normalised before they are averaged.
    const a = norm(byId.get(5)!.d);
    const b = norm(byId.get(6)!.d);
    const n = norm(byId.get(7)!.d);
    const target = a.map((x, i) => (x + b[i]!) - n[i]!);
    const others = points.filter((p) => ![5, 6, 7].includes(p.id));
    const res = await client.query('c', { query: { recommend: { positive: [5, 6], negative: [7] } }, using: 'd', limit: 8, params: { exact: true } });
    expect(close(res.points)).toEqual(close(rank(others, (p) => cosine(p.d, target)).slice(0, 8)));
    const legacy = await client.recommend('c', { positive: [5, 6], negative: [7], using: 'd', limit: 8, params: { exact: true } });
    expect(close(legacy)).toEqual(close(res.points));
    const batch = await client.recommendBatch('c', { searches: [{ positive: [5, 6], negative: [7], using: 'd', limit: 8, params: { exact: true } }] });
    expect(close(batch[0]!)).toEqual(close(res.points));
    await expect(client.query('c', { query: { recommend: { negative: [7] } }, using: 'd' })).rejects.toMatchObject({ status: 400 });
  });

  it('discover and context score by pair ranks and sigmoids, over dense and sparse vectors', async () => {
    const client = await fixtureClient();
    const ids = [11, 12, 13, 14, 15];
    const others = points.filter((p) => !ids.includes(p.id));
    const d = (id: number) => norm(byId.get(id)!.d);
    const pairs = [
      [12, 13],
      [14, 15],
    ] as const;
    const discover = (p: (typeof points)[0]) => {
      const v = norm(p.d);
      let rankSum = 0;
      for (const [pp, nn] of pairs) {
        const s = dot(d(pp), v) - dot(d(nn), v);
        rankSum += s > 0 ? 1 : s < 0 ? -1 : 0;
      }
      return rankSum + scaled(dot(d(11), v));
    };
    const context = [{ positive: 12, negative: 13 }, { positive: 14, negative: 15 }];
    const res = await client.query('c', { query: { discover: { target: 11, context } }, using: 'd', limit: 10 });
    expect(close(res.points)).toEqual(close(rank(others, discover).slice(0, 10)));
    const legacy = await client.discoverPoints('c', { target: 11, context, using: 'd', limit: 10 });
    expect(close(legacy)).toEqual(close(res.points));

    const sp = (id: number) => byId.get(id)!.s;
    const ctxScore = (p: (typeof points)[0]) =>
      pairs.reduce((s, [pp, nn]) => s + sigmoid(Math.min(sparseDotOf(sp(pp), p.s) - sparseDotOf(sp(nn), p.s) - 1.1920929e-7, 0)), 0);
    const res2 = await client.query('c', { query: { context }, using: 's', limit: 10 });
    expect(close(res2.points)).toEqual(close(rank(others, ctxScore).slice(0, 10)));
  });

  it('relevance_feedback (naive) pairs the best with the worst examples and pulls towards the better one', async () => {
    const client = await fixtureClient();
    const feedback = [
      { example: 21, score: 0.9 },
      { example: 22, score: 0.1 },
      { example: 23, score: 0.6 },
      { example: 24, score: 0.3 },
    ];
    const strategy = { a: 1, b: 2, c: 0.5 };
    const d = (id: number) => norm(byId.get(id)!.d);
    // Pairs: (21 best, 22 worst) and (23, 24); weight = (Δscore)^b * c.
    const pairs = [
      { pos: 21, neg: 22, w: Math.pow(0.9 - 0.1, 2) * 0.5 },
      { pos: 23, neg: 24, w: Math.pow(0.6 - 0.3, 2) * 0.5 },
    ];
    const score = (p: (typeof points)[0]) => {
      const v = norm(p.d);
      return strategy.a * dot(d(20), v) + pairs.reduce((s, x) => s + x.w * (dot(d(x.pos), v) - dot(d(x.neg), v)), 0);
    };
    const others = points.filter((p) => ![20, 21, 22, 23, 24].includes(p.id));
    const res = await client.query('c', { query: { relevance_feedback: { target: 20, feedback, strategy: { naive: strategy } } }, using: 'd', limit: 8 });
    expect(close(res.points)).toEqual(close(rank(others, score).slice(0, 8)));
  });

  it('the batched scan of a large (SIMD-sized) arena agrees with scoring each point, for every example kind', async () => {
    // 2,500 x 128 floats = 1.25 MB: past SIMD_MIN_BYTES, so leaf scans rank in WebAssembly batches where the
    // engine has SIMD, while a prefetch over every point rescores them one by one through the JS scorer.
    const client = await createEmbeddedClient();
    const r = rng(3);
    await client.createCollection('big', { vectors: { size: 128, distance: 'Euclid' } });
    const n = 2500;
    await client.upsert('big', { points: Array.from({ length: n }, (_, i) => ({ id: i, vector: Array.from({ length: 128 }, () => r() - 0.5) })) });
    const queries = [
      { recommend: { positive: [1, 2], negative: [3], strategy: 'best_score' as const } },
      { recommend: { positive: [4], negative: [5, 6], strategy: 'sum_scores' as const } },
      { discover: { target: 7, context: [{ positive: 8, negative: 9 }] } },
      { context: [{ positive: 10, negative: 11 }, { positive: 12, negative: 13 }] },
    ];
    for (const query of queries) {
      const leaf = await client.query('big', { query, limit: 10 });
      const rescored = await client.query('big', { prefetch: { limit: n }, query, limit: 10 });
      expect(leaf.points.map((p) => p.id)).toEqual(rescored.points.map((p) => p.id));
      leaf.points.forEach((p, i) => expect(p.score).toBeCloseTo(rescored.points[i]!.score, 3));
    }
  });

  it('reads examples from lookup_from and does not exclude them from the searched collection', async () => {
    const client = await fixtureClient();
    await client.createCollection('other', { vectors: { vec: { size: 6, distance: 'Dot' } } });
    const example = [0.1, -0.4, 0.9, 0.3, 0, -0.2];
    await client.upsert('other', { points: [{ id: 5, vector: { vec: example } }] });
    const res = await client.query('c', { query: 5, using: 'd', lookup_from: { collection: 'other', vector: 'vec' }, limit: 5, params: { exact: true } });
    expect(close(res.points)).toEqual(close(rank(points, (p) => cosine(p.d, example)).slice(0, 5)));
    await expect(client.query('c', { query: 5, using: 'd', lookup_from: { collection: 'missing' } })).rejects.toMatchObject({ status: 404 });
    await expect(client.query('c', { query: 999, using: 'd' })).rejects.toMatchObject({ status: 404 });
  });
});
