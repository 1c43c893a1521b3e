import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';

// PATCH /collections/{name}: per-vector and collection-wide parameters change independently and read back as set,
// as in Qdrant (its test_collection_update.py).
describe('collection updates as Qdrant applies them', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(async () => {
    await s.ok('DELETE', '/collections/c');
    await s.ok('PUT', '/collections/c', {
      vectors: { size: 4, distance: 'Dot', on_disk: false },
      sparse_vectors: { 'sparse-text': {} },
      on_disk_payload: false,
    });
    await s.ok('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin' } }] });
  });
  afterAll(() => s.close());

  const config = async () => (await s.ok('GET', '/collections/c')).config;

  it('takes a vector\'s hnsw and quantization, a sparse index and optimizer settings, and still takes points', async () => {
    await s.ok('PATCH', '/collections/c', {
      vectors: { '': { hnsw_config: { m: 32, ef_construct: 123 }, quantization_config: { scalar: { type: 'int8', quantile: 0.8 } } } },
      sparse_vectors: { 'sparse-text': { index: { on_disk: true } } },
      optimizers_config: { default_segment_number: 6, indexing_threshold: 10000 },
    });
    await s.ok('PUT', '/collections/c/points?wait=true', { points: [{ id: 7, vector: [0.15, 0.31, 0.76, 0.74], payload: { city: 'Rome' } }] });
    expect((await s.ok('GET', '/collections/c/points/7')).payload).toEqual({ city: 'Rome' });
  });

  it('keeps per-vector and collection-wide settings apart', async () => {
    let c = await config();
    expect(c.params.vectors).not.toHaveProperty('hnsw_config');
    expect(c.params.vectors).not.toHaveProperty('quantization_config');
    expect(c.params.vectors.on_disk).toBe(false);
    expect(c.params.on_disk_payload).toBe(false);
    expect([c.hnsw_config.m, c.hnsw_config.ef_construct]).toEqual([16, 100]);
    expect(c.quantization_config).toBeNull();

    await s.ok('PATCH', '/collections/c', {
      vectors: { '': { hnsw_config: { m: 32 }, quantization_config: { scalar: { type: 'int8', quantile: 0.8 } }, on_disk: true } },
      hnsw_config: { ef_construct: 123 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      params: { on_disk_payload: true },
    });
    c = await config();
    expect(c.params.vectors.hnsw_config.m).toBe(32);
    expect(c.params.vectors.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.8 } });
    expect(c.params.vectors.on_disk).toBe(true);
    expect(c.params.on_disk_payload).toBe(true);
    expect([c.hnsw_config.m, c.hnsw_config.ef_construct]).toEqual([16, 123]);
    expect(c.quantization_config.scalar).toMatchObject({ type: 'int8', quantile: 0.99, always_ram: true });

    await s.ok('PATCH', '/collections/c', {
      vectors: { '': { hnsw_config: { m: 10, ef_construct: 100 }, quantization_config: { product: { compression: 'x32', always_ram: true } }, on_disk: false } },
      params: { on_disk_payload: true },
    });
    c = await config();
    expect([c.params.vectors.hnsw_config.m, c.params.vectors.hnsw_config.ef_construct]).toEqual([10, 100]);
    expect(c.params.vectors.quantization_config.product).toMatchObject({ compression: 'x32', always_ram: true });
    expect(c.params.vectors.on_disk).toBe(false);
    // the collection-wide quantization is untouched by a vector's
    expect(c.quantization_config.scalar).toMatchObject({ type: 'int8', quantile: 0.99, always_ram: true });
  });
});
