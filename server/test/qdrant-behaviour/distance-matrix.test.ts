import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// The distance matrix over a sample that covers the whole collection, as Qdrant answers it (its
// test_distance_matrix.py): rows by id, each row's neighbours best first. Scores are compared to 6 decimals: Qdrant
// sums in float32 in its SIMD order and prints the shortest float32 digits, Sextant sums in float64.
describe('distance matrix as Qdrant answers it', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
  });
  afterAll(() => s.close());

  // [a, b, score]: the two nearest others of each of the eight points that have the default dense vector
  const pairs: Array<[number, number, number]> = [
    [1, 3, 1.4063001], [1, 4, 1.2531], [2, 1, 1.1550001], [2, 8, 1.1359], [3, 1, 1.4063001], [3, 4, 1.2218001],
    [4, 1, 1.2531], [4, 3, 1.2218001], [5, 3, 0.70239997], [5, 1, 0.6146], [6, 3, 0.6353], [6, 4, 0.5093],
    [7, 3, 1.0990001], [7, 1, 1.0349001], [8, 2, 1.1359], [8, 3, 1.0553],
  ];

  it('a vector name the collection lacks is a 400', async () => {
    expect((await s.call('POST', '/collections/c/points/search/matrix/pairs', { sample: 10, limit: 2, using: 'wrong_vector_name' })).status).toBe(400);
  });

  const close = (got: number[], want: number[]) => {
    expect(got).toHaveLength(want.length);
    got.forEach((score, i) => expect(score).toBeCloseTo(want[i]!, 6));
  };

  it('pairs', async () => {
    const res = await s.call('POST', '/collections/c/points/search/matrix/pairs', { sample: 10, limit: 2 });
    expect(res.status).toBe(200);
    const got: Array<{ a: number; b: number; score: number }> = res.body.result.pairs;
    expect(got.map(({ a, b }) => [a, b])).toEqual(pairs.map(([a, b]) => [a, b]));
    close(got.map((p) => p.score), pairs.map(([, , score]) => score));
  });

  it('offsets', async () => {
    const res = await s.call('POST', '/collections/c/points/search/matrix/offsets', { sample: 10, limit: 2 });
    expect(res.status).toBe(200);
    const order = [1, 2, 3, 4, 5, 6, 7, 8];
    const { scores, ...rest } = res.body.result;
    expect(rest).toEqual({ offsets_row: pairs.map(([a]) => order.indexOf(a)), offsets_col: pairs.map(([, b]) => order.indexOf(b)), ids: order });
    close(scores, pairs.map(([, , score]) => score));
  });
});
