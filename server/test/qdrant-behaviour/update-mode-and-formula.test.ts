import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Two write/read facts from Qdrant's REST tests: an upsert's update_mode (update_only touches existing points and
// creates none, insert_only creates new points and leaves existing ones), and formula rescoring (scores follow the
// formula with defaults for missing values, come sorted, and a score_threshold applies to the formula's score).
const C = 'update_mode_formula';

describe('update_mode and formula queries', () => {
  let s: Server;
  beforeAll(async () => { s = await startServer(); });
  beforeEach(async () => {
    await basicCollection(s, C);
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'price', field_schema: 'float' });
  });
  afterAll(() => s.close());

  const write = (update_mode: string) => s.ok('PUT', `/collections/${C}/points?wait=true`, {
    points: [
      { id: 1, vector: [9, 9, 9, 9], payload: { updated: true } },
      { id: 999, vector: [1, 1, 1, 1], payload: { new: true } },
    ],
    update_mode,
  });

  it('update_only changes point 1 and does not create point 999', async () => {
    await write('update_only');
    const one = await s.ok('GET', `/collections/${C}/points/1`);
    expect(one.payload.updated).toBe(true);
    expect(one.vector[0]).toBe(9);
    expect((await s.call('GET', `/collections/${C}/points/999`)).status).toBe(404);
  });

  it('insert_only creates point 999 and leaves point 1 as it was', async () => {
    await write('insert_only');
    const one = await s.ok('GET', `/collections/${C}/points/1`);
    expect(one.payload).not.toHaveProperty('updated');
    expect(one.vector[0]).toBeLessThan(1);
    expect((await s.ok('GET', `/collections/${C}/points/999`)).payload.new).toBe(true);
  });

  it.each([
    [{ sum: [{ mult: ['$score', 0.4] }, { mult: ['price', 0.6] }] }, (score: number, price: number) => 0.4 * score + 0.6 * price],
    [{ sum: ['$score', { div: { left: 'price', right: { sum: [1.0, { abs: 'price' }] } } }] }, (score: number, price: number) => score + price / (1 + Math.abs(price))],
  ])('a formula rescores every prefetched point, sorted, missing price read as the default (%#)', async (formula, expected) => {
    const plain = (await s.ok('POST', `/collections/${C}/points/query`, { query: 8 })).points as any[];
    const original = new Map(plain.map((p) => [p.id, p.score as number]));
    const { points } = await s.ok('POST', `/collections/${C}/points/query`, {
      prefetch: { query: 8 }, query: { formula, defaults: { price: 0.0 } }, with_payload: true,
    });
    expect(points).toHaveLength(original.size);
    for (let i = 1; i < points.length; i++) expect(points[i - 1].score).toBeGreaterThanOrEqual(points[i].score);
    for (const p of points) {
      const price = typeof p.payload?.price === 'number' ? p.payload.price : 0;
      expect(p.score).toBeCloseTo(expected(original.get(p.id)!, price), 5);
    }
  });

  it('a score_threshold cuts on the formula score', async () => {
    await s.ok('PUT', `/collections/${C}/points?wait=true`, { points: [
      { id: 1001, vector: [0.1, 0.1, 0.1, 0.1], payload: { price: 0.1, group: 'threshold_test' } },
      { id: 1002, vector: [0.2, 0.2, 0.2, 0.2], payload: { price: 0.6, group: 'threshold_test' } },
      { id: 1003, vector: [0.3, 0.3, 0.3, 0.3], payload: { price: 0.4, group: 'threshold_test' } },
      { id: 1004, vector: [0.4, 0.4, 0.4, 0.4], payload: { price: 0.9, group: 'threshold_test' } },
    ] });
    const { points } = await s.ok('POST', `/collections/${C}/points/query`, {
      prefetch: { limit: 4 }, query: { formula: 'price', defaults: { price: 0.0 } },
      filter: { must: [{ key: 'group', match: { value: 'threshold_test' } }] }, with_payload: true, limit: 10, score_threshold: 0.5,
    });
    expect(new Set(points.map((p: any) => p.id))).toEqual(new Set([1002, 1004]));
    for (const p of points) expect(p.score).toBeGreaterThanOrEqual(0.5);
  });
});
