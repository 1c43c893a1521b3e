import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';

// The headers that let the demo be cross-origin isolated (SharedArrayBuffer for the browser SDK's search workers,
// issue 9) and let isolated pages of any origin load the SDK and run its workers.
describe('cross-origin isolation headers on /demo/ and /sdk/', () => {
  let app: FastifyInstance;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sextant-static-'));
    await mkdir(join(dir, 'sdk'));
    await mkdir(join(dir, 'demo'));
    await writeFile(join(dir, 'sdk', 'sextant-search-worker.js'), 'export {};');
    await writeFile(join(dir, 'demo', 'index.html'), '<!doctype html>');
    app = await buildRestApp({ client: await createEmbeddedClient(), sdkDir: join(dir, 'sdk'), demoDir: join(dir, 'demo') });
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('isolates the demo pages', async () => {
    const page = await app.inject({ method: 'GET', url: '/demo/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
  });

  it('lets isolated pages of any origin load the SDK and run its workers', async () => {
    const script = await app.inject({ method: 'GET', url: '/sdk/sextant-search-worker.js', headers: { origin: 'http://elsewhere.test' } });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(script.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(script.headers['cross-origin-opener-policy']).toBeUndefined();
  });

  it('sends no isolation headers on the API', async () => {
    const api = await app.inject({ method: 'GET', url: '/collections' });
    expect(api.statusCode).toBe(200);
    expect(api.headers['cross-origin-embedder-policy']).toBeUndefined();
    expect(api.headers['cross-origin-opener-policy']).toBeUndefined();
  });
});
