import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';

// A standalone node refuses cluster changes with 405 naming standalone mode, as Qdrant does (its test_cluster.py,
// qdrant/qdrant#9421: not a 500).
describe('cluster calls on a standalone node as Qdrant answers them', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it('recover and remove-peer are 405 in standalone mode', async () => {
    for (const [method, path] of [['POST', '/cluster/recover'], ['DELETE', '/cluster/peer/1']] as const) {
      const res = await s.call(method, path);
      expect(res.status).toBe(405);
      expect(res.body.status.error).toContain('standalone mode');
    }
  });
});
