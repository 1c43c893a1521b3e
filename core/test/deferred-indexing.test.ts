import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmbeddedClient, HnswIndex } from '@sextant/core';

afterEach(() => vi.restoreAllMocks());

const vector = (i: number) => [Math.sin(i), Math.cos(2 * i), Math.sin(3 * i + 1), 1];

describe('deferred graph building (Qdrant indexing_threshold)', () => {
  it('never builds a graph below the threshold, and scans exactly instead', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('small', { vectors: { size: 4, distance: 'Euclid' }, hnsw_config: { full_scan_threshold: 0 } });
    const inserts = vi.spyOn(HnswIndex.prototype, 'insert');
    await client.upsert('small', { points: Array.from({ length: 500 }, (_, id) => ({ id, vector: vector(id) })) });
    await client.engine.resolve('small').whenIndexed();
    expect(inserts).not.toHaveBeenCalled();
    expect(await client.getCollection('small')).toMatchObject({ status: 'green', indexed_vectors_count: 0, points_count: 500 });
    const got = await client.query('small', { query: vector(7), limit: 1 });
    expect(got.points[0]).toMatchObject({ id: 7, score: 0 });
  });

  it('indexes in the background past the threshold; meanwhile answers merge the graph with a scan of the rest', async () => {
    const client = await createEmbeddedClient();
    // 1 KB of 4-dim vectors = 64 points; full_scan_threshold 0 sends every query to the graph path.
    await client.createCollection('c', {
      vectors: { size: 4, distance: 'Euclid' },
      hnsw_config: { full_scan_threshold: 0 },
      optimizers_config: { indexing_threshold: 1 },
    });
    await client.upsert('c', { points: Array.from({ length: 100 }, (_, id) => ({ id, vector: vector(id) })) });
    await client.engine.resolve('c').whenIndexed();
    // 1. a second batch lands pending: the graph holds the first 100 only, and the collection is yellow.
    await client.upsert('c', { points: Array.from({ length: 400 }, (_, i) => ({ id: 100 + i, vector: vector(100 + i) })) });
    const info = await client.getCollection('c');
    expect(info.status).toBe('yellow');
    expect(info.indexed_vectors_count).toBeLessThan(500);
    // 2. a point only in the pending part is still found (and first, at distance 0) through the graph path.
    const search = vi.spyOn(HnswIndex.prototype, 'search');
    const pendingHit = await client.query('c', { query: vector(450), limit: 3 });
    expect(search).toHaveBeenCalled();
    expect(pendingHit.points[0]).toMatchObject({ id: 450, score: 0 });
    // 3. background slices finish the job without anyone asking.
    await vi.waitFor(async () => expect((await client.getCollection('c')).status).toBe('green'), { timeout: 20_000, interval: 20 });
    expect((await client.getCollection('c')).indexed_vectors_count).toBe(500);
    const exact = await client.query('c', { query: vector(3), limit: 10, params: { exact: true } });
    const graph = await client.query('c', { query: vector(3), limit: 10 });
    expect(graph.points.map((p) => p.id)).toEqual(exact.points.map((p) => p.id));
  });

  it('takes a new indexing_threshold from updateCollection', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('c', { vectors: { size: 4, distance: 'Dot' } });
    await client.upsert('c', { points: Array.from({ length: 200 }, (_, id) => ({ id, vector: vector(id) })) });
    await client.engine.resolve('c').whenIndexed();
    expect((await client.getCollection('c')).indexed_vectors_count).toBe(0);
    await client.updateCollection('c', { optimizers_config: { indexing_threshold: 1 } });
    await client.engine.resolve('c').whenIndexed();
    expect((await client.getCollection('c')).indexed_vectors_count).toBe(200);
  });
});
