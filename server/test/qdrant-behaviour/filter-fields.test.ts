import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection, multivecCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// has_vector, values_count and slice conditions, as Qdrant answers them (its test_filter_has_vector.py,
// test_filter_values_count.py, test_filter_values_count_missing_field.py, test_filter_slice.py).
describe('has_vector, values_count and slice as Qdrant answers them', () => {
  let s: Server;
  const q = [0.2, 0.1, 0.9, 0.7];

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
    await multivecCollection(s, 'mv');
  });
  afterAll(() => s.close());

  it('has_vector selects the points holding a named dense or sparse vector', async () => {
    const sparse = await s.ok('POST', '/collections/mv/points/query', { limit: 3, filter: { must: [{ has_vector: 'sparse-text' }] } });
    expect(ids(sparse.points).sort()).toEqual([7, 8]);
    const dense = await s.ok('POST', '/collections/mv/points/query', { limit: 20, filter: { must: [{ has_vector: 'text' }] } });
    expect(ids(dense.points).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('values_count counts an array\'s elements; a single value counts one', async () => {
    const search = (values_count: object) => s.ok('POST', '/collections/c/points/search', { vector: q, limit: 3, filter: { must: [{ key: 'city', values_count }] } });
    expect(await search({ gt: 2 })).toEqual([]);
    expect(ids(await search({ gte: 2 })).sort()).toEqual([2, 3, 4]);
    // fewer than two: Berlin alone (1), null (7), [] (8), and the points without a city (5, 6); 1 scores best of them
    const few = await search({ lt: 2 });
    expect(few).toHaveLength(3);
    expect(few[0].id).toBe(1);
  });

  it('values_count counts a missing field as zero values', async () => {
    await s.ok('PUT', '/collections/vc', { vectors: { size: 4, distance: 'Cosine' } });
    await s.ok('PUT', '/collections/vc/points?wait=true', {
      points: [
        { id: 1, vector: [0.1, 0.2, 0.3, 0.4], payload: { tags: ['a', 'b', 'c'] } },
        { id: 2, vector: [0.2, 0.3, 0.4, 0.5], payload: { tags: ['x'] } },
        { id: 3, vector: [0.3, 0.4, 0.5, 0.6], payload: { title: 'no tags field' } },
      ],
    });
    const scroll = async (values_count: object) =>
      ids((await s.ok('POST', '/collections/vc/points/scroll', { filter: { must: [{ key: 'tags', values_count }] }, with_payload: true, with_vector: false })).points);
    expect(await scroll({ lt: 1 })).toEqual([3]);
    expect(await scroll({ gte: 0 })).toEqual([1, 2, 3]);
    expect(await scroll({ lte: 0 })).toEqual([3]);
  });

  describe('slice', () => {
    const TOTAL = 32;
    beforeAll(async () => {
      await s.ok('PUT', '/collections/sl', { vectors: { size: 2, distance: 'Dot' } });
      const uuid = (n: number) => `00000000-0000-0000-0000-${n.toString(16).padStart(12, '0')}`;
      const points = [...Array.from({ length: TOTAL / 2 }, (_, i) => i), ...Array.from({ length: TOTAL / 2 }, (_, i) => uuid(i))];
      await s.ok('PUT', '/collections/sl/points?wait=true', { points: points.map((id) => ({ id, vector: [0.1, 0.2] })) });
    });
    const scroll = async (filter: object) =>
      new Set(ids((await s.ok('POST', '/collections/sl/points/scroll', { filter, limit: TOTAL + 1, with_payload: false, with_vector: false })).points).map(String));

    it('the slices of a total are disjoint and cover every point, integer and uuid ids alike', async () => {
      const seen = new Set<string>();
      for (let index = 0; index < 4; index++) {
        for (const id of await scroll({ must: [{ slice: { total: 4, index } }] })) {
          expect(seen.has(id)).toBe(false);
          seen.add(id);
        }
      }
      expect(seen.size).toBe(TOTAL);
      const first = await scroll({ must: [{ slice: { total: 4, index: 0 } }] });
      expect((await scroll({ must_not: [{ slice: { total: 4, index: 0 } }] })).size).toBe(TOTAL - first.size);
    });

    it('an index out of range is a 422; a zero total is refused', async () => {
      expect((await s.call('POST', '/collections/sl/points/scroll', { filter: { must: [{ slice: { total: 4, index: 4 } }] }, limit: 1 })).status).toBe(422);
      // Qdrant refuses it while parsing (NonZeroU32: 400); Sextant's schema check sees `minimum: 1` and says 422
      const zero = await s.call('POST', '/collections/sl/points/scroll', { filter: { must: [{ slice: { total: 0, index: 0 } }] }, limit: 1 });
      expect([400, 422]).toContain(zero.status);
    });
  });
});
