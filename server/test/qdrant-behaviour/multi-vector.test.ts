import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { recreate, upsert } from './qdrant-collections.js';
import { asF32, ids } from './result-values.js';

// Qdrant's multivectors (max_sim) over REST: stored and returned as written, a single dense vector accepted as a
// one-row multivector on upsert and search, Qdrant's errors for empty or ragged input, and Euclid max_sim scores.
const C = 'multi_vector';
const row1 = [0.05, 0.61, 0.76, 0.74];
const row2 = [0.19, 0.81, 0.75, 0.11];
const row3 = [0.36, 0.55, 0.47, 0.94];

describe('multivectors behave as in Qdrant', () => {
  let s: Server;
  const put = (points: unknown[]) => s.call('PUT', `/collections/${C}/points?wait=true`, { points });
  const multi = async (id: number) => asF32((await s.ok('GET', `/collections/${C}/points/${id}`)).vector['my-multivec']);

  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(() => recreate(s, C, { vectors: { 'my-multivec': { size: 4, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } } }));
  afterAll(() => s.close());

  it('rows come back exactly as written, by scroll and by id; a deleted point is gone', async () => {
    await upsert(s, C, [row1, row2, row3].map((row, i) => ({ id: i + 1, vector: { 'my-multivec': [row, row, row] } })));
    const page = await s.ok('POST', `/collections/${C}/points/scroll`, { limit: 10, with_vector: true });
    expect(page.points).toHaveLength(3);
    expect(page.points[0].id).toBe(1);
    expect(asF32(page.points[0].vector['my-multivec'])).toEqual(asF32([row1, row1, row1]));
    expect(await multi(2)).toEqual(asF32([row2, row2, row2]));
    await s.ok('POST', `/collections/${C}/points/delete?wait=true`, { points: [2] });
    expect((await s.call('GET', `/collections/${C}/points/2`)).status).toBe(404);
  });

  it('empty, empty-row and ragged multivectors are refused with Qdrant\'s messages', async () => {
    let reply = await put([{ id: 1, vector: { 'my-multivec': [] } }]);
    expect(reply.status).toBe(400);
    expect(reply.body.status.error).toContain('Wrong input: Vector dimension error: expected dim: 4, got 0');
    for (const rows of [[[]], [row1, []]]) {
      reply = await put([{ id: 1, vector: { 'my-multivec': rows } }]);
      expect(reply.status).toBe(422);
      expect(reply.body.status.error).toContain('Validation error in JSON body: [points[0].vector.?.data: all vectors must be non-empty]');
    }
    reply = await put([{ id: 1, vector: { 'my-multivec': [row1, [0.05, 0.61, 0.76]] } }]);
    expect(reply.status).toBe(422);
    expect(reply.body.status.error).toContain(
      'Validation error in JSON body: [points[0].vector.?.data: all vectors must have the same dimension, found vector with dimension 3',
    );
  });

  it('a plain vector is taken as a one-row multivector on upsert and on the legacy search', async () => {
    await upsert(s, C, [{ id: 1, vector: { 'my-multivec': [row1, row1, row1] } }, { id: 2, vector: { 'my-multivec': row2 } }]);
    expect(await multi(1)).toEqual(asF32([row1, row1, row1]));
    expect(await multi(2)).toEqual(asF32([row2]));
    const search = (vector: number[]) => s.call('POST', `/collections/${C}/points/search`, { vector: { name: 'my-multivec', vector }, limit: 3 });
    const bad = await search([0.05, 0.61, 0.76]);
    expect(bad.status).toBe(400);
    expect(bad.body.status.error).toContain('Wrong input: Vector dimension error: expected dim: 4, got 3');
    await s.ok('POST', `/collections/${C}/points/delete?wait=true`, { points: [1, 2] });
    expect((await search(row1)).body.result).toEqual([]);
    await upsert(s, C, [row1, row2, row3].map((row, i) => ({ id: i + 1, vector: { 'my-multivec': [row, row, row] } })));
    expect((await search(row1)).body.result).toHaveLength(3);
  });

  it('Euclid max_sim: the score is the root of the summed squared distances to each query row\'s nearest row', async () => {
    await recreate(s, C, { vectors: { 'my-multivec': { size: 3, distance: 'Euclid', multivector_config: { comparator: 'max_sim' } } } });
    await upsert(s, C, [
      { id: 1, vector: { 'my-multivec': [[1, 2, 3], [3, 3, 3], [4, 5, 6]] } },
      { id: 2, vector: { 'my-multivec': [[3, 3, 3], [4, 2, 1]] } },
    ]);
    expect(await multi(1)).toEqual(asF32([[1, 2, 3], [3, 3, 3], [4, 5, 6]]));
    expect(await multi(2)).toEqual(asF32([[3, 3, 3], [4, 2, 1]]));
    const res = await s.ok('POST', `/collections/${C}/points/query`, { query: [[1, 2, 3], [3, 3, 3], [4, 5, 6]], using: 'my-multivec', limit: 10 });
    // Qdrant prints 4.358899 (sqrt(5 + 0 + 14), its float32 score printed short); Sextant's score is the float64
    expect(res.points.map((p: any) => p.id)).toEqual([1, 2]);
    expect(res.points[0].score).toBe(0);
    expect(res.points[1].score).toBeCloseTo(4.358899, 6);
  });

  it('uint8 multivectors keep the integer part of each component, capped at 255', async () => {
    await recreate(s, C, { vectors: { 'my-multivec': { size: 4, distance: 'Dot', datatype: 'uint8', multivector_config: { comparator: 'max_sim' } } } });
    await upsert(s, C, [
      { id: 1, vector: { 'my-multivec': [[1.05, 1.61, 1.76, 1.74], [2.05, 2.61, 2.76, 2.74], [3.05, 3.61, 3.76, 3.74]] } },
      { id: 2, vector: { 'my-multivec': [[3.19, 3.81, 3.75, 3.11], [2.19, 2.81, 2.75, 2.11], [1.19, 1.81, 1.75, 1.11]] } },
    ]);
    const page = await s.ok('POST', `/collections/${C}/points/scroll`, { limit: 10, with_vector: true });
    expect(page.points[0].vector['my-multivec']).toEqual([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]]);
    expect(await multi(2)).toEqual(asF32([[3, 3, 3, 3], [2, 2, 2, 2], [1, 1, 1, 1]]));
    await upsert(s, C, [{ id: 1, vector: { 'my-multivec': [[256.19, 1.81, 2.75, 3.11]] } }]);
    expect(await multi(1)).toEqual(asF32([[255, 1, 2, 3]]));
  });

  it('an unnamed multivector: bare rows in and out, the same validation, a plain vector as one row', async () => {
    await recreate(s, C, { vectors: { size: 4, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } });
    const bare = async (id: number) => asF32((await s.ok('GET', `/collections/${C}/points/${id}`)).vector);
    await upsert(s, C, [{ id: 1, vector: [row1, row1, row1] }, { id: 2, vector: row2 }]);
    expect(await bare(1)).toEqual(asF32([row1, row1, row1]));
    expect(await bare(2)).toEqual(asF32([row2]));
    let reply = await put([{ id: 3, vector: [] }]);
    expect(reply.body.status.error).toContain('Wrong input');
    for (const vector of [[[]], [row1, []], [row1, [0.05, 0.61, 0.76]]]) {
      reply = await put([{ id: 3, vector }]);
      expect(reply.status).toBe(422);
      expect(reply.body.status.error).toContain('Validation error');
    }
    const bad = await s.call('POST', `/collections/${C}/points/search`, { vector: [0.05, 0.61, 0.76], limit: 3 });
    expect(bad.body.status.error).toContain('Wrong input: Vector dimension error: expected dim: 4, got 3');
    const ok = await s.call('POST', `/collections/${C}/points/search`, { vector: row1, limit: 3 });
    expect(ids(ok.body.result)).toHaveLength(2);
  });
});
