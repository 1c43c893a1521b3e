import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from '@sextant/core';

async function cities() {
  const client = await createEmbeddedClient();
  await client.createCollection('cities', { vectors: { size: 2, distance: 'Dot' }, sparse_vectors: {} });
  await client.upsert('cities', {
    points: [
      { id: 1, vector: [1, 0], payload: { name: 'Oslo', pop: 700, tags: ['north'] } },
      { id: 2, vector: [0.8, 0.6], payload: { name: 'Rome', pop: 2800, tags: ['south'] } },
      { id: 3, vector: [0, 1], payload: { name: 'Nice', pop: 340, tags: ['south', 'sea'] } },
      { id: 4, vector: [-1, 0], payload: { name: 'Lima', pop: 9700, tags: ['south'] } },
    ],
  });
  return client;
}

describe('EmbeddedClient reads', () => {
  it('query by vector returns ScoredPoints best first with version, threshold, offset and filter', async () => {
    const client = await cities();
    const { points } = await client.query('cities', { query: [1, 0], limit: 3, with_payload: ['name'] });
    expect(points).toEqual([
      { id: 1, version: 0, score: 1, payload: { name: 'Oslo' }, vector: null },
      { id: 2, version: 0, score: expect.closeTo(0.8, 5), payload: { name: 'Rome' }, vector: null },
      { id: 3, version: 0, score: 0, payload: { name: 'Nice' }, vector: null },
    ]);
    const page2 = await client.query('cities', { query: [1, 0], limit: 2, offset: 1 });
    expect(page2.points.map((p) => p.id)).toEqual([2, 3]);
    const thresholded = await client.query('cities', { query: [1, 0], score_threshold: 0.5 });
    expect(thresholded.points.map((p) => p.id)).toEqual([1, 2]);
    const filtered = await client.query('cities', {
      query: { nearest: [1, 0] },
      filter: { must: [{ key: 'tags', match: { value: 'south' } }] },
      params: { exact: true },
    });
    expect(filtered.points.map((p) => p.id)).toEqual([2, 3, 4]);
  });

  it('query by point id excludes the point itself; no query lists points by id', async () => {
    const client = await cities();
    const byId = await client.query('cities', { query: 2, limit: 2 });
    expect(byId.points.map((p) => p.id)).toEqual([1, 3]);
    const plain = await client.query('cities', { limit: 2, with_payload: true });
    expect(plain.points.map((p) => [p.id, p.score])).toEqual([[1, 0], [2, 0]]);
  });

  it('legacy search and the batch forms answer like query', async () => {
    const client = await cities();
    const legacy = await client.search('cities', { vector: [0, 1], limit: 1, with_payload: true });
    expect(legacy).toEqual([{ id: 3, version: 0, score: 1, payload: { name: 'Nice', pop: 340, tags: ['south', 'sea'] }, vector: null }]);
    const batch = await client.searchBatch('cities', { searches: [{ vector: [0, 1], limit: 1 }, { vector: [-1, 0], limit: 1 }] });
    expect(batch.map((r) => r.map((p) => p.id))).toEqual([[3], [4]]);
    const qb = await client.queryBatch('cities', { searches: [{ query: [0, 1], limit: 1 }, { query: [-1, 0], limit: 1 }] });
    expect(qb.map((r) => r.points.map((p) => p.id))).toEqual([[3], [4]]);
  });

  it('answers prefetch + fusion and recommend, and refuses malformed queries with a clear 400', async () => {
    const client = await cities();
    const fused = await client.query('cities', { prefetch: [{ query: [1, 0] }], query: { fusion: 'rrf' } });
    expect(fused.points.map((p) => p.id)).toEqual([1, 2, 3, 4]);
    const reco = await client.query('cities', { query: { recommend: { positive: [1] } } });
    expect(reco.points.map((p) => p.id)).toEqual([2, 3, 4]);
    await expect(client.query('cities', { query: { fusion: 'rrf' } })).rejects.toMatchObject({ status: 400 });
    await expect(client.query('cities', { query: [1, 0, 0] })).rejects.toMatchObject({ status: 400 });
  });

  it('scrolls in id order with next_page_offset, filters, and order_by through a payload index', async () => {
    const client = await cities();
    const first = await client.scroll('cities', { limit: 3, with_payload: false });
    expect(first).toEqual({ points: [{ id: 1, payload: null, vector: null }, { id: 2, payload: null, vector: null }, { id: 3, payload: null, vector: null }], next_page_offset: 4 });
    const rest = await client.scroll('cities', { limit: 3, offset: first.next_page_offset!, with_payload: false });
    expect(rest).toEqual({ points: [{ id: 4, payload: null, vector: null }], next_page_offset: null });
    const south = await client.scroll('cities', { filter: { must: [{ key: 'tags', match: { value: 'south' } }] }, with_payload: false });
    expect(south.points.map((p) => p.id)).toEqual([2, 3, 4]);

    await expect(client.scroll('cities', { order_by: 'pop' })).rejects.toMatchObject({ status: 400 });
    await client.createPayloadIndex('cities', { field_name: 'pop', field_schema: 'integer' });
    const byPop = await client.scroll('cities', { order_by: { key: 'pop', direction: 'desc' }, limit: 2, with_payload: false });
    expect(byPop.points).toEqual([
      { id: 4, payload: null, vector: null, order_value: 9700 },
      { id: 2, payload: null, vector: null, order_value: 2800 },
    ]);
    expect((await client.getCollection('cities')).payload_schema).toMatchObject({ pop: { data_type: 'integer', points: 4 } });
    await client.deletePayloadIndex('cities', 'pop');
    expect((await client.getCollection('cities')).payload_schema).toEqual({});
  });

  it('counts exactly and facets an indexed keyword field', async () => {
    const client = await cities();
    expect(await client.count('cities', {})).toEqual({ count: 4 });
    expect(await client.count('cities', { filter: { must: [{ key: 'pop', range: { lt: 1000 } }] }, exact: true })).toEqual({ count: 2 });
    await client.createPayloadIndex('cities', { field_name: 'tags', field_schema: 'keyword' });
    const facet = await client.facet('cities', { key: 'tags', limit: 10 });
    expect(facet).toEqual({ hits: [{ value: 'south', count: 3 }, { value: 'north', count: 1 }, { value: 'sea', count: 1 }] });
    const filtered = await client.facet('cities', { key: 'tags', filter: { must: [{ key: 'pop', range: { lt: 1000 } }] } });
    expect(filtered.hits).toEqual([{ value: 'north', count: 1 }, { value: 'sea', count: 1 }, { value: 'south', count: 1 }]);
  });
});

describe('payload index requests', () => {
  it('rejects a bad field schema before logging it, so the collection still reopens', async () => {
    const { MemoryStorage } = await import('@sextant/core');
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    await client.createCollection('c', { vectors: { size: 2, distance: 'Dot' } });
    await expect(client.createPayloadIndex('c', { field_name: 'x', field_schema: 'vector' as never })).rejects.toMatchObject({ status: 422 });
    await expect(client.createPayloadIndex('c', { field_name: 'x', field_schema: { type: 'nope' } as never })).rejects.toMatchObject({ status: 422 });
    await client.createPayloadIndex('c', { field_name: 'x', field_schema: { type: 'text', tokenizer: 'word', lowercase: true } });
    const reopened = await createEmbeddedClient({ storage });
    expect((await reopened.getCollection('c')).payload_schema).toMatchObject({ x: { data_type: 'text' } });
  });
});
