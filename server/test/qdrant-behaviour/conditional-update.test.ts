import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// An update_filter makes an upsert or a vector update apply only to the points whose stored payload passes it, as
// in Qdrant (its test_conditional_update.py): a version check in the filter keeps older writes from landing.
describe('conditional updates as Qdrant applies them', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
  });
  afterAll(() => s.close());

  const point = async () => s.ok('GET', '/collections/c/points/6');
  const olderThan = (lt: number) => ({ must: { key: 'version', range: { lt } } });

  it('skips an upsert or a vector update whose filter the stored point fails, applies one it passes', async () => {
    await s.ok('POST', '/collections/c/points/payload?wait=true', { points: [6], payload: { version: 5 } });
    await s.ok('PUT', '/collections/c/points?wait=true', {
      points: [{ id: 6, vector: [1.1, 1.2, 1.3, 1.4], payload: { version: 4, test: 'test_value' } }],
      update_filter: olderThan(4),
    });
    expect((await point()).payload.version).toBe(5);

    await s.ok('PUT', '/collections/c/points?wait=true', {
      points: [{ id: 6, vector: [1.1, 1.2, 1.3, 1.4], payload: { version: 6, test: 'test_value' } }],
      update_filter: olderThan(6),
    });
    expect((await point()).payload).toEqual({ version: 6, test: 'test_value' });

    await s.ok('PUT', '/collections/c/points/vectors?wait=true', { points: [{ id: 6, vector: [2.1, 2.2, 2.3, 2.4] }], update_filter: olderThan(4) });
    const kept = await s.ok('POST', '/collections/c/points', { ids: [6], with_vector: true });
    expect(kept[0].vector[0]).toBeCloseTo(1.1, 5);
  });
});
