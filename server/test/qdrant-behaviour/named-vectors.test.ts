import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { multivecCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// Collections of named dense and sparse vectors, as Qdrant treats them (its test_basic_retrieve_multivec_api.py,
// test_batch_update_multivec.py, test_collection_update_multivec.py).
describe('named vectors as Qdrant treats them', () => {
  let s: Server;
  const image = [0.2, 0.1, 0.9, 0.7];
  const missingName = 'Wrong input: Not existing vector name error: i_do_no_exist';
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  describe('retrieval', () => {
    beforeAll(() => multivecCollection(s, 'mv'));
    const search = (body: object) => s.ok('POST', '/collections/mv/points/search', body);

    it('retrieves, counts and searches each named dense and sparse vector', async () => {
      expect((await s.ok('GET', '/collections/mv/points/2')).id).toBe(2);
      expect(await s.ok('POST', '/collections/mv/points', { ids: [1, 2] })).toHaveLength(2);
      expect((await s.ok('GET', '/collections/mv')).points_count).toBe(8);
      expect(await search({ vector: { name: 'image', vector: image }, limit: 3 })).toHaveLength(3);
      expect(await search({ vector: { name: 'sparse-image', vector: { indices: [2, 8], values: [0.2, 0.3] } }, limit: 2 })).toHaveLength(2);
      const london = { should: [{ key: 'city', match: { value: 'London' } }] };
      expect(await search({ filter: london, vector: { name: 'text', vector: [...image, ...image] }, limit: 3 })).toHaveLength(2);
    });

    it('scroll returns every named vector a point has, dense by name and sparse by name', async () => {
      const dense = (await s.ok('POST', '/collections/mv/points/scroll', { offset: 2, limit: 2, with_vector: true })).points;
      expect(dense).toHaveLength(2);
      for (const p of dense) {
        expect(p.vector.text).toHaveLength(8);
        expect(p.vector.image).toHaveLength(4);
      }
      const sparse = (await s.ok('POST', '/collections/mv/points/scroll', { offset: 7, limit: 2, with_vector: true })).points;
      expect(ids(sparse)).toEqual([7, 8]);
      for (const p of sparse) expect(Object.keys(p.vector).sort()).toEqual(['sparse-image', 'sparse-text']);
    });

    it('a selected vector name the collection lacks is a 400 with Qdrant\'s message', async () => {
      const res = await s.call('POST', '/collections/mv/points', { ids: [1, 2, 3, 4], with_vectors: ['text', 'image', 'i_do_no_exist'], with_payload: true });
      expect(res.status).toBe(400);
      expect(res.body.status.error).toBe(missingName);
    });

    it('payload exclusion, is_empty and recommend with using', async () => {
      const london = { should: [{ key: 'city', match: { value: 'London' } }] };
      const found = await search({ vector: { name: 'image', vector: image }, limit: 5, filter: london, with_payload: { exclude: ['city'] } });
      expect(found.length).toBeGreaterThan(0);
      for (const p of found) expect(p.payload).not.toHaveProperty('city');
      // points 7 and 8 have no image vector, so only 5 and 6 of the city-less points are found
      const empty = await search({ vector: { name: 'image', vector: image }, limit: 5, filter: { should: [{ is_empty: { key: 'city' } }] }, with_payload: true });
      expect(ids(empty).sort()).toEqual([5, 6]);
      const recommended = await s.ok('POST', '/collections/mv/points/recommend', { limit: 3, negative: [], positive: [1], with_vector: false, with_payload: true, using: 'image' });
      expect(recommended).toHaveLength(3);
      expect(recommended[0].payload).not.toBeNull();
    });

    it('with_vector as a list of names returns only those', async () => {
      const uuid = '8594ff5d-265f-4785-a9f5-b3b4b9665506';
      await s.ok('PUT', '/collections/mv/points?wait=true', {
        points: [{ id: 8, vector: { image: [0.15, 0.31, 0.76, 0.74], text: [0.15, 0.31, 0.76, 0.74, 0.15, 0.31, 0.76, 0.74] }, payload: { database_id: { type: 'keyword', value: uuid } } }],
      });
      const page = await s.ok('POST', '/collections/mv/points/scroll', { offset: null, limit: 10, with_vector: ['text'], filter: { must: [{ key: 'database_id.value', match: { value: uuid } }] } });
      expect(page.points).toHaveLength(1);
      expect(Object.keys(page.points[0].vector)).toEqual(['text']);
    });
  });

  describe('batch updates', () => {
    beforeEach(() => multivecCollection(s, 'mv', 'Dot'));
    const batch = (operations: object[]) => s.call('POST', '/collections/mv/points/batch?wait=true', { operations });
    const read = async (pointIds: number[]) =>
      ((await s.ok('POST', '/collections/mv/points', { ids: pointIds, with_vector: true, with_payload: true })) as Array<{ id: number }>).sort((a, b) => a.id - b.id);

    it('a condition with only a key in an upsert\'s update_filter is a 422', async () => {
      const res = await batch([{ upsert: { points: [{ id: 7, vector: { image: [1, 0, 9, 1] }, payload: {} }], update_filter: { must: [{ key: 'empty' }] } } }]);
      expect(res.status).toBe(422);
      expect(res.body.status.error).toContain('Validation error in JSON body');
      expect(res.body.status.error).toContain('At least one field condition must be specified');
    });

    it('upserts replace all named vectors, updates merge by name, delete_vectors removes by name', async () => {
      expect((await batch([
        { upsert: { points: [{ id: 7, vector: { image: [1, 0, 9, 1] }, payload: {} }] } },
        { upsert: { points: [{ id: 8, vector: { image: [7, 1, 6, 9] }, payload: {} }] } },
        { delete: { points: [8] } },
        { upsert: { points: [{ id: 7, vector: { image: [9, 9, 3, 0], text: [8, 1, 2, 5, 2, 7, 1, 6] }, payload: {} }] } },
      ])).status).toBe(200);
      expect(await read([7, 8])).toEqual([{ id: 7, vector: { image: [9, 9, 3, 0], text: [8, 1, 2, 5, 2, 7, 1, 6] }, payload: {} }]);

      await batch([
        { update_vectors: { points: [{ id: 7, vector: { image: [2, 6, 3, 2], text: [5, 7, 0, 8, 2, 7, 1, 6] } }] } },
        { update_vectors: { points: [{ id: 7, vector: { image: [0, 3, 1, 8] } }] } },
      ]);
      expect(await read([7, 8])).toEqual([{ id: 7, vector: { image: [0, 3, 1, 8], text: [5, 7, 0, 8, 2, 7, 1, 6] }, payload: {} }]);

      await batch([
        { upsert: { points: [{ id: 9, vector: { image: [5, 5, 3, 6], text: [8, 4, 7, 3, 3, 8, 9, 0] }, payload: {} }] } },
        { upsert: { points: [{ id: 10, vector: { image: [2, 9, 1, 4], text: [1, 5, 5, 6, 9, 3, 3, 2] }, payload: {} }] } },
        { delete_vectors: { points: [7, 10], vector: ['text'] } },
        { delete_vectors: { points: [9, 10], vector: ['image'] } },
      ]);
      expect(await read([7, 8, 9, 10])).toEqual([
        { id: 7, vector: { image: [0, 3, 1, 8] }, payload: {} },
        { id: 9, vector: { text: [8, 4, 7, 3, 3, 8, 9, 0] }, payload: {} },
        { id: 10, vector: {}, payload: {} },
      ]);
    });
  });

  describe('collection updates', () => {
    beforeEach(() => multivecCollection(s, 'mv'));
    const config = async () => (await s.ok('GET', '/collections/mv')).config;

    it('one named vector\'s settings change apart from the others and from the collection\'s', async () => {
      await s.ok('PATCH', '/collections/mv', {
        vectors: { image: { hnsw_config: { m: 32, ef_construct: 123 }, quantization_config: { scalar: { type: 'int8', quantile: 0.8 } } } },
        optimizers_config: { default_segment_number: 6, indexing_threshold: 10000 },
      });
      await s.ok('PUT', '/collections/mv/points?wait=true', { points: [{ id: 7, vector: { image: [0.15, 0.31, 0.76, 0.74] }, payload: { city: 'Rome' } }] });
      expect((await s.ok('GET', '/collections/mv/points/7')).payload).toEqual({ city: 'Rome' });

      let c = await config();
      expect(c.params.vectors.text).not.toHaveProperty('hnsw_config');
      expect(c.params.vectors.image.hnsw_config).toMatchObject({ m: 32, ef_construct: 123 });
      await s.ok('PATCH', '/collections/mv', {
        vectors: { text: { hnsw_config: { m: 32 }, quantization_config: { scalar: { type: 'int8', quantile: 0.8 } }, on_disk: true } },
        hnsw_config: { ef_construct: 123 },
        quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
        params: { on_disk_payload: false },
      });
      c = await config();
      expect(c.params.vectors.text.hnsw_config.m).toBe(32);
      expect(c.params.vectors.text.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.8 } });
      expect(c.params.vectors.text.on_disk).toBe(true);
      expect(c.params.on_disk_payload).toBe(false);
      expect([c.hnsw_config.m, c.hnsw_config.ef_construct]).toEqual([16, 123]);

      await s.ok('PATCH', '/collections/mv', {
        vectors: { text: { hnsw_config: { m: 10, ef_construct: 100 }, quantization_config: { product: { compression: 'x32', always_ram: true } }, on_disk: false } },
        params: { on_disk_payload: true },
      });
      c = await config();
      expect(c.params.vectors.text.hnsw_config).toMatchObject({ m: 10, ef_construct: 100 });
      expect(c.params.vectors.text.quantization_config.product).toMatchObject({ compression: 'x32', always_ram: true });
      expect(c.params.vectors.text.on_disk).toBe(false);
      expect(c.params.on_disk_payload).toBe(true);
      expect(c.quantization_config.scalar).toMatchObject({ type: 'int8', quantile: 0.99, always_ram: true });

      // "Disabled" removes a vector's own quantization
      await s.ok('PATCH', '/collections/mv', { vectors: { text: { quantization_config: 'Disabled' } } });
      expect((await config()).params.vectors.text.quantization_config ?? null).toBeNull();
    });

    it('a vector name the collection lacks is a 400 with Qdrant\'s message', async () => {
      const res = await s.call('PATCH', '/collections/mv', { vectors: { i_do_no_exist: { hnsw_config: { m: 32 } } } });
      expect(res.status).toBe(400);
      expect(res.body.status.error).toBe(missingName);
    });
  });
});
