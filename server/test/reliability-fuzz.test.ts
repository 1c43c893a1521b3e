import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { specOperations } from '../src/rest/spec/load-spec.js';
import { fuzzRequest } from './reliability/fuzz-requests.js';
import { deepFilter, deepJson, Rng } from './reliability/hostile-values.js';
import { dataChecksum, SCRATCH, seedCollections } from './reliability/seeded-data.js';

/**
 * Promise: hostile input never hurts the server. Thousands of seeded malformed, oversized, deeply nested and
 * type-confused requests over every REST route; every answer is a success or a clean 4xx in Qdrant's error body,
 * nothing throws out of the app, memory stays bounded and the protected data is byte-identical afterwards.
 *
 * SEXTANT_FUZZ_ITERATIONS runs longer (default keeps CI near 30 s); SEXTANT_FUZZ_SEED replays one run.
 */
const ITERATIONS = Number(process.env['SEXTANT_FUZZ_ITERATIONS'] ?? 5000);
const SEED = Number(process.env['SEXTANT_FUZZ_SEED'] ?? 20261125);
/** Set to check the data after every request, to find the request that changed it (slow). */
const CHECK_EACH = process.env['SEXTANT_FUZZ_CHECK_EACH'] === '1';
/** Heap growth allowed over the whole run, after a full GC (the scratch collection may grow a little). */
const HEAP_BOUND = 96 * 1024 * 1024;

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * A clean refusal: 4xx with `{status: {error}, time}`; a success is any 2xx. 501 is the catalogue's deliberate
 * `not_implemented` (a call this engine does not offer), never a crash; any other 5xx fails.
 */
function expectClean(response: LightMyRequestResponse, label: string): void {
  const status = response.statusCode;
  expect((status >= 200 && status < 500) || status === 501, `${status} ${response.body.slice(0, 300)} <- ${label}`).toBe(true);
  if (status >= 400) {
    const body = JSON.parse(response.body) as { status?: { error?: unknown }; time?: unknown };
    expect(typeof body.status?.error, `${label}: ${response.body.slice(0, 200)}`).toBe('string');
    expect(typeof body.time).toBe('number');
  }
}

describe('hostile REST input', () => {
  let client: EmbeddedClient;
  let app: FastifyInstance;
  let before: string;

  beforeAll(async () => {
    client = await createEmbeddedClient();
    await seedCollections(client);
    app = await buildRestApp({ client });
    before = await dataChecksum(client);
  });
  afterAll(async () => {
    await app.close();
    await client.close();
  });

  it(`answers ${ITERATIONS} fuzzed requests over every route cleanly, leaving the data unchanged`, async () => {
    const rng = new Rng(SEED);
    const operations = specOperations();
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const statuses = new Map<number, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const op = operations[i % operations.length]!;
      const { request, label } = fuzzRequest(rng, op);
      const response = await app.inject(request);
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      expectClean(response, `#${i} seed ${SEED}: ${label}`);
      if (CHECK_EACH) {
        const now = await dataChecksum(client).catch((error: Error) => error.message);
        expect(now, `#${i} changed the data: ${label} -> ${response.body.slice(0, 200)}`).toBe(before);
      }
      // Scratch takes the valid writes, including deletes of itself: bring it back so later writes reach the engine.
      if (i % 200 === 199 && !(await client.collectionExists(SCRATCH)).exists) {
        await client.createCollection(SCRATCH, { vectors: { size: 4, distance: 'Cosine' } });
      }
    }
    // Both kinds of answers must occur, or the generator only exercised one side of the boundary.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
    expect(await dataChecksum(client)).toBe(before);
    collectGarbage();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(HEAP_BOUND);
  }, 120_000);

  it('refuses a 100 MB body and a gzip bomb with 413, without reading them whole', async () => {
    const huge = Buffer.alloc(100 * 1024 * 1024, 0x20);
    huge.write('{"points":[', 0);
    const response = await app.inject({ method: 'PUT', url: '/collections/docs/points?wait=true', payload: huge, headers: { 'content-type': 'application/json' } });
    expectClean(response, '100 MB body');
    expect(response.statusCode).toBe(413);

    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const inflated = await app.inject({
      method: 'POST',
      url: '/collections/docs/points/scroll',
      payload: bomb,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expectClean(inflated, 'gzip bomb');
    expect(inflated.statusCode).toBe(413);
    expect(await dataChecksum(client)).toBe(before);
  }, 60_000);

  it('refuses nesting deeper than Qdrant parses (serde_json stops at 128 levels) with 400', async () => {
    for (const text of [deepJson(1000, 'array'), deepJson(100_000, 'object'), JSON.stringify({ filter: deepFilter(1000) })]) {
      const response = await app.inject({ method: 'POST', url: '/collections/docs/points/scroll', payload: text, headers: { 'content-type': 'application/json' } });
      expectClean(response, text.slice(0, 40));
      expect(response.statusCode).toBe(400);
      expect(response.json().status.error).toMatch(/recursion limit exceeded/);
    }
    // 60 levels of filter (each level is two JSON containers) is deep but legal, and answers.
    const legal = await app.inject({ method: 'POST', url: '/collections/docs/points/count', payload: { filter: deepFilter(60) } as object });
    expect(legal.statusCode, legal.body).toBe(200);
  });

  it('refuses invalid UTF-8 and numbers JSON cannot hold, instead of storing replacement characters or Infinity', async () => {
    const good = '{"points":[{"id":1,"vector":[0.1,0.2,0.3,0.4],"payload":{"name":"abc"}}]}';
    const bad = Buffer.concat([Buffer.from(good.slice(0, 60)), Buffer.from([0xff, 0xfe]), Buffer.from(good.slice(60))]);
    const utf8 = await app.inject({ method: 'PUT', url: '/collections/docs/points?wait=true', payload: bad, headers: { 'content-type': 'application/json' } });
    expectClean(utf8, 'invalid utf-8');
    expect(utf8.statusCode).toBe(400);
    for (const token of ['1e400', '-1e400', 'NaN', 'Infinity']) {
      const response = await app.inject({
        method: 'PUT',
        url: '/collections/docs/points?wait=true',
        payload: good.replace('0.3', token),
        headers: { 'content-type': 'application/json' },
      });
      expectClean(response, token);
      expect(response.statusCode, token).toBe(400);
    }
    expect(await dataChecksum(client)).toBe(before);
  });
});
