import { describe, expect, it } from 'vitest';
import { createEmbeddedClient } from '@sextant/core';

describe('queries over named, sparse and multi vectors', () => {
  it('answers with the vector named by `using` (query) or by `{name, vector}` (legacy search)', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('m', {
      vectors: { img: { size: 2, distance: 'Euclid' }, txt: { size: 2, distance: 'Dot' }, late: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
      sparse_vectors: { bm25: { modifier: 'none' } },
    });
    await client.upsert('m', {
      points: [
        { id: 1, vector: { img: [0, 0], txt: [1, 0], late: [[1, 0]], bm25: { indices: [1, 2], values: [1, 1] } } },
        { id: 2, vector: { img: [5, 5], txt: [0, 1], late: [[0, 1], [1, 1]], bm25: { indices: [2], values: [3] } } },
        { id: 3, vector: { img: [1, 1], txt: [-1, 0], bm25: { indices: [7], values: [1] } } },
      ],
    });
    const img = await client.query('m', { query: [0.9, 0.9], using: 'img', limit: 3 });
    expect(img.points.map((p) => p.id)).toEqual([3, 1, 2]);
    expect(img.points[0]!.score).toBeCloseTo(Math.hypot(0.1, 0.1), 5);

    const txt = await client.search('m', { vector: { name: 'txt', vector: [0, 1] }, limit: 1 });
    expect(txt.map((p) => p.id)).toEqual([2]);

    // Sparse: only points sharing an index score; dot product of the overlap.
    const sparse = await client.query('m', { query: { indices: [2, 9], values: [2, 1] }, using: 'bm25' });
    expect(sparse.points.map((p) => [p.id, p.score])).toEqual([[2, 6], [1, 2]]);

    // Multi (max_sim): sum over query rows of the best match among the point's rows; point 3 has no `late`.
    const multi = await client.query('m', { query: [[1, 0], [0, 1]], using: 'late' });
    expect(multi.points.map((p) => [p.id, p.score])).toEqual([[2, 2], [1, 1]]);

    await expect(client.query('m', { query: [1, 0] })).rejects.toMatchObject({ status: 400, message: 'Wrong input: Not existing vector name error: ' });
    await expect(client.query('m', { query: [1, 0, 0], using: 'img' })).rejects.toMatchObject({
      message: 'Wrong input: Vector dimension error: expected dim: 2, got 3',
    });
  });

  it('keeps UUID and integer ids apart and scrolls integers first', async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('u', { vectors: { size: 1, distance: 'Dot' } });
    const uuid = 'b1a4e6a2-5f3c-4e5b-9c1d-2e3f4a5b6c7d';
    await client.upsert('u', { points: [{ id: uuid, vector: [1] }, { id: 10, vector: [2] }, { id: 2, vector: [3] }] });
    const page = await client.scroll('u', { limit: 2, with_payload: false });
    expect(page.points.map((p) => p.id)).toEqual([2, 10]);
    expect(page.next_page_offset).toBe(uuid);
    const next = await client.scroll('u', { offset: uuid.toUpperCase(), with_payload: false });
    expect(next.points.map((p) => p.id)).toEqual([uuid]);
  });
});
