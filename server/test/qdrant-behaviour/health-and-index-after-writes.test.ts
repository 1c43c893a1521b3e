import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { recreate } from './qdrant-collections.js';

// Two small Qdrant facts: the Kubernetes probes answer Qdrant's texts, and a keyword index created with wait=true
// right after an unawaited upsert covers every point (Qdrant's issue 9373). (`init_from`, which Qdrant's
// init_from_collection test uses, is no longer in the 1.19 API: an unknown field, ignored, here as there.)
describe('health probes and indexing right after writes behave as in Qdrant', () => {
  let s: Server;

  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('health probes answer with Qdrant\'s plain texts', async () => {
    for (const [path, text] of [['/healthz', 'healthz check passed'], ['/livez', 'healthz check passed'], ['/readyz', 'all shards are ready']]) {
      const res = await fetch(s.url + path!);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(text);
    }
  });

  it('an index created with wait=true after an unawaited upsert covers every point', async () => {
    const C = 'index_after_writes';
    await recreate(s, C, { vectors: { size: 8, distance: 'Cosine' }, optimizers_config: { indexing_threshold: 100 } });
    const points = Array.from({ length: 2000 }, (_, i) => ({
      id: i + 1,
      vector: Array.from({ length: 8 }, (_, d) => ((i * 7 + d * 13) % 97) / 97 + 0.01),
      payload: { category_id: (i + 1) % 2 === 0 ? 'cat_a' : 'cat_b' },
    }));
    const reply = await s.call('PUT', `/collections/${C}/points?wait=false`, { points });
    expect(reply.status).toBe(200);
    await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name: 'category_id', field_schema: 'keyword' });
    const found = await s.ok('POST', `/collections/${C}/points/scroll`, {
      with_vector: false,
      filter: { must: [{ key: 'category_id', match: { value: 'cat_a' } }] },
      limit: 2000,
    });
    expect(found.points).toHaveLength(1000);
  });
});
