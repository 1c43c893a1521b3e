import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildRestApp } from '../src/rest/app.js';
import { call, expectError, unreachableClient } from './rest/helpers.js';

// Requests that break Qdrant's schema are refused at the boundary with Qdrant's status and wording: serde-level
// failures (malformed JSON, wrong type, unknown variant) are 400, validator failures (ranges) are 422.
describe('REST request validation', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildRestApp({ client: unreachableClient });
  });
  afterAll(() => app.close());

  it('answers malformed JSON with 400', async () => {
    const response = await app.inject({ method: 'PUT', url: '/collections/c/points', payload: '{"points": [', headers: { 'content-type': 'application/json' } });
    expect(expectError(response, 400)).toMatch(/^Format error in JSON body/);
  });

  it('answers a wrong type with 400 naming the field', async () => {
    const message = expectError(await call(app, 'PUT', '/collections/c/points', { points: [{ id: 1, vector: 'abc' }] }), 400);
    expect(message).toContain('points[0].vector');
  });

  it('refuses point ids that are neither unsigned integers nor UUIDs', async () => {
    expectError(await call(app, 'PUT', '/collections/c/points', { points: [{ id: -1, vector: [1] }] }), 400);
    expectError(await call(app, 'PUT', '/collections/c/points', { points: [{ id: 'not-a-uuid', vector: [1] }] }), 400);
    expectError(await call(app, 'GET', '/collections/c/points/abc'), 400);
  });

  it('answers an unknown enum variant with 400', async () => {
    const message = expectError(await call(app, 'PUT', '/collections/c', { vectors: { size: 4, distance: 'Cosin' } }), 400);
    expect(message).toContain('vectors.distance');
    expect(message).toContain('`Cosine`');
  });

  it('answers range violations with 422 in Qdrant wording', async () => {
    expect(expectError(await call(app, 'POST', '/collections/c/points/scroll', { limit: 0 }), 422)).toBe(
      'Validation error in JSON body: [limit: value 0 invalid, must be 1 or larger]',
    );
    expect(expectError(await call(app, 'PUT', '/collections/c', { vectors: { size: 0, distance: 'Dot' } }), 422)).toContain('vectors.size');
    expectError(await call(app, 'POST', '/collections/c/points/query/groups', { group_by: 'g', group_size: 0 }), 422);
  });

  it('checks query parameters', async () => {
    expect(expectError(await call(app, 'PUT', '/collections/c/points?wait=maybe', { points: [] }), 400)).toContain('wait');
    expect(expectError(await call(app, 'PUT', '/collections/c/points?ordering=fast', { points: [] }), 400)).toContain('ordering');
    expectError(await call(app, 'DELETE', '/collections/c?timeout=0'), 422);
  });

  it('refuses bodies that match no variant (upsert needs points or batch)', async () => {
    expectError(await call(app, 'PUT', '/collections/c/points', {}), 400);
    expectError(await call(app, 'PUT', '/collections/c/points', { batch: { ids: 'x' } }), 400);
  });

  it('refuses NaN written as a bare token (not JSON) and oversized bodies', async () => {
    const nan = await app.inject({ method: 'PUT', url: '/collections/c/points', payload: '{"points":[{"id":1,"vector":[NaN]}]}', headers: { 'content-type': 'application/json' } });
    expectError(nan, 400);
    const small = await buildRestApp({ client: unreachableClient, bodyLimit: 1024 });
    const big = await call(small, 'PUT', '/collections/c/points', { points: [{ id: 1, vector: new Array(1000).fill(0.5) }] });
    expectError(big, 413);
    await small.close();
  });

  it('answers unknown paths with the error envelope', async () => {
    expect(expectError(await call(app, 'GET', '/nowhere'), 404)).toContain('/nowhere');
  });
});
