import { gzipSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildRestApp } from '../src/rest/app.js';
import { specOperations } from '../src/rest/spec/load-spec.js';
import { call, expectError, expectResult, unreachableClient } from './rest/helpers.js';

describe('REST service endpoints and transport', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildRestApp({ client: unreachableClient });
  });
  afterAll(() => app.close());

  it('routes every operation of the API description, legacy ones included', () => {
    const ids = specOperations().map((op) => op.id);
    expect(ids).toHaveLength(77);
    for (const op of specOperations()) expect(app.hasRoute({ method: op.method, url: op.url }), op.id).toBe(true);
    expect(ids).toEqual(expect.arrayContaining(['search_points', 'recommend_batch_points', 'discover_points', 'query_points']));
  });

  it('answers GET / with a version the official 1.19 client accepts', async () => {
    const response = await call(app, 'GET', '/');
    expect(response.statusCode).toBe(200);
    const info = response.json() as { title: string; version: string };
    expect(info.version).toMatch(/^1\.19\./);
  });

  it('reports time as whole nanoseconds in seconds, as Qdrant prints it (0.000136304, not 0.00013630399997532368)', async () => {
    // The last is a malformed URL, answered outside any route.
    for (const [method, url] of [['GET', '/cluster'], ['POST', '/cluster/recover'], ['GET', '/issues'], ['GET', '/collections/%E0%A4%A/points/1']] as const) {
      const time = (await call(app, method, url)).json().time as number;
      expect(time).toBeGreaterThan(0);
      expect(Math.round(time * 1e9) / 1e9, `${url}: ${time}`).toBe(time);
    }
  });

  it('answers an engine failure, an Error or not, with the 500 envelope', async () => {
    const failing = await buildRestApp({
      client: {
        getCollections: () => Promise.reject('disk gone'), // eslint-disable-line prefer-promise-reject-errors
        collectionExists: () => Promise.reject(new Error('index torn')),
      } as never,
    });
    try {
      expect(expectError(await call(failing, 'GET', '/collections'), 500)).toBe('Service internal error: disk gone');
      expect(expectError(await call(failing, 'GET', '/collections/c/exists'), 500)).toBe('Service internal error: index torn');
    } finally {
      await failing.close();
    }
  });

  it('answers health probes in plain text', async () => {
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const response = await call(app, 'GET', path);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/plain');
    }
  });

  it('reports standalone cluster mode and refuses topology changes with 405', async () => {
    expect(expectResult(await call(app, 'GET', '/cluster'), 'cluster_status')).toEqual({ status: 'disabled' });
    expect(expectError(await call(app, 'POST', '/cluster/recover'), 405)).toContain('standalone');
    expectError(await call(app, 'DELETE', '/cluster/peer/7'), 405);
  });

  it('reports issues and quotas in Qdrant shapes', async () => {
    expect(expectResult(await call(app, 'GET', '/issues'), 'get_issues')).toEqual({ issues: [] });
    expect(expectResult(await call(app, 'DELETE', '/issues'), 'clear_issues')).toBe(true);
    expect(expectResult(await call(app, 'PUT', '/quotas', { enabled: true, max_resident_memory_percent: 90 }), 'update_quotas')).toBe(true);
    const quotas = expectResult(await call(app, 'GET', '/quotas'), 'get_quotas');
    expect(quotas.config).toMatchObject({ enabled: true, max_resident_memory_percent: 90 });
  });

  it('counts requests per endpoint in /metrics', async () => {
    await call(app, 'GET', '/cluster');
    await call(app, 'GET', '/cluster');
    const text = (await call(app, 'GET', '/metrics')).body;
    // The unreachable client refuses getCollections, so /metrics fails, but the counters it would print are kept.
    const fresh = await buildRestApp({ client: { getCollections: async () => ({ collections: [] }) } as never });
    await call(fresh, 'GET', '/cluster');
    const metrics = (await call(fresh, 'GET', '/metrics')).body;
    expect(metrics).toContain('rest_responses_total{method="GET",endpoint="/cluster",status="200"} 1');
    expect(metrics).toContain('rest_responses_duration_seconds_count{method="GET",endpoint="/cluster"} 1');
    expect(metrics).toContain('collections_total 0');
    expect(text).toContain('Service internal error');
    await fresh.close();
  });

  it('counts each route under its own method and pattern, and no path that matches none', async () => {
    const fresh = await buildRestApp({ client: { getCollections: async () => ({ collections: [] }) } as never });
    try {
      await call(fresh, 'GET', '/cluster');
      await call(fresh, 'HEAD', '/cluster');
      await call(fresh, 'POST', '/cluster/recover');
      await call(fresh, 'POST', '/cluster/recover');
      await call(fresh, 'GET', '/no/such/path');
      await call(fresh, 'OPTIONS', '/collections/c/points/query', undefined, { origin: 'http://a.example', 'access-control-request-method': 'POST' });
      await call(fresh, 'GET', '/collections/c%20d/points/7');
      const metrics = (await call(fresh, 'GET', '/metrics')).body;
      for (const line of [
        'rest_responses_total{method="GET",endpoint="/cluster",status="200"} 1',
        'rest_responses_total{method="HEAD",endpoint="/cluster",status="200"} 1',
        'rest_responses_total{method="POST",endpoint="/cluster/recover",status="405"} 2',
        'rest_responses_fail_total{method="POST",endpoint="/cluster/recover"} 2',
        'rest_responses_total{method="OPTIONS",endpoint="*",status="204"} 1',
        'rest_responses_duration_seconds_count{method="GET",endpoint="/collections/{name}/points/{id}"} 1',
      ]) {
        expect(metrics, metrics).toContain(line);
      }
      expect(metrics, metrics).not.toContain('/no/such/path');
      const telemetry = (await call(fresh, 'GET', '/telemetry?details_level=1')).json().result;
      const responses = telemetry.requests.rest.responses as Record<string, Record<string, { count: number; fail_count: number }>>;
      expect(responses['POST /cluster/recover']!['405']).toMatchObject({ count: 2, fail_count: 2 });
      expect(responses['GET /metrics']!['200']!.count).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('publishes its API description and documentation', async () => {
    const spec = (await call(app, 'GET', '/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain('/collections/{collection_name}/points/search');
    const docs = await call(app, 'GET', '/docs');
    expect(docs.headers['content-type']).toContain('text/html');
    expect(docs.body).toContain('/collections/{collection_name}/points/query');
  });

  it('allows browsers (CORS) and compresses large answers', async () => {
    const preflight = await call(app, 'OPTIONS', '/collections', undefined, { origin: 'http://app.test', 'access-control-request-method': 'PUT' });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://app.test');
    const docs = await call(app, 'GET', '/openapi.json', undefined, { 'accept-encoding': 'gzip' });
    expect(docs.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(docs.rawPayload).toString('utf8'))).toHaveProperty('paths');
  });

  it('reads gzip-encoded request bodies', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ limit: 0 })));
    const response = await app.inject({ method: 'POST', url: '/collections/c/points/scroll', payload: body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    // Decoded and validated: the 422 proves the body was read.
    expectError(response, 422);
  });
});

