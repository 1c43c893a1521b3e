import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection, recreate } from './qdrant-collections.js';

// Qdrant's `memory` placement parameters (vectors, HNSW, quantization, sparse index, payload, field indexes) are
// echoed back in the collection info, absent when not given, mutable by PATCH, and `pinned` is refused (422) where
// Qdrant has no heap variant (dense vectors, payload); and GET /optimizations of a small idle collection lists
// nothing running, with `completed` only when asked for.
const C = 'memory_placement';

describe('memory placement and the optimizations report behave as in Qdrant', () => {
  let s: Server;
  const params = async () => (await s.ok('GET', `/collections/${C}`)).config.params;

  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(() => s.call('DELETE', `/collections/${C}`));
  afterAll(() => s.close());

  it('every memory parameter given at creation is echoed back, the field index one too', async () => {
    await s.ok('PUT', `/collections/${C}`, {
      vectors: { size: 4, distance: 'Dot', memory: 'cached', hnsw_config: { memory: 'cold' }, quantization_config: { scalar: { type: 'int8', memory: 'pinned' } } },
      sparse_vectors: { sparse: { index: { memory: 'cold' } } },
      payload: { memory: 'cached' },
    });
    const p = await params();
    expect(p.vectors.memory).toBe('cached');
    expect(p.vectors.hnsw_config.memory).toBe('cold');
    expect(p.vectors.quantization_config.scalar.memory).toBe('pinned');
    expect(p.sparse_vectors.sparse.index.memory).toBe('cold');
    expect(p.payload.memory).toBe('cached');
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'keyword_field', field_schema: { type: 'keyword', memory: 'cold' } });
    expect((await s.ok('GET', `/collections/${C}`)).payload_schema.keyword_field.params.memory).toBe('cold');
  });

  it('a collection created without them shows none', async () => {
    await s.ok('PUT', `/collections/${C}`, { vectors: { size: 4, distance: 'Dot', on_disk: true } });
    const p = await params();
    expect(p.vectors).not.toHaveProperty('memory');
    expect(p).not.toHaveProperty('payload');
  });

  it('pinned dense vectors or payload are refused with 422 naming pinned, at creation and by PATCH', async () => {
    for (const body of [{ vectors: { size: 4, distance: 'Dot', memory: 'pinned' } }, { vectors: { size: 4, distance: 'Dot' }, payload: { memory: 'pinned' } }]) {
      const reply = await s.call('PUT', `/collections/${C}`, body);
      expect(reply.status, JSON.stringify(reply.body)).toBe(422);
      expect(reply.body.status.error).toContain('pinned');
    }
    await recreate(s, C, { vectors: { size: 4, distance: 'Dot' } });
    await s.ok('PATCH', `/collections/${C}`, { vectors: { '': { memory: 'cold' } }, params: { payload: { memory: 'cached' } } });
    const p = await params();
    expect(p.vectors.memory).toBe('cold');
    expect(p.payload.memory).toBe('cached');
    const reply = await s.call('PATCH', `/collections/${C}`, { vectors: { '': { memory: 'pinned' } } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(422);
    expect(reply.body.status.error).toContain('pinned');
  });

  it('optimizations of a small idle collection: nothing running; completed only when asked for (1.19 shape)', async () => {
    // Qdrant's optimizations test reads a newer shape (`ongoing`, `?completed=true`); 1.19 says `running` and
    // `?with=completed`, and the same facts hold in it.
    await basicCollection(s, C);
    let result = await s.ok('GET', `/collections/${C}/optimizations`);
    expect(result.running).toEqual([]);
    expect(result.completed ?? null).toBeNull();
    result = await s.ok('GET', `/collections/${C}/optimizations?with=completed`);
    expect(result.running).toEqual([]);
    expect(Array.isArray(result.completed)).toBe(true);
  });
});
