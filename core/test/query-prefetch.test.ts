import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from '@sextant/core';
import { cosine, fixtureClient, fixturePoints, l2, rank, rng, DIM } from './query-fixture.js';

const points = fixturePoints();
const byId = new Map(points.map((p) => [p.id, p]));
const r = rng(99);
const queries = Array.from({ length: 6 }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
const close = (list: { id: string | number; score: number }[]) => list.map((p) => [p.id, Number(p.score.toFixed(4))]);

describe('query: prefetch trees and fusion against a brute-force oracle', () => {
  it('rescores a prefetch (with its own filter and limit) by another vector, with root offset and threshold', async () => {
    const client = await fixtureClient();
    for (const q of queries) {
      const res = await client.query('c', {
        prefetch: { query: q, using: 'd', limit: 40, filter: { must: [{ key: 'color', match: { value: 'red' } }] }, params: { exact: true } },
        query: q,
        using: 'e',
        limit: 5,
        offset: 2,
        score_threshold: 2.2,
      });
      // 1. the prefetch: 40 nearest red points by cosine; 2. rescore by euclid, keep <= 2.2; 3. offset 2, limit 5.
      const candidates = rank(points.filter((p) => p.payload.color === 'red'), (p) => cosine(p.d, q)).slice(0, 40);
      const rescored = rank(candidates.map((c) => byId.get(c.id)!), (p) => l2(p.e, q), true).filter((x) => x.score <= 2.2);
      expect(close(res.points)).toEqual(close(rescored.slice(2, 7)));
    }
  });

  it('propagates the root filter into nested prefetches of depth 3', async () => {
    const client = await fixtureClient();
    const q = queries[0]!;
    const res = await client.query('c', {
      prefetch: { prefetch: { query: q, using: 'e', limit: 60, params: { exact: true } }, query: q, using: 'd', limit: 20 },
      query: { order_by: { key: 'rank', direction: 'desc' } },
      filter: { must: [{ key: 'group', match: { any: [1, 2] } }] },
      limit: 10,
    });
    const inner = rank(points.filter((p) => p.payload.group === 1 || p.payload.group === 2), (p) => l2(p.e, q), true).slice(0, 60);
    const mid = rank(inner.map((c) => byId.get(c.id)!), (p) => cosine(p.d, q)).slice(0, 20);
    const expected = mid
      .map((c) => byId.get(c.id)!)
      .sort((a, b) => b.payload.rank - a.payload.rank || a.id - b.id)
      .slice(0, 10);
    expect(res.points.map((p) => [p.id, p.order_value])).toEqual(expected.map((p) => [p.id, p.payload.rank]));
    expect(res.points.every((p) => p.score === 0)).toBe(true);
  });

  it('fuses dense and sparse prefetches with rrf (k, weights) and dbsf exactly as the hand formulas say', async () => {
    const client = await fixtureClient();
    const q = queries[1]!;
    const sq = { indices: [1, 4, 9], values: [0.5, 1, 0.25] };
    const prefetch = [
      { query: q, using: 'd', limit: 15, params: { exact: true } },
      { query: sq, using: 's', limit: 15 },
    ];
    const lists = [
      (await client.query('c', { ...prefetch[0]!, limit: 15 })).points,
      (await client.query('c', { query: sq, using: 's', limit: 15 })).points,
    ];
    const rrfOracle = (k: number, w: number[]) => {
      const acc = new Map<string | number, number>();
      lists.forEach((list, l) => list.forEach((p, pos) => acc.set(p.id, (acc.get(p.id) ?? 0) + 1 / ((pos + 1) / w[l]! + k - 1))));
      return [...acc].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || Number(a.id) - Number(b.id));
    };
    const rrf = await client.query('c', { prefetch, query: { fusion: 'rrf' }, limit: 12 });
    expect(close(rrf.points)).toEqual(close(rrfOracle(2, [1, 1]).slice(0, 12)));
    const weighted = await client.query('c', { prefetch, query: { rrf: { k: 60, weights: [3, 1] } }, limit: 12 });
    expect(close(weighted.points)).toEqual(close(rrfOracle(60, [3, 1]).slice(0, 12)));

    const dbsfOracle = () => {
      const acc = new Map<string | number, number>();
      for (const list of lists) {
        const s = list.map((p) => p.score);
        const mean = s.reduce((a, b) => a + b, 0) / s.length;
        const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (s.length - 1));
        const lo = mean - 3 * std;
        list.forEach((p) => acc.set(p.id, (acc.get(p.id) ?? 0) + (p.score - lo) / (6 * std)));
      }
      return [...acc].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || Number(a.id) - Number(b.id));
    };
    const dbsf = await client.query('c', { prefetch, query: { fusion: 'dbsf' }, limit: 20, score_threshold: 0.5 });
    expect(close(dbsf.points)).toEqual(close(dbsfOracle().filter((p) => p.score >= 0.5).slice(0, 20)));
  });

  it('reproduces Qdrant\'s hand-worked rrf example end to end: lists [2, 1], [1, 2, 3], [5, 3, 1]', async () => {
    // order_by prefetches over has_id filters make each list exactly the one of the example.
    const client = await createEmbeddedClient();
    await client.createCollection('rrf', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('rrf', {
      points: [
        { id: 1, vector: [1, 0], payload: { a: 2, b: 1, c: 3 } },
        { id: 2, vector: [0, 1], payload: { a: 1, b: 2 } },
        { id: 3, vector: [1, 1], payload: { b: 3, c: 2 } },
        { id: 5, vector: [1, 2], payload: { c: 1 } },
      ],
    });
    for (const key of ['a', 'b', 'c']) await client.createPayloadIndex('rrf', { field_name: key, field_schema: 'integer' });
    const list = (key: string, ids: number[]) => ({ query: { order_by: key }, filter: { must: [{ has_id: ids }] } });
    const res = await client.query('rrf', { prefetch: [list('a', [1, 2]), list('b', [1, 2, 3]), list('c', [1, 3, 5])], query: { fusion: 'rrf' } });
    expect(res.points.map((p) => [p.id, p.score])).toEqual([
      [1, 1.0833334],
      [2, 0.8333334],
      [3, 0.5833334],
      [5, 0.5],
    ]);
  });

  it('refuses malformed trees with Qdrant\'s messages', async () => {
    const client = await fixtureClient();
    const q = queries[0]!;
    await expect(client.query('c', { query: { fusion: 'rrf' } })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('cannot apply Fusion without prefetches') });
    await expect(client.query('c', { prefetch: [{ query: q, using: 'd' }] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('A query is needed to merge the prefetches') });
    await expect(client.query('c', { prefetch: [{ query: q, using: 'd' }], query: { fusion: 'rrf' }, using: 'd' })).rejects.toMatchObject({ status: 400 });
    await expect(client.query('c', { query: { order_by: 'rank' }, score_threshold: 1 })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('order_by') });
    await expect(client.query('c', { prefetch: [{ query: q, using: 'd' }], query: { rrf: { weights: [1, 2] } } })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('Number of weights') });
  });
});