describe('REST api keys', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildRestApp({ client: unreachableClient, apiKey: 'secret', readOnlyApiKey: 'reader' });
  });
  afterAll(() => app.close());

  it('refuses requests without a key or with a wrong one', async () => {
    expectError(await call(app, 'GET', '/collections'), 401);
    expectError(await call(app, 'GET', '/collections', undefined, { 'api-key': 'wrong' }), 401);
    expectError(await call(app, 'GET', '/collections', undefined, { authorization: 'Bearer wrong' }), 401);
  });

  it('accepts the key in either header', async () => {
    expectResult(await call(app, 'GET', '/cluster', undefined, { 'api-key': 'secret' }), 'cluster_status');
    expectResult(await call(app, 'GET', '/cluster', undefined, { authorization: 'Bearer secret' }), 'cluster_status');
  });

  it('lets the read-only key read but not write', async () => {
    expectResult(await call(app, 'GET', '/cluster', undefined, { 'api-key': 'reader' }), 'cluster_status');
    expectError(await call(app, 'PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } }, { 'api-key': 'reader' }), 403);
    expectError(await call(app, 'DELETE', '/collections/c', undefined, { 'api-key': 'reader' }), 403);
  });

  it('keeps health and version probes open', async () => {
    expect((await call(app, 'GET', '/healthz')).statusCode).toBe(200);
    expect((await call(app, 'GET', '/')).statusCode).toBe(200);
  });
});
