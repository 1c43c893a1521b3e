import { afterAll, beforeEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Counting and deleting points on the ten-point collection, as Qdrant answers them (its test_count.py,
// test_delete_points.py).
describe('count and delete as Qdrant answers them', () => {
  let s: Server;
  const berlinOrLondon = { should: [{ key: 'city', match: { value: 'London' } }, { key: 'city', match: { value: 'Berlin' } }] };

  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(() => basicCollection(s, 'c'));
  afterAll(() => s.close());

  it('counts the four Berlin-or-London points exactly, and approximately somewhere between none and all', async () => {
    expect(await s.ok('POST', '/collections/c/points/count', { filter: berlinOrLondon })).toEqual({ count: 4 });
    const approx = (await s.ok('POST', '/collections/c/points/count', { filter: berlinOrLondon, exact: false })).count;
    expect(approx).toBeGreaterThan(0);
    expect(approx).toBeLessThan(10);
  });

  it('deletes by a has_id filter, then by a list of ids', async () => {
    await s.ok('POST', '/collections/c/points/delete?wait=true', { filter: { must: [{ has_id: [5] }] } });
    expect((await s.ok('GET', '/collections/c')).points_count).toBe(9);
    await s.ok('POST', '/collections/c/points/delete?wait=true', { points: [1, 2, 3, 4] });
    expect((await s.ok('GET', '/collections/c')).points_count).toBe(5);
  });
});
