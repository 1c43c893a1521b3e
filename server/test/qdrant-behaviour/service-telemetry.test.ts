import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// /metrics and /telemetry as Qdrant's REST test pins them: Prometheus text with app_info and collections_total,
// per-endpoint response counters keyed as actix spells the route ("PUT /collections/{name}/points"), collections
// listed from details_level 1. (The exact key sets per level in Qdrant's test are another version's: v1.19's
// schema has more, so they are not checked here.)
describe('metrics and telemetry', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'service');
  });
  afterAll(() => s.close());

  it('serves Prometheus metrics with app_info and collections_total', async () => {
    const r = await s.call('GET', '/metrics');
    expect(r.status).toBe(200);
    // Sextant names itself in app_info (name="sextant"), where Qdrant's test expects name="qdrant"
    expect(r.body).toMatch(/# HELP app_info information about /);
    expect(r.body).toContain('# TYPE app_info gauge');
    expect(r.body).toMatch(/app_info\{name="\w+",version="/);
    expect(r.body).toContain('collections_total ');
    expect(r.body).toContain('endpoint="/collections/{name}/points"');
  });

  it.each([undefined, 0, 1, 2, 3, 10])('telemetry at details_level %s counts the upsert and shows its level of keys', async (level) => {
    const result = await s.ok('GET', `/telemetry${level === undefined ? '' : `?details_level=${level}`}`);
    expect(result.collections.number_of_collections).toBeGreaterThanOrEqual(1);
    const endpoint = result.requests.rest.responses['PUT /collections/{name}/points'];
    expect(endpoint['200'].count).toBeGreaterThan(0);
    expect(endpoint['200']).toHaveProperty('avg_duration_micros');
    if (level === undefined || level === 0) return;
    expect(result.collections.collections.length).toBeGreaterThanOrEqual(1);
    const last = new Date(endpoint['200'].last_responded);
    expect(last.toISOString().slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
  });
});
