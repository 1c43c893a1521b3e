import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { recreate, upsert } from './qdrant-collections.js';

// Qdrant's named-vector management (PUT / DELETE /collections/{c}/vectors/{name}): a vector deleted and created
// again with another size leaves the other vectors readable, points carry the new vector once written, and sizes
// outside 1..65536 are refused with 422 naming `size`.
const C = 'named_vectors';

describe('named vector create / delete behaves as in Qdrant', () => {
  let s: Server;

  beforeAll(async () => {
    s = await startServer();
    await recreate(s, C, { vectors: { vec_a: { size: 4, distance: 'Cosine' }, vec_b: { size: 8, distance: 'Cosine' } }, optimizers_config: { indexing_threshold: 1 } });
  });
  afterAll(() => s.close());

  it('delete a vector, create it again with another size: scroll keeps the others, new writes carry it', async () => {
    const points = Array.from({ length: 200 }, (_, i) => ({
      id: i,
      vector: { vec_a: [0, 0.01, 0.02, 0.03], vec_b: Array.from({ length: 8 }, (_, x) => ((i * x) % 53) / 100) },
      payload: { idx: i },
    }));
    await upsert(s, C, points);
    await s.ok('DELETE', `/collections/${C}/vectors/vec_a?wait=true`);
    await s.ok('PUT', `/collections/${C}/vectors/vec_a?wait=true`, { dense: { size: 6, distance: 'Dot' } });
    let page = await s.ok('POST', `/collections/${C}/points/scroll`, { limit: 10, with_vector: true });
    expect(page.points).toHaveLength(10);
    for (const p of page.points) {
      expect(p.vector.vec_b).toHaveLength(8);
      expect(p.vector.vec_a).toBeUndefined();
    }
    await upsert(s, C, Array.from({ length: 50 }, (_, i) => ({ id: i, vector: { vec_a: [1, 2, 3, 4, 5, 6].map((x) => x * (i + 1)), vec_b: points[i]!.vector.vec_b } })));
    page = await s.ok('POST', `/collections/${C}/points/scroll`, { limit: 200, with_vector: true });
    expect(page.points).toHaveLength(200);
    for (const p of page.points) {
      expect(p.vector.vec_b).toHaveLength(8);
      if (p.id < 50) expect(p.vector.vec_a).toHaveLength(6);
      else expect(p.vector.vec_a).toBeUndefined();
    }
    const info = await s.ok('GET', `/collections/${C}`);
    expect(info.config.params.vectors.vec_a).toMatchObject({ size: 6, distance: 'Dot' });
  });

  it('a size of 0 or above 65536 is refused with 422 naming size', async () => {
    for (const [name, size] of [['vec_zero', 0], ['vec_huge', 65537]] as const) {
      const reply = await s.call('PUT', `/collections/${C}/vectors/${name}?wait=true`, { dense: { size, distance: 'Cosine' } });
      expect(reply.status, JSON.stringify(reply.body)).toBe(422);
      expect(JSON.stringify(reply.body)).toContain('size');
    }
  });
});
