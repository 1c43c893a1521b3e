import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';

const V = [0.2, 0.1, 0.9, 0.7];

/** Qdrant's openapi test fixture, in spirit: 4-d Dot vectors, a `city` payload, strict mode patched in per test. */
async function fixture(clock = { now: () => 0 }): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient({ clock });
  await client.createCollection('c', { vectors: { size: 4, distance: 'Dot' } });
  await client.upsert('c', {
    points: Array.from({ length: 8 }, (_, id) => ({ id, vector: [id, 1, 0, 1], payload: { city: id % 2 ? 'Berlin' : 'London', price: id } })),
  });
  return client;
}
const strict = (client: EmbeddedClient, config: object) => client.updateCollection('c', { strict_mode_config: config });

describe('strict mode', () => {
  it('caps limit, timeout, hnsw_ef, oversampling, exact and batch sizes, with Qdrant wording and status 403', async () => {
    const client = await fixture();
    await client.search('c', { vector: V, limit: 4, params: { exact: true, hnsw_ef: 5 } });
    // Disabled strict mode checks nothing, whatever its limits.
    await strict(client, { enabled: false, max_query_limit: 1 });
    await client.search('c', { vector: V, limit: 4 });
    await strict(client, { enabled: true, max_query_limit: 4, max_timeout: 2, search_max_hnsw_ef: 4, search_allow_exact: false, search_max_oversampling: 1.5, search_max_batchsize: 1 });
    await client.search('c', { vector: V, limit: 4 });
    await expect(client.search('c', { vector: V, limit: 5 })).rejects.toMatchObject({
      status: 403,
      code: 'strict_mode',
      message: 'Forbidden: Limit exceeded 5 > 4 for "limit" Help: Reduce the "limit" parameter to or below 4.',
    });
    await expect(client.query('c', { query: V, timeout: 3 })).rejects.toThrow(/"timeout"/);
    await expect(client.query('c', { query: V, limit: 2, params: { hnsw_ef: 5 } })).rejects.toThrow(/"hnsw_ef"/);
    await expect(client.query('c', { query: V, limit: 2, params: { quantization: { oversampling: 2 } } })).rejects.toThrow(/"oversampling"/);
    await expect(client.query('c', { query: V, limit: 2, params: { exact: true } })).rejects.toThrow('Forbidden: Exact search disabled! Help: Set exact=false.');
    // Limits reach into prefetches and default limits (scroll's 10 exceeds 4).
    await expect(client.query('c', { prefetch: { query: V, limit: 50 }, query: V, limit: 2 })).rejects.toThrow(/50 > 4/);
    await expect(client.scroll('c')).rejects.toThrow(/10 > 4/);
    await expect(client.query('c', { query: V })).rejects.toThrow(/10 > 4/);
    // Groups count limit x group_size (default 3) points.
    await expect(client.queryGroups('c', { query: V, group_by: 'city', limit: 2 })).rejects.toThrow(/6 > 4/);
    await client.queryGroups('c', { query: V, group_by: 'city', limit: 2, group_size: 2 });
    await client.scroll('c', { limit: 4 });
    await expect(client.queryBatch('c', { searches: [{ query: V, limit: 1 }, { query: V, limit: 1 }] })).rejects.toThrow(/"search batch size"/);
    // Writes: batch size for upsert and update_vectors.
    await strict(client, { upsert_max_batchsize: 2 });
    await client.upsert('c', { points: [{ id: 20, vector: V }, { id: 21, vector: V }] });
    await expect(client.upsert('c', { batch: { ids: [1, 2, 3], vectors: [V, V, V] } })).rejects.toThrow(/"upsert limit"/);
    await expect(client.batchUpdate('c', { operations: [{ upsert: { points: [1, 2, 3].map((id) => ({ id, vector: V })) } }] })).rejects.toThrow(/"upsert limit"/);
    await expect(client.updateVectors('c', { points: [1, 2, 3].map((id) => ({ id, vector: V })) })).rejects.toThrow(/"update limit"/);
  });

  it('refuses vector queries that can only scan when exact search is off: m = 0 without a tenant filter', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('t', {
      vectors: { flat: { size: 2, distance: 'Dot', hnsw_config: { m: 0, payload_m: 16 } }, graph: { size: 2, distance: 'Dot' } },
      sparse_vectors: { words: {} },
      strict_mode_config: { enabled: true, search_allow_exact: false },
    });
    await client.upsert('t', { points: [1, 2, 3].map((id) => ({ id, vector: { flat: [id, 1], graph: [1, id] }, payload: { tenant: id % 2 ? 'a' : 'b' } })) });
    const byTenant = { must: [{ key: 'tenant', match: { value: 'a' } }] };
    await expect(client.query('t', { query: [1, 1], using: 'flat', limit: 2 })).rejects.toMatchObject({
      status: 403,
      message: "Forbidden: Request is forbidden on 'flat' because global vector indexing is disabled (hnsw_config.m = 0) Help: Use tenant-specific filter, enable global vector indexing or enable strict mode `search_allow_exact` option",
    });
    await client.query('t', { query: [1, 1], using: 'graph', limit: 2 });
    await client.query('t', { query: { indices: [1], values: [1] }, using: 'words', limit: 2 });
    // Rescoring over an indexed prefetch is fine; a prefetch on 'flat' is not.
    await client.query('t', { prefetch: { query: [1, 1], using: 'graph', limit: 3 }, query: [1, 1], using: 'flat', limit: 2 });
    await expect(client.query('t', { prefetch: { query: [1, 1], using: 'flat', limit: 3 }, query: { fusion: 'rrf' }, limit: 2 })).rejects.toThrow('global vector indexing is disabled');
    // A keyword index without is_tenant does not help; with it, the per-tenant graphs (payload_m 16) do.
    await client.createPayloadIndex('t', { field_name: 'tenant', field_schema: 'keyword' });
    await expect(client.query('t', { query: [1, 1], using: 'flat', limit: 2, filter: byTenant })).rejects.toThrow('global vector indexing is disabled');
    await client.createPayloadIndex('t', { field_name: 'tenant', field_schema: { type: 'keyword', is_tenant: true } });
    expect((await client.query('t', { query: [1, 1], using: 'flat', limit: 2, filter: byTenant })).points.map((p) => p.id)).toEqual([3, 1]);
    await client.updateCollection('t', { vectors: { flat: { hnsw_config: { payload_m: 0 } } } });
    await expect(client.query('t', { query: [1, 1], using: 'flat', limit: 2, filter: byTenant })).rejects.toThrow('(hnsw_config.m = 0 and hnsw_config.payload_m = 0)');
  });

  it('requires payload indexes for filtered reads and filtered updates when unindexed filtering is off', async () => {
    const client = await fixture();
    const berlin = { must: [{ key: 'city', match: { value: 'Berlin' } }] };
    await strict(client, { enabled: true, unindexed_filtering_retrieve: false });
    await expect(client.query('c', { query: V, filter: berlin })).rejects.toMatchObject({
      status: 403,
      message: 'Forbidden: Index required but not found for "city" of one of the following types: [keyword] Help: Create an index for this key or use a different filter.',
    });
    await expect(client.count('c', { filter: { must: [{ key: 'price', range: { gte: 3 } }] } })).rejects.toThrow('[float, integer]');
    await expect(client.queryGroups('c', { query: V, group_by: 'city', limit: 2 })).rejects.toThrow('Index required but not found for "city"');
    // Writes are governed by the other flag.
    await client.delete('c', { filter: { must: [{ key: 'price', match: { value: 7 } }] } });
    await strict(client, { unindexed_filtering_update: false });
    await expect(client.setPayload('c', { payload: { x: 1 }, filter: berlin })).rejects.toThrow('"city"');
    await client.createPayloadIndex('c', { field_name: 'city', field_schema: 'keyword' });
    expect((await client.query('c', { query: V, filter: berlin })).points.length).toBe(3);
    await client.setPayload('c', { payload: { x: 1 }, filter: berlin });
    expect((await client.count('c', { filter: { must: [{ key: 'x', match: { value: 1 } }] }, exact: true }).catch((e: Error) => e.message))).toMatch(/"x"/);
    await expect(client.queryGroups('c', { query: V, group_by: 'city', limit: 2 })).resolves.toBeDefined();
    // A formula's payload variables need indexes too; $score does not.
    await strict(client, { unindexed_filtering_retrieve: false });
    const formula = (f: unknown) => client.query('c', { prefetch: { query: V, limit: 4 }, query: { formula: f } as never, limit: 2 });
    await formula({ sum: ['$score', 1] });
    await expect(formula({ sum: ['$score', { mult: [0.5, 'price'] }] })).rejects.toThrow(
      'Forbidden: Index required but not found for "price" of one of the following types: [float, integer] Help: Create an index for this key or use a different formula expression.',
    );
    await expect(formula({ sum: ['$score', { key: 'tag', match: { value: 'x' } }] })).rejects.toThrow('"tag" of one of the following types: [keyword]');
    await client.createPayloadIndex('c', { field_name: 'price', field_schema: 'float' });
    await formula({ sum: ['$score', { mult: [0.5, 'price'] }, { key: 'city', match: { value: 'Berlin' } }] });
  });

  it('caps filter conditions and condition size (nested filters count their own conditions)', async () => {
    const client = await fixture();
    const many = (n: number) => ({ must: Array.from({ length: n }, (_, i) => ({ key: 'price', match: { value: i } })) });
    const nested = (n: number) => ({
      must: [{ nested: { key: 'city', filter: { must: [{ key: 'key', match: { any: Array.from({ length: n }, (_, i) => i) } }, { key: 'key2', match: { any: [1] } }] } } }],
    });
    await strict(client, { enabled: true, filter_max_conditions: 5, condition_max_size: 2 });
    await client.query('c', { query: V, filter: many(5) });
    await expect(client.query('c', { query: V, filter: many(6) })).rejects.toThrow('Forbidden: Filter condition limit reached (6 > 5)');
    await client.query('c', { query: V, filter: nested(2) });
    await expect(client.query('c', { query: V, filter: nested(3) })).rejects.toThrow('Condition size limit reached (3 > 2)');
    await strict(client, { condition_max_size: 1000000, filter_max_conditions: 1 });
    await expect(client.query('c', { query: V, filter: nested(1) })).rejects.toThrow('Filter condition limit reached (2 > 1)');
  });

  it('caps point count, vector and payload storage, multivector and sparse sizes, and payload index count', async () => {
    const client = await fixture();
    await strict(client, { enabled: true, max_points_count: 10, max_payload_index_count: 1 });
    await client.upsert('c', { points: [{ id: 8, vector: V }, { id: 0, vector: V }, { id: 9, vector: V }] });
    await client.upsert('c', { points: [{ id: 9, vector: V }] }); // an overwrite adds no point
    await expect(client.upsert('c', { points: [{ id: 10, vector: V }] })).rejects.toMatchObject({ status: 403, message: expect.stringContaining('Max points count limit of 10 reached!') });
    await client.createPayloadIndex('c', { field_name: 'city', field_schema: 'keyword' });
    await expect(client.createPayloadIndex('c', { field_name: 'price', field_schema: 'integer' })).rejects.toMatchObject({ status: 403 });

    // 10 points x 4 floats = 160 bytes of vectors.
    await strict(client, { max_points_count: 1000, max_collection_vector_size_bytes: 160 });
    await expect(client.upsert('c', { points: [{ id: 11, vector: V }] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining('Max vector storage size limit of') });
    await strict(client, { max_collection_vector_size_bytes: 10_000, max_collection_payload_size_bytes: 200 });
    await client.upsert('c', { points: [{ id: 11, vector: V, payload: { blob: 'x'.repeat(200) } }] });
    await expect(client.upsert('c', { points: [{ id: 12, vector: V }] })).rejects.toThrow('Max payload storage size limit of');

    const multi = await createEmbeddedClient();
    await multi.createCollection('m', {
      vectors: { colbert: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
      sparse_vectors: { words: {} },
      strict_mode_config: { enabled: true, multivector_config: { colbert: { max_vectors: 2 } }, sparse_config: { words: { max_length: 2 } } },
    });
    await multi.upsert('m', { points: [{ id: 1, vector: { colbert: [[1, 0], [0, 1]], words: { indices: [1, 2], values: [1, 1] } } }] });
    await expect(multi.upsert('m', { points: [{ id: 2, vector: { colbert: [[1, 0], [0, 1], [1, 1]] } }] })).rejects.toThrow("Multivector 'colbert' has a limit of 2 vectors, but 3 were provided!");
    await expect(multi.upsert('m', { points: [{ id: 2, vector: { words: { indices: [1, 2, 3], values: [1, 1, 1] } } }] })).rejects.toThrow("Sparse vector 'words' has a limit of 2 indices");
  });

  it('rate-limits reads per request and writes per point, refilling over a minute of the injected clock', async () => {
    let t = 0;
    const client = await fixture({ now: () => t });
    await strict(client, { enabled: true, read_rate_limit: 2, write_rate_limit: 3 });
    await client.count('c');
    await client.count('c');
    await expect(client.count('c')).rejects.toMatchObject({ status: 429, message: 'Rate limiting exceeded: Read rate limit exceeded, retry later' });
    t += 30_000; // half a minute: one read token back
    await client.count('c');
    await expect(client.count('c')).rejects.toMatchObject({ status: 429 });
    await client.upsert('c', { points: [{ id: 1, vector: V }, { id: 2, vector: V }] });
    await expect(client.upsert('c', { points: [{ id: 1, vector: V }, { id: 2, vector: V }] })).rejects.toThrow(
      'Rate limiting exceeded: Write rate limit exceeded: Operation requires 2 tokens but only 1 are available',
    );
    await strict(client, { enabled: false });
    await client.count('c');
  });
});
