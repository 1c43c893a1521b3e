import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from '@sextant/core';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('getOptimizations reports the background indexing and compaction', () => {
  it('shows indexing running after a write, then done with its progress, and a vacuum after a compacting flush', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('c', {
      vectors: { size: 16, distance: 'Cosine' },
      optimizers_config: { indexing_threshold: 1, deleted_threshold: 0.1, vacuum_min_vector_number: 10 },
    });
    const idle = await client.getOptimizations('c', { with: 'queued,completed,idle_segments' });
    expect(idle).toMatchObject({ summary: { queued_optimizations: 0, queued_segments: 0, queued_points: 0, idle_segments: 1 }, running: [], queued: [], completed: [] });
    expect(idle.idle_segments).toEqual([{ uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), points_count: 0 }]);

    const r = rng(3);
    await client.upsert('c', { points: Array.from({ length: 2000 }, (_, id) => ({ id, vector: Array.from({ length: 16 }, () => r() - 0.5) })) });
    // 1. The write scheduled background linking; its first slice runs in a later macrotask, so it is running now.
    const busy = await client.getOptimizations('c');
    expect(busy.summary.idle_segments).toBe(0);
    expect(busy.running).toHaveLength(1);
    expect(busy.running[0]).toMatchObject({ optimizer: 'indexing', status: 'optimizing', segments: [{ points_count: 2000 }], progress: { name: 'indexing', total: 2000 } });
    expect((await client.getCollection('c')).status).toBe('yellow');

    // 2. Indexed: nothing runs; the run is listed as completed with all its work done.
    await client.engine.resolve('c').whenIndexed();
    const done = await client.getOptimizations('c', { with: 'completed' });
    expect(done.running).toEqual([]);
    expect(done.summary.idle_segments).toBe(1);
    expect(done.completed).toHaveLength(1);
    expect(done.completed![0]).toMatchObject({ optimizer: 'indexing', status: 'done', progress: { done: 2000, total: 2000, finished_at: expect.any(String) } });
    expect(done.completed![0]!.uuid).toBe(busy.running[0]!.uuid);

    // 3. Deleting 30% and flushing compacts the segment: a vacuum, newest first; completed_limit caps the list.
    await client.delete('c', { points: Array.from({ length: 600 }, (_, i) => i) });
    await client.flush();
    const after = await client.getOptimizations('c', { with: 'completed,idle_segments' });
    expect(after.completed!.map((o) => o.optimizer).slice(0, 1)).toEqual(['vacuum']);
    expect(after.completed![0]).toMatchObject({ status: 'done', segments: [{ points_count: 1400 }], progress: { done: 600, total: 600 } });
    expect((await client.getOptimizations('c', { with: 'completed', completed_limit: 1 })).completed).toHaveLength(1);
    await expect(client.getOptimizations('missing')).rejects.toMatchObject({ status: 404 });
  });
});
