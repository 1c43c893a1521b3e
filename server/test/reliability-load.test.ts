import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import type { BackPressure } from '../src/rest/back-pressure.js';
import { FileStorage } from '../src/storage/file-storage.js';
import { Rng } from './reliability/hostile-values.js';

/**
 * Promise: under load the server slows down or says 429, it never falls over. A burst past the in-flight limit gets
 * clean 429s (and every acknowledged write is kept); a client that hangs up mid-request gives its slot back; a soak
 * of concurrent reads, writes, payload edits and sync status calls over HTTP runs without one error and with heap
 * use that levels off. SEXTANT_SOAK_SECONDS runs the soak longer (default 15).
 */
const SOAK_SECONDS = Number(process.env['SEXTANT_SOAK_SECONDS'] ?? 15);
const DIM = 32;

function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

const pressureOf = (app: FastifyInstance) => (app as unknown as { sextantBackPressure: BackPressure }).sextantBackPressure;

function vector(rng: Rng): number[] {
  return Array.from({ length: DIM }, () => rng.next() * 2 - 1);
}

describe('back-pressure', () => {
  let client: EmbeddedClient;
  let app: FastifyInstance;
  beforeAll(async () => {
    client = await createEmbeddedClient();
    await client.createCollection('c', { vectors: { size: DIM, distance: 'Cosine' } });
    app = await buildRestApp({ client, maxInFlight: 4 });
  });
  afterAll(async () => {
    await app.close();
    await client.close();
  });

  it('answers a burst past the limit with 429 and keeps every acknowledged write', async () => {
    const rng = new Rng(1);
    const batches = Array.from({ length: 60 }, (_, b) => Array.from({ length: 200 }, (_, i) => ({ id: b * 200 + i, vector: vector(rng) })));
    const responses = await Promise.all(
      batches.map((points) => app.inject({ method: 'PUT', url: '/collections/c/points?wait=true', payload: { points } })),
    );
    const codes = responses.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(4);
    expect(codes.every((c) => c === 200 || c === 429)).toBe(true);
    for (const response of responses.filter((r) => r.statusCode === 429)) {
      expect(response.headers['retry-after']).toBe('1');
      expect(response.json().status.error).toMatch(/^Too many requests/);
    }
    const acknowledged = batches.filter((_, i) => codes[i] === 200).flat().map((p) => p.id);
    expect((await client.count('c', { exact: true })).count).toBe(acknowledged.length);
    expect(pressureOf(app).inFlight).toBe(0);
    // Health probes pass even when the server is full.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/collections/c/points/count', payload: {} })).statusCode).toBe(200);
  });

  it('gives the slot back when a client hangs up mid-request', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    for (let i = 0; i < 8; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          // Promise a large body, send a little of it, then go away.
          socket.write('PUT /collections/c/points?wait=true HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"points":[');
          setTimeout(() => socket.destroy(), 30);
        });
        socket.on('close', () => resolve());
      });
    }
    const deadline = Date.now() + 2000;
    while (pressureOf(app).inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pressureOf(app).inFlight).toBe(0);
    const after = await fetch(`http://127.0.0.1:${port}/collections/c/points/count`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(after.status).toBe(200);
  });
});

describe('soak', () => {
  let dir: string;
  let client: EmbeddedClient;
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sextant-soak-'));
    client = await createEmbeddedClient({ storage: new FileStorage(dir) });
    await client.createCollection('soak', { vectors: { size: DIM, distance: 'Cosine' } });
    await client.createPayloadIndex('soak', { field_name: 'group', field_schema: 'integer', wait: true });
    app = await buildRestApp({ client, maxInFlight: 64 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`serves concurrent reads and writes for ${SOAK_SECONDS} s without an error, at steady memory`, async () => {
    const stopAt = Date.now() + SOAK_SECONDS * 1000;
    const failures: string[] = [];
    let requests = 0;
    const send = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(base + path, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await response.text();
      requests++;
      if (response.status !== 200 && failures.length < 5) failures.push(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    };
    // Ids stay within a fixed range, so the data set stops growing and memory must level off with it.
    const writer = async (seed: number) => {
      const rng = new Rng(seed);
      while (Date.now() < stopAt) {
        const points = Array.from({ length: 20 }, () => ({ id: rng.int(4000), vector: vector(rng), payload: { group: rng.int(10), text: 'x'.repeat(rng.int(200)) } }));
        await send('PUT', '/collections/soak/points?wait=true', { points });
        if (rng.chance(0.3)) await send('POST', '/collections/soak/points/payload?wait=true', { payload: { touched: rng.int(100) }, filter: { must: [{ key: 'group', match: { value: rng.int(10) } }] } });
        if (rng.chance(0.1)) await send('POST', '/collections/soak/points/delete?wait=true', { points: [rng.int(4000)] });
      }
    };
    const reader = async (seed: number) => {
      const rng = new Rng(seed);
      while (Date.now() < stopAt) {
        await send('POST', '/collections/soak/points/query', { query: vector(rng), limit: 10, filter: { must: [{ key: 'group', match: { value: rng.int(10) } }] } });
        await send('POST', '/collections/soak/points/scroll', { limit: 50, with_payload: true });
        await send('POST', '/collections/soak/points/count', { exact: true });
        if (rng.chance(0.2)) await send('GET', '/collections/soak/sync/status');
      }
    };
    const samples: number[] = [];
    const sampler = (async () => {
      while (Date.now() < stopAt) {
        await new Promise((r) => setTimeout(r, 1000));
        samples.push(heapAfterGc());
      }
    })();
    await Promise.all([writer(1), writer(2), writer(3), reader(4), reader(5), reader(6), sampler]);

    expect(failures).toEqual([]);
    expect(requests).toBeGreaterThan(SOAK_SECONDS * 20);
    expect(pressureOf(app).inFlight).toBe(0);
    // Steady: after the first third (the data set filling up), heap grows by less than 48 MB to the end.
    const settled = samples.slice(Math.floor(samples.length / 3));
    expect(Math.max(...settled) - settled[0]!, `heap samples (MB): ${samples.map((s) => Math.round(s / 2 ** 20)).join(' ')}`).toBeLessThan(48 * 2 ** 20);
  }, (SOAK_SECONDS + 60) * 1000);
});
