import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// The universal /points/query endpoint as Qdrant's REST tests pin it: what it refuses and with which words, and that
// each older endpoint (search, scroll, recommend, discover) equals its query form, whether asked at the root or as a
// rescoring of a wide prefetch.
const C = 'query_api';
const q = [0.1, 0.2, 0.3, 0.4];

describe('query API semantics', () => {
  let s: Server;
  const query = (body: unknown) => s.ok('POST', `/collections/${C}/points/query`, body).then((r) => r.points as any[]);
  /** A query asked directly and as a rescoring of an unlimited-enough prefetch answers the same points. */
  const rootAndRescored = async (q: unknown, extra: Record<string, unknown> = {}) => {
    const root = await query({ query: q, ...extra });
    const { limit: _unused, ...rest } = extra;
    const nested = await query({ prefetch: { limit: 1000 }, query: q, ...rest });
    expect(nested).toEqual(root);
    return root;
  };

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, C);
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'price', field_schema: 'float' });
  });
  afterAll(() => s.close());

  it('refuses prefetches or a score_threshold without a query, and a threshold on order_by, in Qdrant words', async () => {
    let r = await s.call('POST', `/collections/${C}/points/query`, { prefetch: [{ query: { recommend: { positive: [1] } } }] });
    expect(r.status).toBe(400);
    expect(r.body.status.error).toBe("Bad request: A query is needed to merge the prefetches. Can't have prefetches without defining a query.");
    r = await s.call('POST', `/collections/${C}/points/query`, { score_threshold: 10 });
    expect(r.status).toBe(400);
    expect(r.body.status.error).toBe("Bad request: A query is needed to use the score_threshold. Can't have score_threshold without defining a query.");
    r = await s.call('POST', `/collections/${C}/points/query`, { score_threshold: 10, query: { order_by: { key: 'price' } } });
    expect(r.status).toBe(400);
    expect(r.body.status.error).toBe("Bad request: Can't use score_threshold with an order_by query.");
    r = await s.call('POST', `/collections/${C}/points/query`, { query: { recommend: { positive: [1] } }, limit: 0 });
    expect(r.status).toBe(422);
    expect(r.body.status.error).toBe('Validation error in JSON body: [internal.limit: value 0 invalid, must be 1 or larger]');
    r = await s.call('POST', `/collections/${C}/points/query/batch`, { searches: [{ query: q }, { query: q, limit: 0 }] });
    expect(r.status).toBe(422);
    expect(r.body.status.error).toBe('Validation error in JSON body: [searches[1].internal.limit: value 0 invalid, must be 1 or larger]');
  });

  it('search, a plain vector query and a nearest query answer the same points and scores', async () => {
    const search = await s.ok('POST', `/collections/${C}/points/search`, { vector: q, limit: 10 });
    expect(ids(search)).toEqual([3, 1, 4, 8, 2, 7, 5, 6]);
    expect(await rootAndRescored(q)).toEqual(search);
    expect(await rootAndRescored({ nearest: q })).toEqual(search);
  });

  it('takes a limit of u64::MAX without failing', async () => {
    const huge = '18446744073709551615';
    const raw = (path: string, body: string) =>
      s.ok('POST', `/collections/${C}/points/${path}`, body).then((r) => (Array.isArray(r) ? r : r.points));
    const search = await raw('search', `{"vector":[0.1,0.2,0.3,0.4],"limit":${huge}}`);
    expect(search).toHaveLength(8);
    expect(await raw('query', `{"query":[0.1,0.2,0.3,0.4],"limit":${huge}}`)).toEqual(search);
    expect(await raw('query', `{"query":{"nearest":[0.1,0.2,0.3,0.4]},"limit":${huge}}`)).toEqual(search);
  });

  it('a query without a query scrolls: same ids and payloads in id order, offset counts points', async () => {
    const scroll = (await s.ok('POST', `/collections/${C}/points/scroll`, {})).points;
    const all = await query({ with_payload: true });
    expect(ids(all)).toEqual(ids(scroll));
    expect(all.map((p) => p.payload)).toEqual(scroll.map((p: any) => p.payload));
    const fromTwo = (await s.ok('POST', `/collections/${C}/points/scroll`, { offset: 2 })).points;
    const skipOne = await query({ with_payload: true, offset: 1 });
    expect(ids(skipOne)).toEqual(ids(fromTwo).slice(0, skipOne.length));
    expect(ids(skipOne)[0]).toBe(2);
  });

  it('recommend (average and best_score) equals the recommend query', async () => {
    const avg = await s.ok('POST', `/collections/${C}/points/recommend`, { positive: [1, 2, 3, 4], negative: [3], limit: 10 });
    expect(avg.length).toBeGreaterThan(0);
    expect(await rootAndRescored({ recommend: { positive: [1, 2, 3, 4], negative: [3] } })).toEqual(avg);
    const best = await s.ok('POST', `/collections/${C}/points/recommend`, { positive: [1, 2, 3, 4], negative: [3], limit: 10, strategy: 'best_score' });
    expect(await query({ query: { recommend: { positive: [1, 2, 3, 4], negative: [3], strategy: 'best_score' } } })).toEqual(best);
  });

  it('discover and context equal their query forms', async () => {
    const discover = await s.ok('POST', `/collections/${C}/points/discover`, { target: 2, context: [{ positive: 3, negative: 4 }], limit: 10 });
    expect(discover.length).toBeGreaterThan(0);
    expect(await rootAndRescored({ discover: { target: 2, context: [{ positive: 3, negative: 4 }] } })).toEqual(discover);
    const context = await s.ok('POST', `/collections/${C}/points/discover`, { context: [{ positive: 2, negative: 4 }], limit: 100 });
    const asQuery = await query({ query: { context: [{ positive: 2, negative: 4 }] }, limit: 100 });
    expect(new Set(ids(asQuery))).toEqual(new Set(ids(context)));
  });

  it('an order_by query equals scrolling by the same key', async () => {
    const scroll = (await s.ok('POST', `/collections/${C}/points/scroll`, { order_by: 'price' })).points;
    const ordered = await rootAndRescored({ order_by: 'price' }, { with_payload: true });
    expect(ids(ordered)).toEqual(ids(scroll));
    expect(ids(ordered)).toEqual([4, 3, 1, 2]);
    expect(ordered.map((p) => p.payload)).toEqual(scroll.map((p: any) => p.payload));
  });

  it('a random sample returns every point, in orders that differ between calls', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const points = await query({ query: { sample: 'random' } });
      expect(points).toHaveLength(10);
      expect(new Set(ids(points))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
      orders.add(JSON.stringify(ids(points)));
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it('rrf scores 1/(2 + rank) summed over the prefetches; dbsf sums scores normalised over mean +- 3 sd', async () => {
    const q2 = [0.5, 0.6, 0.7, 0.8];
    const a = await s.ok('POST', `/collections/${C}/points/search`, { vector: q, limit: 10 });
    const b = await s.ok('POST', `/collections/${C}/points/search`, { vector: q2, limit: 10 });
    const rrf = new Map<unknown, number>();
    for (const list of [a, b]) list.forEach((p: any, rank: number) => rrf.set(p.id, (rrf.get(p.id) ?? 0) + 1 / (2 + rank)));
    const gotRrf = await query({ prefetch: [{ query: q }, { query: q2 }], query: { fusion: 'rrf' } });
    expect(gotRrf).toHaveLength(rrf.size);
    for (const p of gotRrf) expect(p.score).toBeCloseTo(rrf.get(p.id)!, 5);

    const dbsf = new Map<unknown, number>();
    for (const list of [a, b]) {
      const scores = list.map((p: any) => p.score as number);
      const mean = scores.reduce((x: number, y: number) => x + y, 0) / scores.length;
      const sd = Math.sqrt(scores.reduce((x: number, y: number) => x + (y - mean) ** 2, 0) / (scores.length - 1));
      for (const p of list) dbsf.set(p.id, (dbsf.get(p.id) ?? 0) + (p.score - (mean - 3 * sd)) / (6 * sd));
    }
    const expected = [...dbsf.entries()].sort((x, y) => y[1] - x[1]);
    const gotDbsf = await query({ prefetch: [{ query: q }, { query: q2 }], query: { fusion: 'dbsf' } });
    expect(ids(gotDbsf)).toEqual(expected.map(([id]) => id));
    gotDbsf.forEach((p, i) => expect(p.score).toBeCloseTo(expected[i]![1], 5));
  });

  it('mmr reorders nearest results, returns no payload or vector unasked, and its defaults are diversity 0.5 over 100 candidates', async () => {
    const target = [0.35, 0.08, 0.11, 0.47];
    const plain = await query({ query: { nearest: target } });
    const mmr = await query({ query: { nearest: target, mmr: { diversity: 0.5, candidates_limit: 100 } } });
    expect(ids(mmr)).not.toEqual(ids(plain));
    for (const p of mmr) {
      // Qdrant's own test reads these as Python None: absent and null both pass
      expect(p.payload ?? null).toBeNull();
      expect(p.vector ?? null).toBeNull();
    }
    expect(await query({ query: { nearest: target, mmr: {} } })).toEqual(mmr);
  });

  it.each([
    { prefetch: [{ query: q }, { query: [0.5, 0.6, 0.7, 0.8] }], query: { fusion: 'rrf' } },
    { query: q },
  ])('score_threshold keeps only the points scoring at least it (%#)', async (body) => {
    const all = await query(body);
    expect(all).toHaveLength(8);
    const threshold = all[3].score;
    const kept = await query({ ...body, score_threshold: threshold });
    expect(kept.length).toBeLessThan(8);
    expect(kept.length).toBeGreaterThanOrEqual(4);
    for (const p of kept) expect(p.score).toBeGreaterThanOrEqual(threshold);
  });
});
