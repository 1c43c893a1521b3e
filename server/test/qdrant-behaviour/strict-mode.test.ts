import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Strict mode as Qdrant's REST tests pin it: the config PATCHes in whole or in part and reads back; each limit
// passes at its bound and fails one past it, with an error that names what was limited.
const C = 'strict';
const V = [0.2, 0.1, 0.9, 0.7];

describe('strict mode', () => {
  let s: Server;
  const strict = (config: object) => s.ok('PATCH', `/collections/${C}`, { strict_mode_config: config });
  const config = async () => (await s.ok('GET', `/collections/${C}`)).config.strict_mode_config;
  /** The request passes now, and after `tighten` fails with an error containing `word`. */
  const limits = async (request: () => Promise<{ status: number; body: any }>, allow: object, tighten: object, word: string) => {
    expect((await request()).status).toBe(200);
    await strict({ enabled: true, ...allow });
    expect((await request()).status).toBe(200);
    await strict(tighten);
    const refused = await request();
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(refused.body.status.error.toLowerCase()).toContain(word);
  };

  beforeAll(async () => { s = await startServer(); });
  beforeEach(() => basicCollection(s, C));
  afterAll(() => s.close());

  it('PATCHes the whole config, or a part of it, and reads it back', async () => {
    expect((await config())?.enabled ?? false).toBe(false);
    await strict({
      enabled: true, max_query_limit: 10, max_timeout: 2, unindexed_filtering_retrieve: false, unindexed_filtering_update: false,
      search_max_hnsw_ef: 3, search_allow_exact: false, search_max_oversampling: 1.5,
    });
    expect(await config()).toMatchObject({
      enabled: true, max_query_limit: 10, max_timeout: 2, unindexed_filtering_retrieve: false, unindexed_filtering_update: false,
      search_max_hnsw_ef: 3, search_allow_exact: false, search_max_oversampling: 1.5,
    });
    await basicCollection(s, C);
    await strict({ enabled: true, max_query_limit: 10, search_max_oversampling: 1.5 });
    expect(await config()).toMatchObject({ enabled: true, max_query_limit: 10, search_max_oversampling: 1.5 });
  });

  const search = (body: object = {}, query = '') => () => s.call('POST', `/collections/${C}/points/search${query}`, { vector: V, limit: 4, ...body });

  it('limits the query limit', () => limits(search(), { max_query_limit: 4 }, { max_query_limit: 3 }, 'limit'));
  it('limits the timeout beyond max_timeout', async () => {
    expect((await search({ limit: 3 }, '?timeout=3')()).status).toBe(200);
    await strict({ enabled: true, max_timeout: 2 });
    expect((await search({ limit: 3 }, '?timeout=2')()).status).toBe(200);
    const refused = await search({ limit: 3 }, '?timeout=3')();
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.status.error).toContain('timeout');
  });
  it('limits filtering on unindexed fields when reading, until the field is indexed', async () => {
    const filtered = search({ limit: 3, filter: { must: [{ key: 'city', match: { value: 'Berlin' } }] } });
    await limits(filtered, { unindexed_filtering_retrieve: true }, { unindexed_filtering_retrieve: false }, 'city');
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'city', field_schema: 'keyword' });
    expect((await filtered()).status).toBe(200);
  });
  it('limits filtering on unindexed fields when updating, until the field is indexed', async () => {
    const del = () => s.call('POST', `/collections/${C}/points/delete?wait=true`, { filter: { must: [{ key: 'city', match: { value: 'Berlin' } }] } });
    expect((await del()).status).toBe(200);
    await basicCollection(s, C);
    await limits(del, { unindexed_filtering_update: true }, { unindexed_filtering_update: false }, 'city');
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'city', field_schema: 'keyword' });
    expect((await del()).status).toBe(200);
  });
  it('limits hnsw_ef', () => limits(search({ params: { hnsw_ef: 5 } }), { search_max_hnsw_ef: 5 }, { search_max_hnsw_ef: 4 }, 'hnsw_ef'));
  it('limits exact search', () => limits(search({ params: { exact: true } }), { search_allow_exact: true }, { search_allow_exact: false }, 'exact'));
  it('limits oversampling', () =>
    limits(search({ params: { quantization: { oversampling: 2.0 } } }), { search_max_oversampling: 2.0 }, { enabled: true, search_max_oversampling: 1.9 }, 'oversampling'));

  const batch = { ids: [1, 2, 3, 4, 5, 6], payloads: [{}, {}, {}, {}, {}, {}], vectors: Array.from({ length: 6 }, () => [1, 2, 3, 5]) };
  it('limits the upsert batch size', () =>
    limits(() => s.call('PUT', `/collections/${C}/points`, { batch }), { upsert_max_batchsize: 6 }, { enabled: true, upsert_max_batchsize: 5 }, 'upsert'));
  it('limits the upsert batch size inside a batch of operations', () =>
    limits(() => s.call('POST', `/collections/${C}/points/batch`, { operations: [{ upsert: { batch } }] }), { upsert_max_batchsize: 6 }, { enabled: true, upsert_max_batchsize: 5 }, 'upsert'));
  it('limits the update-vectors batch size', () =>
    limits(
      () => s.call('PUT', `/collections/${C}/points/vectors`, { points: [1, 2, 3, 4].map((id) => ({ id, vector: [1, 2, 3, 5] })) }),
      { upsert_max_batchsize: 4 }, { enabled: true, upsert_max_batchsize: 3 }, 'update limit'));

  /** Upserts of the same 5-point batch until the storage limit bites (Qdrant checks the size it last measured). */
  const fillsUp = async (send: (ids: number[]) => Promise<{ status: number; body: any }>, word: string) => {
    for (let i = 0; i < 4; i++) expect((await send([6, 7, 8, 9, 10])).status).toBe(200);
    for (let i = 0; i < 8; i++) {
      const r = await send([12, 13, 14, 15, 16, 17, 18, 19, 20, 21].slice(0, 5 + i));
      if (r.status === 200) continue;
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.body.status.error).toContain(word);
      return;
    }
    throw new Error('the storage limit never refused an upsert');
  };
  const points = (ids: number[]) => ({ ids, payloads: ids.map(() => ({})), vectors: ids.map(() => [1, 2, 3, 5]) });
  it('limits the vector storage size, for upserts and batches of operations', async () => {
    await strict({ enabled: true, max_collection_vector_size_bytes: 240 });
    await fillsUp((ids) => s.call('PUT', `/collections/${C}/points?wait=true`, { batch: points(ids) }), 'Max vector storage size');
    await basicCollection(s, C);
    await strict({ enabled: true, max_collection_vector_size_bytes: 240 });
    await fillsUp((ids) => s.call('POST', `/collections/${C}/points/batch?wait=true`, { operations: [{ upsert: { batch: points(ids) } }] }), 'Max vector storage size');
  });

  it('limits the length of a sparse vector', async () => {
    await s.call('DELETE', `/collections/${C}`);
    await s.ok('PUT', `/collections/${C}`, { sparse_vectors: { 'sparse-vector': {} } });
    await strict({ enabled: true, sparse_config: { 'sparse-vector': { max_length: 4 } } });
    const upsert = (n: number) => s.call('PUT', `/collections/${C}/points?wait=true`, {
      points: [{ id: n, vector: { 'sparse-vector': { indices: Array.from({ length: n }, (_, i) => i + 1), values: Array.from({ length: n }, (_, i) => i / 10) } } }],
    });
    expect((await upsert(4)).status).toBe(200);
    const refused = await upsert(6);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.status.error).toContain("Sparse vector 'sparse-vector' has a limit of 4 indices");
  });

  it('limits the rows of a multivector, in points and batch form, until strict mode is off', async () => {
    await s.call('DELETE', `/collections/${C}`);
    await s.ok('PUT', `/collections/${C}`, { vectors: { 'dense-multi': { size: 4, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } } });
    await strict({ enabled: true, multivector_config: { 'dense-multi': { max_vectors: 5 } } });
    const rows = (n: number) => Array.from({ length: n }, (_, i) => [i + 1.05, i + 1.61, i + 1.76, i + 1.74]);
    await s.ok('PUT', `/collections/${C}/points?wait=true`, { points: [{ id: 1, vector: { 'dense-multi': rows(3) } }] });
    const message = "Multivector 'dense-multi' has a limit of 5 vectors, but 6 were provided!";
    let r = await s.call('PUT', `/collections/${C}/points?wait=true`, { points: [{ id: 1, vector: { 'dense-multi': rows(6) } }] });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.status.error).toContain(message);
    const batch = { batch: { ids: [1], vectors: { 'dense-multi': [rows(6)] } } };
    r = await s.call('PUT', `/collections/${C}/points?wait=true`, batch);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.status.error).toContain(message);
    await strict({ enabled: false, multivector_config: { 'dense-multi': { max_vectors: 5 } } });
    await s.ok('PUT', `/collections/${C}/points?wait=true`, batch);
  });

  it.each([
    ['read', () => ['POST', `/collections/${C}/points/search`, { vector: V, limit: 4 }] as const],
    ['write', () => ['PUT', `/collections/${C}/points?wait=true`, { points: [{ id: 1, vector: [0.05, 0.61, 0.76, 0.74] }] }] as const],
  ])('a %s rate limit of 1 answers most of ten quick calls with 429, and none once strict mode is off', async (kind, call) => {
    await strict({ enabled: true, [`${kind}_rate_limit`]: 1 });
    expect((await config())[`${kind}_rate_limit`]).toBe(1);
    let refused = 0;
    for (let i = 0; i < 10; i++) {
      const r = await s.call(...(call() as readonly [string, string, unknown]));
      if (r.status === 200) continue;
      refused++;
      expect(r.status).toBe(429);
      expect(r.body.status.error).toContain(`Rate limiting exceeded: ${kind === 'read' ? 'Read' : 'Write'} rate limit exceeded, retry later`);
    }
    expect(refused).toBeGreaterThan(5);
    await strict({ enabled: false });
    for (let i = 0; i < 10; i++) expect((await s.call(...(call() as readonly [string, string, unknown]))).status).toBe(200);
  });

  it('charges a filtered payload update by the points it may touch', async () => {
    await strict({ enabled: true, write_rate_limit: 7 });
    await s.ok('PUT', `/collections/${C}/index`, { field_name: 'city', field_schema: 'keyword' });
    await s.ok('PUT', `/collections/${C}/points/payload`, { payload: { City: 'Not Berlin' }, filter: { must: [{ key: 'City', match: { value: 'Berlin' } }] } });
    const r = await s.call('PUT', `/collections/${C}/points/payload`, { payload: { City: 'Not London' }, filter: { must: [{ key: 'City', match: { value: 'London' } }] } });
    expect(r.status).toBe(429);
    expect(r.body.status.error).toContain('Rate limiting exceeded: Write rate limit exceeded: Operation requires 5 tokens but only');
  });

  const priceFilter = (filter: object) => search({ filter });
  it('limits the number of conditions in a filter', async () => {
    const conditions = (n: number) => ({ must: Array.from({ length: n }, (_, i) => ({ key: 'price', match: { value: i } })) });
    expect((await priceFilter(conditions(5))()).status).toBe(200);
    await strict({ enabled: true, filter_max_conditions: 5 });
    expect((await priceFilter(conditions(5))()).status).toBe(200);
    const r = await priceFilter(conditions(6))();
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.status.error).toContain('Filter');
    expect(r.body.status.error).toContain('limit');
  });

  it('limits the size of one condition, also inside nested filters, and counts nested conditions', async () => {
    const any = (n: number) => ({ must: [{ key: 'price', match: { any: Array.from({ length: n }, (_, i) => i) } }] });
    expect((await priceFilter(any(5))()).status).toBe(200);
    await strict({ enabled: true, condition_max_size: 5 });
    expect((await priceFilter(any(5))()).status).toBe(200);
    let r = await priceFilter(any(6))();
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.status.error).toContain('Condition');
    expect(r.body.status.error).toContain('limit');

    const nested = (n: number) => {
      const values = Array.from({ length: n }, (_, i) => i);
      return { must: [{ nested: { key: 'city', filter: { must: [{ key: 'key', match: { any: values } }, { key: 'key2', match: { any: values } }] } } }] };
    };
    await strict({ enabled: true, condition_max_size: 2 });
    expect((await priceFilter(nested(2))()).status).toBe(200);
    r = await priceFilter(nested(3))();
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.status.error).toContain('Condition');
    expect(r.body.status.error).toContain('limit');
    await strict({ enabled: true, condition_max_size: 1000000, filter_max_conditions: 3 });
    expect((await priceFilter(nested(2))()).status).toBe(200);
    await strict({ enabled: true, condition_max_size: 1000000, filter_max_conditions: 1 });
    r = await priceFilter(nested(2))();
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body.status.error).toContain('condition');
    expect(r.body.status.error).toContain('limit');
  });
});
