import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultOf, startServer, type Server } from './live-server.js';
import { fullCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// The query API over a collection of several named dense, multi and sparse vectors, as Qdrant's REST tests pin it:
// every legacy endpoint (search, recommend, discover, their batch and group forms) equals its query form, lookups
// from another collection, fusion across vector kinds, groups, and the errors for missing ids, collections, names.
const C = 'query_named';
const LOOKUP = 'query_named_lookup';
const U1 = '6f1c1b86-3b4a-4a53-9f1e-2f0b5f3c8a01';
const U2 = '0b7d8e2a-91c4-4f6e-8a3d-5c2e1f9b7d02';
const U3 = 'c3a9e4f1-7b2d-4c8e-b1f6-9d4a2e6c3b03';
const q = [0.1, 0.2, 0.3, 0.4];
const berlin = { must: [{ key: 'city', match: { value: 'Berlin' } }] };

/** The sixteen uuid-index filters: four match kinds under must, must_not, should and min_should (count 2). */
const uuidFilters: unknown[] = (() => {
  const matches = [{ value: U1 }, { text: U2 }, { any: [U1, U2] }, { except: [U1, U2] }];
  const out: unknown[] = [];
  for (const clause of ['must', 'must_not', 'should']) for (const match of matches) out.push({ [clause]: [{ key: 'uuid', match }] });
  for (const match of matches) out.push({ min_should: { conditions: [{ key: 'uuid', match }], min_count: 2 } });
  return out;
})();

describe('query API over named vectors', () => {
  let s: Server;
  const post = (path: string, body: unknown) => s.call('POST', `/collections/${C}/points/${path}`, body);
  const query = (body: unknown) => resultOf(post('query', body)).then((r) => r.points as any[]);
  const rootAndRescored = async (q: unknown, using: string, extra: Record<string, unknown> = {}) => {
    const root = await query({ query: q, using, ...extra });
    const { limit: _unused, ...rest } = extra;
    expect(await query({ prefetch: { limit: 1000 }, query: q, using, ...rest })).toEqual(root);
    return root;
  };
  const makeLookup = async (a: number[], b: number[]) => {
    await s.call('DELETE', `/collections/${LOOKUP}`);
    await s.ok('PUT', `/collections/${LOOKUP}`, { vectors: { other: { size: 4, distance: 'Dot' } } });
    await s.ok('PUT', `/collections/${LOOKUP}/points?wait=true`, { points: [{ id: 1, vector: { other: a } }, { id: 2, vector: { other: b } }] });
  };

  beforeAll(async () => {
    s = await startServer();
    await fullCollection(s, C);
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'city', field_schema: 'keyword' });
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'count', field_schema: 'integer' });
    for (const [uuid, id] of [[U1, 1], [U2, 2], [U3, 3]] as const) {
      await s.ok('POST', `/collections/${C}/points/payload?wait=true`, { payload: { uuid }, points: [id] });
    }
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'uuid', field_schema: 'uuid' });
  });
  afterAll(() => s.close());

  it('refuses a fusion query together with `using`', async () => {
    const r = await post('query', { using: 'dense-image', query: { fusion: 'rrf' }, limit: 10 });
    expect(r.status).toBe(400);
    expect(r.body.status.error).toBe("Bad request: Fusion queries cannot be combined with the 'using' field.");
  });

  it('named search equals the query forms, unfiltered, filtered and under each uuid-index filter', async () => {
    const filters = [
      undefined, berlin, { must_not: berlin.must }, { should: berlin.must },
      { min_should: { conditions: [{ key: 'city', match: { any: ['Berlin', 'Moscow'] } }, { key: 'count', match: { value: 0 } }], min_count: 2 } },
      ...uuidFilters,
    ];
    for (const filter of filters) {
      const search = await resultOf(post('search', { vector: { name: 'dense-image', vector: q }, filter, limit: 10 }));
      expect(await rootAndRescored(q, 'dense-image', { filter })).toEqual(search);
      expect(await rootAndRescored({ nearest: q }, 'dense-image', { filter })).toEqual(search);
    }
    // spot checks that the uuid filters really filter: must value U1 is point 1 alone; must_not any [U1, U2] drops 1, 2
    expect(ids(await query({ query: q, using: 'dense-image', filter: uuidFilters[0] }))).toEqual([1]);
    expect(ids(await query({ query: q, using: 'dense-image', filter: uuidFilters[6] })).sort()).toEqual([3, 4, 5, 6]);
  });

  it('a query by id leaves that point out', async () => {
    const points = await query({ query: 2, using: 'dense-image' });
    expect(points.length).toBeGreaterThan(0);
    expect(ids(points)).not.toContain(2);
  });

  it('a query without a query scrolls, with and without a filter', async () => {
    for (const filter of [undefined, berlin]) {
      const scroll = (await resultOf(post('scroll', { filter }))).points;
      const all = await query({ with_payload: true, filter });
      expect(ids(all)).toEqual(ids(scroll));
      expect(all.map((p) => p.payload)).toEqual(scroll.map((p: any) => p.payload));
    }
  });

  it('recommend (average, best_score), discover and context equal their query forms', async () => {
    for (const filter of [undefined, ...uuidFilters]) {
      const rec = await resultOf(post('recommend', { positive: [1, 2, 3, 4], negative: [3], limit: 10, using: 'dense-image', filter }));
      expect(await rootAndRescored({ recommend: { positive: [1, 2, 3, 4], negative: [3] } }, 'dense-image', { filter })).toEqual(rec);
      const disc = await resultOf(post('discover', { target: 2, context: [{ positive: 3, negative: 4 }], limit: 10, using: 'dense-image', filter }));
      expect(await rootAndRescored({ discover: { target: 2, context: [{ positive: 3, negative: 4 }] } }, 'dense-image', { filter })).toEqual(disc);
    }
    const best = await resultOf(post('recommend', { positive: [1, 2, 3, 4], negative: [3], limit: 10, strategy: 'best_score', using: 'dense-image' }));
    expect(await query({ query: { recommend: { positive: [1, 2, 3, 4], negative: [3], strategy: 'best_score' } }, using: 'dense-image' })).toEqual(best);
    const context = await resultOf(post('discover', { context: [{ positive: 2, negative: 4 }], limit: 100, using: 'dense-image' }));
    const asQuery = await query({ query: { context: [{ positive: 2, negative: 4 }] }, limit: 100, using: 'dense-image' });
    expect(new Set(ids(asQuery))).toEqual(new Set(ids(context)));
  });

  it('names the missing lookup id, collection or vector, at the root and inside a prefetch', async () => {
    await makeLookup([1, 0, 0, 0], [0, 0, 0, 2]);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ positive: [1], negative: [2, 3], collection: LOOKUP, vector: 'other' }, 404, 'Not found: No point with id 3 found'],
      [{ positive: [1], negative: [2], collection: 'non-existing-collection', vector: 'other' }, 404, 'Not found: Collection non-existing-collection not found'],
      [{ positive: [1], negative: [2], collection: LOOKUP, vector: 'non-existing-vector' }, 400, 'Wrong input: Not existing vector name error: non-existing-vector'],
    ];
    for (const [{ positive, negative, collection, vector }, status, message] of cases) {
      const recommend = { recommend: { positive, negative } };
      const lookup_from = { collection, vector };
      let r = await post('query', { query: recommend, limit: 10, using: 'dense-image', lookup_from });
      expect([r.status, r.body.status.error]).toEqual([status, message]);
      r = await post('query', { prefetch: [{ query: recommend, using: 'dense-image', lookup_from }], limit: 10, query: { fusion: 'rrf' } });
      expect([r.status, r.body.status.error]).toEqual([status, message]);
    }
  });

  it('recommend with lookup_from equals the query form, and looked-up ids equal the raw vectors', async () => {
    await makeLookup([1, 0, 0, 0], [0, 0, 0, 2]);
    const lookup_from = { collection: LOOKUP, vector: 'other' };
    const rec = await resultOf(post('recommend', { positive: [1], negative: [2], limit: 10, using: 'dense-image', lookup_from }));
    expect(rec.length).toBeGreaterThan(0);
    expect(await query({ query: { recommend: { positive: [1], negative: [2] } }, limit: 10, using: 'dense-image', lookup_from })).toEqual(rec);
    const byId = await query({ prefetch: [{ query: { recommend: { positive: [1], negative: [2] } }, using: 'dense-image', lookup_from }], query: { fusion: 'rrf' } });
    const byVector = await query({ prefetch: [{ query: { recommend: { positive: [[1, 0, 0, 0]], negative: [[0, 0, 0, 2]] } }, using: 'dense-image' }], query: { fusion: 'rrf' } });
    expect(byId).toEqual(byVector);
  });

  it('order_by over an integer index equals scrolling by it', async () => {
    const scroll = (await resultOf(post('scroll', { order_by: 'count' }))).points;
    const ordered = await rootAndRescored({ order_by: 'count' }, 'dense-image', { with_payload: true });
    expect(ids(ordered)).toEqual([5, 6, 8]);
    expect(ids(ordered)).toEqual(ids(scroll));
  });

  it('rrf over dense, cosine, sparse and multi vectors equals fusing the four searches, with a root or inner filters', async () => {
    const searches = [
      { name: 'dense-image', vector: q },
      { name: 'dense-text', vector: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] },
      { name: 'sparse-text', vector: { indices: [63, 65, 66], values: [1, 2.2, 3.3] } },
      // the legacy search endpoint widens one vector into a one-row multivector
      { name: 'dense-multi', vector: [3.05, 3.61, 3.76, 3.74] },
    ];
    const expected = new Map<unknown, number>();
    for (const vector of searches) {
      const list = await resultOf(post('search', { vector, filter: berlin, limit: 10 }));
      list.forEach((p: any, rank: number) => expected.set(p.id, (expected.get(p.id) ?? 0) + 1 / (2 + rank)));
    }
    const prefetches = [
      { query: q, using: 'dense-image' },
      { query: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], using: 'dense-text' },
      { query: { indices: [63, 65, 66], values: [1, 2.2, 3.3] }, using: 'sparse-text' },
      { query: [[3.05, 3.61, 3.76, 3.74]], using: 'dense-multi' },
    ];
    const rooted = await query({ prefetch: prefetches, filter: berlin, limit: 10, query: { fusion: 'rrf' } });
    const inner = await query({ prefetch: prefetches.map((p) => ({ ...p, filter: berlin })), limit: 10, query: { fusion: 'rrf' } });
    for (const got of [rooted, inner]) {
      expect(new Set(ids(got))).toEqual(new Set(expected.keys()));
      for (const p of got) expect(p.score).toBeCloseTo(expected.get(p.id)!, 5);
    }
  });

  it('a late-interaction rerank of dense and sparse candidates orders 5, 2, 1', async () => {
    const points = await query({
      prefetch: [{ query: q, using: 'dense-image' }, { query: { indices: [63, 65, 66], values: [1, 2.2, 3.3] }, using: 'sparse-text' }],
      limit: 3, query: [[3.05, 3.61, 3.76, 3.74]], using: 'dense-multi',
    });
    expect(ids(points)).toEqual([5, 2, 1]);
  });

  it('groups by a multi-valued keyword: each value is a group, a point may sit in several', async () => {
    const { groups } = await resultOf(post('query/groups', {
      prefetch: [], limit: 3, query: [-1.9, 1.1, -1.1, 1.1], using: 'dense-image', with_payload: true, group_by: 'city', group_size: 2,
    }));
    expect(groups.map((g: any) => [g.id, ids(g.hits)])).toEqual([['Berlin', [1, 3]], ['Moscow', [3, 4]], ['London', [2, 4]]]);
    expect(groups[0].hits[1].payload.city).toEqual(['Berlin', 'Moscow']);

    const discover = await resultOf(post('query/groups', {
      prefetch: [], limit: 2, query: { discover: { target: 5, context: [{ positive: 3, negative: 4 }] } },
      using: 'dense-image', with_payload: true, group_by: 'city', group_size: 2,
    }));
    expect(discover.groups.map((g: any) => [g.id, ids(g.hits)])).toEqual([['Berlin', [1, 2]], ['London', [2]]]);
  });

  it('recommend groups equal query groups, for both strategies and with lookup_from', async () => {
    for (const strategy of ['best_score', 'average_vector']) {
      const body = { limit: 10, using: 'dense-image', with_payload: true, group_by: 'city', group_size: 2 };
      const rec = await resultOf(post('recommend/groups', { positive: [1, 2, 3, 4], negative: [3], strategy, ...body }));
      // an unknown top-level field (here `strategy` on a query) is ignored, as serde does in Qdrant
      const viaQuery = await resultOf(post('query/groups', { query: { recommend: { positive: [1, 2, 3, 4], negative: [3] } }, strategy, ...body }));
      // ids 1-4 are examples, so left out: only 5 and 6 remain, and neither has a city, so no group forms
      expect(viaQuery).toEqual({ groups: [] });
      expect(rec).toEqual({ groups: [] });
    }
    await makeLookup([10, 10, 10, 10], [20, 0, 0, 0]);
    const lookup_from = { collection: LOOKUP, vector: 'other' };
    const body = { limit: 10, using: 'dense-image', group_by: 'city', group_size: 2 };
    const rec = await resultOf(post('recommend/groups', { positive: [1], negative: [2], lookup_from, ...body }));
    // ids looked up in another collection are not examples of this one: 1 and 2 may come back
    expect(rec.groups.length).toBeGreaterThan(0);
    expect(await resultOf(post('query/groups', { query: { recommend: { positive: [1], negative: [2] } }, lookup_from, ...body }))).toEqual(rec);
    const byId = await resultOf(post('query/groups', {
      prefetch: [{ query: { recommend: { positive: [1], negative: [2] } }, using: 'dense-image', lookup_from }],
      group_by: 'city', group_size: 2, query: { fusion: 'rrf' },
    }));
    const byVector = await resultOf(post('query/groups', {
      prefetch: [{ query: { recommend: { positive: [[10, 10, 10, 10]], negative: [[20, 0, 0, 0]] } }, using: 'dense-image' }],
      group_by: 'city', group_size: 2, query: { fusion: 'rrf' },
    }));
    expect(byId).toEqual(byVector);
  });

  it.each(['asc', 'desc'])('order_by groups of one equal the first of each value in an ordered scroll (%s)', async (direction) => {
    const scroll = (await resultOf(post('scroll', { order_by: { key: 'count', direction }, limit: 50 }))).points;
    const seen = new Set();
    const firsts = scroll.filter((p: any) => !seen.has(p.payload.count) && seen.add(p.payload.count));
    const { groups } = await resultOf(post('query/groups', {
      query: { order_by: { key: 'count', direction } }, limit: 10, using: 'dense-image', with_payload: true, group_by: 'count', group_size: 1,
    }));
    const hits = groups.flatMap((g: any) => g.hits);
    expect(ids(hits)).toEqual(ids(firsts));
    expect(hits.map((p: any) => p.payload)).toEqual(firsts.map((p: any) => p.payload));
  });

  it('a random sample rescoring a prefetch of one keeps its offset: the prefetch widens by it', async () => {
    const one = await query({ prefetch: { limit: 1 }, query: { sample: 'random' } });
    expect(ids(one)).toEqual([1]);
    const seen = new Set();
    for (let i = 0; i < 100 && seen.size < 2; i++) {
      const page = await query({ prefetch: { limit: 1 }, query: { sample: 'random' }, offset: 1 });
      expect(page).toHaveLength(1);
      seen.add(page[0].id);
    }
    expect(seen).toEqual(new Set([1, 2]));
  });

  it('search, recommend and discover batches equal query batches', async () => {
    for (const filter of [undefined, ...uuidFilters]) {
      const common = { using: 'dense-image', with_payload: true, filter };
      const searches = await resultOf(post('search/batch', { searches: [
        { limit: 3, vector: { vector: [-1.9, 1.1, -1.1, 1.1], name: 'dense-image' }, with_payload: true, filter },
        { limit: 3, vector: { vector: [0.19, 0.83, 0.75, -0.11], name: 'dense-image' }, with_payload: true, filter },
      ] }));
      const queries = await resultOf(post('query/batch', { searches: [
        { limit: 3, query: [-1.9, 1.1, -1.1, 1.1], ...common },
        { limit: 3, query: [0.19, 0.83, 0.75, -0.11], ...common },
      ] }));
      expect(queries.map((r: any) => r.points)).toEqual(searches);
      const recs = await resultOf(post('recommend/batch', { searches: [
        { positive: [1, 2, 3, 4], negative: [3], limit: 10, ...common },
        { positive: [3, 4], negative: [4], limit: 10, ...common },
      ] }));
      const recQueries = await resultOf(post('query/batch', { searches: [
        { limit: 10, query: { recommend: { positive: [1, 2, 3, 4], negative: [3] } }, ...common },
        { limit: 10, query: { recommend: { positive: [3, 4], negative: [4] } }, ...common },
      ] }));
      expect(recQueries.map((r: any) => r.points)).toEqual(recs);
      const discs = await resultOf(post('discover/batch', { searches: [
        { target: 2, context: [{ positive: 3, negative: 4 }], limit: 10, ...common },
        { target: 4, context: [{ positive: 1, negative: 2 }], limit: 10, ...common },
      ] }));
      const discQueries = await resultOf(post('query/batch', { searches: [
        { limit: 10, query: { discover: { target: 2, context: [{ positive: 3, negative: 4 }] } }, ...common },
        { limit: 10, query: { discover: { target: 4, context: [{ positive: 1, negative: 2 }] } }, ...common },
      ] }));
      expect(discQueries.map((r: any) => r.points)).toEqual(discs);
    }
  });

  it('a query by the id of a point lacking the vector is an error, not a crash', async () => {
    await resultOf(post('query', { query: 7, using: 'sparse-text' }));
    for (const body of [{ query: 8, using: 'sparse-text' }, { query: 8 }]) {
      const r = await post('query', body);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(typeof r.body.status.error).toBe('string');
    }
  });
});
