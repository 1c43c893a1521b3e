import { request } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import type { BackPressure } from '../src/rest/back-pressure.js';
import type { DirectQueries } from '../src/rest/direct-queries.js';

// direct-queries.ts answers plain points/query and points/search beside fastify. Its promise: whatever it answers,
// fastify's route would have answered the same bytes. Each request below goes once as the direct path takes it
// (`content-type: application/json`) and once with a content type only fastify's path takes (the same JSON parser
// reads both), and the two answers must agree in status, every header but Date, and body (`time` aside).
const DIM = 4;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(port: number, path: string, body: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer with its clock readings blanked: `time` and the Date header. */
function comparable(raw: Raw): { status: number; headers: [string, unknown][]; body: unknown } {
  const headers = Object.entries(raw.headers).filter(([name]) => name !== 'date' && name !== 'content-length');
  const text = (raw.headers['content-encoding'] === 'gzip' ? gunzipSync(raw.body) : raw.body).toString('utf8');
  // `time` has as many digits as its value needs, so the length is compared with it blanked.
  const blanked = text.replace(/"time":[0-9.e-]+/, '"time":0');
  return { status: raw.status, headers, body: blanked };
}

describe('REST plain queries answered beside fastify', () => {
  let app: FastifyInstance;
  let port: number;
  const direct = () => (app as unknown as { sextantDirectQueries: DirectQueries }).sextantDirectQueries.served;

  beforeAll(async () => {
    const client = await createEmbeddedClient();
    await client.createCollection('items', { vectors: { size: DIM, distance: 'Dot' } });
    await client.upsert('items', {
      wait: true,
      points: Array.from({ length: 40 }, (_, i) => ({ id: i + 1, vector: [i * 0.1, 1 - i * 0.01, 0.5, (i % 7) * 0.3], payload: { text: 'x'.repeat(60), i } })),
    });
    app = await buildRestApp({ client });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  const cases: [string, string, string, Record<string, string>?][] = [
    ['a query', '/collections/items/points/query', JSON.stringify({ query: [0.1, 0.2, 0.3, 0.4], limit: 3 })],
    ['a legacy search', '/collections/items/points/search', JSON.stringify({ vector: [0.1, 0.2, 0.3, 0.4], limit: 3 })],
    ['a query with payloads, gzipped (over 1 KB)', '/collections/items/points/query', JSON.stringify({ query: [1, 0, 0, 0], limit: 20, with_payload: true }), { 'accept-encoding': 'gzip, deflate' }],
    ['a small answer to a gzip-accepting client', '/collections/items/points/query', JSON.stringify({ query: [1, 0, 0, 0], limit: 1 }), { 'accept-encoding': 'gzip' }],
    ['a CORS request', '/collections/items/points/query', JSON.stringify({ query: [1, 0, 0, 0], limit: 2 }), { origin: 'http://example.test' }],
    ['malformed JSON', '/collections/items/points/query', '{"query": [1, 0,'],
    ['a body the schema refuses', '/collections/items/points/query', JSON.stringify({ query: [1, 0, 0, 0], limit: 0 })],
    ['a search without a vector', '/collections/items/points/search', JSON.stringify({ limit: 3 })],
    ['a vector of the wrong size', '/collections/items/points/query', JSON.stringify({ query: [1, 0], limit: 3 })],
    ['a missing collection', '/collections/nothing/points/query', JSON.stringify({ query: [1, 0, 0, 0] })],
    ['a JSON null body', '/collections/items/points/query', 'null'],
    ['a non-finite number', '/collections/items/points/query', '{"query": [1e400, 0, 0, 0]}'],
  ];

  it.each(cases)('answers %s as fastify does', async (_name, path, body, extra) => {
    const before = direct();
    const fast = await send(port, path, body, { 'content-type': 'application/json', ...extra });
    expect(direct()).toBe(before + 1);
    const routed = await send(port, path, body, { 'content-type': 'application/json; charset=utf-8', ...extra });
    expect(direct()).toBe(before + 1);
    expect(comparable(fast)).toEqual(comparable(routed));
    expect(fast.headers['content-length']).toBe(String(fast.body.length));
  });

  it('leaves query strings, other names and encodings to fastify', async () => {
    const before = direct();
    const body = JSON.stringify({ query: [1, 0, 0, 0], limit: 1 });
    for (const path of ['/collections/items/points/query?timeout=5', '/collections/it%65ms/points/query', '/collections/items/points/query/', '/collections/items/points/scroll']) {
      const raw = await send(port, path, body, { 'content-type': 'application/json' });
      expect(raw.status).toBeLessThan(500);
    }
    expect(direct()).toBe(before);
  });

  it('holds a back-pressure slot while it reads, and gives it back when the client hangs up mid-body', async () => {
    const gate = (app as unknown as { sextantBackPressure: BackPressure }).sextantBackPressure;
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(done()).toBe(true);
    };
    const before = direct();
    const socket = connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    // 1. Headers and part of the body: the direct path takes the request and its slot.
    socket.write('POST /collections/items/points/query HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"query":');
    await until(() => direct() === before + 1 && gate.inFlight === 1);
    // 2. The client goes away: the slot is free again, and nothing was counted as answered.
    socket.destroy();
    await until(() => gate.inFlight === 0);
  });

  it('counts its answers where fastify counts them', async () => {
    const telemetry = async () => {
      const res = await app.inject({ method: 'GET', url: '/telemetry?details_level=10' });
      const responses = res.json().result.requests.rest.responses as Record<string, Record<string, { count: number }>>;
      return responses['POST /collections/{name}/points/query'] ?? {};
    };
    const before = await telemetry();
    await send(port, '/collections/items/points/query', JSON.stringify({ query: [1, 0, 0, 0], limit: 1 }), { 'content-type': 'application/json' });
    await send(port, '/collections/items/points/query', JSON.stringify({ query: [1, 0, 0, 0], limit: 1 }), { 'content-type': 'application/json; charset=utf-8' });
    await send(port, '/collections/items/points/query', '{', { 'content-type': 'application/json' });
    const after = await telemetry();
    expect((after['200']?.count ?? 0) - (before['200']?.count ?? 0)).toBe(2);
    expect((after['400']?.count ?? 0) - (before['400']?.count ?? 0)).toBe(1);
  });

  it('serves the official REST client of an open server, with the engine\'s answers and its errors', async () => {
    const qdrant = new QdrantClient({ url: `http://127.0.0.1:${port}`, checkCompatibility: false });
    const engine = await createEmbeddedClient();
    await engine.createCollection('items', { vectors: { size: DIM, distance: 'Dot' } });
    await engine.upsert('items', {
      wait: true,
      points: Array.from({ length: 40 }, (_, i) => ({ id: i + 1, vector: [i * 0.1, 1 - i * 0.01, 0.5, (i % 7) * 0.3], payload: { text: 'x'.repeat(60), i } })),
    });
    const before = direct();
    const query = { query: [0.3, 0.2, 0.1, 0.9], limit: 5, with_payload: ['i'] };
    const remote = await qdrant.query('items', query);
    expect(remote).toEqual(JSON.parse(JSON.stringify(await engine.query('items', query))));
    const filtered = { query: [0.3, 0.2, 0.1, 0.9], limit: 3, filter: { must: [{ key: 'i', range: { gte: 10 } }] }, with_vector: true };
    expect(await qdrant.query('items', filtered)).toEqual(JSON.parse(JSON.stringify(await engine.query('items', filtered))));
    await expect(qdrant.query('missing', query)).rejects.toMatchObject({ status: 404 });
    await expect(qdrant.query('items', { query: [1, 2], limit: 1 })).rejects.toMatchObject({ status: 400 });
    // All four went the direct way (the client sends `content-type: application/json`).
    expect(direct() - before).toBe(4);
  });
});
