import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@sextant/core';
import { startServer, type Server } from './live-server.js';

// Deleting by a filter on an indexed keyword removes every matching point, whatever segment or index state the
// points are in, as in Qdrant (its test_filtered_delete.py, with 1,500 points rather than 3,000 to stay quick).
describe('filtered delete as Qdrant applies it', () => {
  let s: Server;
  const N = 1500;
  beforeAll(async () => {
    s = await startServer();
    await s.ok('PUT', '/collections/big', {
      vectors: { size: 4, distance: 'Dot', on_disk: false },
      optimizers_config: { default_segment_number: 4, indexing_threshold: 10 },
    });
    await s.ok('PUT', '/collections/big/index?wait=true', { field_name: 'a', field_schema: 'keyword' });
    const random = seededRandom(3);
    for (let from = 0; from < N; from += 100) {
      const points = Array.from({ length: 100 }, (_, i) => ({ id: from + i, vector: [random(), random(), random(), random()], payload: { a: `keyword_${(from + i) % 5}` } }));
      await s.ok('PUT', '/collections/big/points?wait=true', { points });
    }
  });
  afterAll(() => s.close());

  it('five deletes by keyword leave nothing to query', async () => {
    // indexing runs in the background past the threshold: wait for green, as Qdrant's test does
    await expect.poll(async () => (await s.ok('GET', '/collections/big')).status, { timeout: 20_000, interval: 50 }).toBe('green');
    for (let k = 0; k < 5; k++) {
      await s.ok('POST', '/collections/big/points/delete?wait=true', { filter: { must: [{ key: 'a', match: { value: `keyword_${k}` } }] } });
      expect((await s.ok('POST', '/collections/big/points/count', { exact: true })).count).toBe(N - (N / 5) * (k + 1));
    }
    expect((await s.ok('POST', '/collections/big/points/query', { limit: 1000 })).points).toEqual([]);
  });
});
