import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Request validation and per-vector configuration, as Qdrant's REST tests pin them: over-long collection names,
// out-of-range body and query parameters say "Validation error" and name the field; per-vector hnsw and
// quantization overrides come back exactly as given (absent fields stay absent); indexing_threshold 0 keeps a
// collection unindexed. (configuration_status, which Qdrant's test also checks, is newer than the v1.19 API.)
describe('validation and vector config', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'validation');
  });
  afterAll(() => s.close());

  it('refuses a collection name over 255 characters with a validation error', async () => {
    const name = 'extremelylongname'.repeat(18);
    const r = await s.call('GET', `/collections/${name}/points/1`);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body.status.error).toContain('Validation error');
  });

  it('names an out-of-range body field and query parameter', async () => {
    let r = await s.call('PUT', '/collections/validation', { vectors: { size: 4, distance: 'Dot' }, hnsw_config: { ef_construct: 0 } });
    expect(r.status).toBe(422);
    expect(r.body.status.error).toContain('Validation error');
    expect(r.body.status.error).toContain('hnsw_config.ef_construct');
    r = await s.call('PUT', '/collections/validation?timeout=0', { vectors: { size: 4, distance: 'Dot' } });
    expect(r.status).toBe(422);
    expect(r.body.status.error).toContain('Validation error');
    expect(r.body.status.error).toContain('timeout: value 0 invalid');
  });

  it('keeps per-vector hnsw and quantization overrides as given', async () => {
    await s.ok('PUT', '/collections/vector_config', {
      vectors: {
        image: { size: 4, distance: 'Dot', hnsw_config: { m: 20 }, on_disk: true },
        audio: { size: 4, distance: 'Dot', hnsw_config: { ef_construct: 100 }, quantization_config: { scalar: { type: 'int8', quantile: 0.6 } } },
        text: { size: 8, distance: 'Cosine', quantization_config: { scalar: { type: 'int8', always_ram: true } } },
      },
      hnsw_config: { m: 10, ef_construct: 80 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.5 } },
    });
    const { config } = await s.ok('GET', '/collections/vector_config');
    const v = config.params.vectors;
    expect(v.image.hnsw_config).toEqual({ m: 20 });
    expect(v.image.on_disk).toBe(true);
    expect(v.image.quantization_config).toBeUndefined();
    expect(v.audio.hnsw_config).toEqual({ ef_construct: 100 });
    expect(v.audio.quantization_config.scalar).toEqual({ type: 'int8', quantile: 0.6 });
    expect(v.text.hnsw_config).toBeUndefined();
    expect(v.text.quantization_config.scalar).toEqual({ type: 'int8', always_ram: true });
    expect(config.hnsw_config.m).toBe(10);
    expect(config.hnsw_config.ef_construct).toBe(80);
    expect(config.quantization_config.scalar).toMatchObject({ type: 'int8', quantile: 0.5 });
  });

  it('indexes past indexing_threshold, and never with a threshold of 0', async () => {
    const vectors = Array.from({ length: 100 }, (_, i) => Array.from({ length: 256 }, (_, j) => Math.sin(i * 31 + j)));
    for (const [name, threshold] of [['indexed', 10], ['unindexed', 0]] as const) {
      await s.ok('PUT', `/collections/${name}`, { vectors: { size: 256, distance: 'Dot' }, optimizers_config: { indexing_threshold: threshold } });
      await s.ok('PUT', `/collections/${name}/points?wait=true`, { batch: { ids: vectors.map((_, i) => i), vectors } });
    }
    let indexed = 0;
    for (let i = 0; i < 100 && indexed === 0; i++) {
      const info = await s.ok('GET', '/collections/indexed');
      expect(info.points_count).toBe(100);
      indexed = info.indexed_vectors_count;
      if (indexed === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(indexed).toBeGreaterThan(0);
    const unindexed = await s.ok('GET', '/collections/unindexed');
    expect(unindexed.points_count).toBe(100);
    expect(unindexed.indexed_vectors_count).toBe(0);
  });
});
