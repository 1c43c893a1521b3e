import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage } from '@sextant/core';

describe('compaction on flush', () => {
  it('drops retired ids once they pass deleted_threshold, keeping data, versions and index answers', async () => {
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    await client.createCollection('c', {
      vectors: { size: 4, distance: 'Dot' },
      optimizers_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 100, indexing_threshold: 1 },
      hnsw_config: { full_scan_threshold: 0 },
    });
    await client.createPayloadIndex('c', { field_name: 'k', field_schema: 'integer' });
    // Distinct scores (no ties), so the order of results cannot depend on internal ids.
    const point = (id: number, round: number) => ({ id, vector: [Math.sin(id + round), Math.cos(3 * id), round, 1], payload: { k: id % 10, round } });
    await client.upsert('c', { points: Array.from({ length: 300 }, (_, id) => point(id, 0)) });
    // 1. rewrite 150 points (each move retires an id) and delete 30: 180 of 480 ids retired.
    await client.upsert('c', { points: Array.from({ length: 150 }, (_, id) => point(id, 1)) });
    await client.delete('c', { points: Array.from({ length: 30 }, (_, i) => 270 + i) });
    const stats = () => client.engine.stats().find((s) => s.name === 'c')!;
    expect(stats().internalIds).toBe(450);

    const request = { query: [1, 2, 3, 4], limit: 20, filter: { must: [{ key: 'k', range: { gte: 3 } }] }, with_payload: true, params: { exact: true } };
    const probe = () => client.query('c', request);
    const before = await probe();
    const countBefore = await client.count('c', { filter: { must: [{ key: 'k', match: { value: 4 } }] } });
    await client.flush();

    // 2. after the flush only live points hold ids, and every answer is unchanged.
    expect(stats().internalIds).toBe(270);
    expect(stats().pointsCount).toBe(270);
    expect(await probe()).toEqual(before);
    expect(await client.count('c', { filter: { must: [{ key: 'k', match: { value: 4 } }] } })).toEqual(countBefore);
    const reopened = await createEmbeddedClient({ storage });
    expect(await reopened.query('c', request)).toEqual(before);
    // The rebuilt graph answers too: the unfiltered top 10 by graph walk equals the exact one.
    await reopened.engine.resolve('c').whenIndexed();
    expect((await reopened.getCollection('c')).indexed_vectors_count).toBe(270);
    const graph = await reopened.query('c', { query: [1, 2, 3, 4], limit: 10 });
    const exact = await reopened.query('c', { query: [1, 2, 3, 4], limit: 10, params: { exact: true } });
    expect(graph.points.map((p) => p.id)).toEqual(exact.points.map((p) => p.id));
  });

  it('leaves a segment alone below vacuum_min_vector_number', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('c', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('c', { points: Array.from({ length: 50 }, (_, id) => ({ id, vector: [1, id] })) });
    await client.delete('c', { points: Array.from({ length: 40 }, (_, id) => id) });
    await client.flush();
    expect(client.engine.stats()[0]!.internalIds).toBe(50);
  });
});
