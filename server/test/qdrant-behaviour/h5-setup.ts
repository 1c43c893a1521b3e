import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../../src/rest/app.js';

/** A real REST server on a free local port, spoken to with raw HTTP so status codes and bodies are exact. */
export interface Server {
  app: FastifyInstance;
  url: string;
  /** Sends JSON (or nothing) and returns the status with the parsed body. */
  http(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startServer(options: Omit<Parameters<typeof buildRestApp>[0], 'client'> = {}): Promise<Server> {
  const app = await buildRestApp({ client: await createEmbeddedClient(), ...options });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const http = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(url + path, {
      method,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!(response.headers.get('content-type') ?? '').match(/json|text/)) return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
    const text = await response.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
    return { status: response.status, body: parsed as any };
  };
  return { app, url, http, close: () => app.close() };
}

/** Asserts a 200 answer and hands back its `result`. */
export async function ok(pending: Promise<{ status: number; body: any }>): Promise<any> {
  const { status, body } = await pending;
  if (status !== 200) throw new Error(`expected 200, got ${status}: ${JSON.stringify(body)}`);
  return body.result;
}

/**
 * The small collection most of Qdrant's REST tests start from: 4-d Dot vectors, one sparse vector `sparse-text`,
 * ids 1-8 dense with city/price payloads (including null, empty and missing), 9-10 sparse only.
 */
export async function basicCollection(server: Server, name: string): Promise<void> {
  await server.http('DELETE', `/collections/${name}`);
  await ok(server.http('PUT', `/collections/${name}`, { vectors: { size: 4, distance: 'Dot' }, sparse_vectors: { 'sparse-text': {} } }));
  await ok(server.http('PUT', `/collections/${name}/points?wait=true`, { points: BASIC_POINTS }));
}

export const BASIC_POINTS = [
  { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin', price: 10.0 } },
  { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'], price: 11.0 } },
  { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: ['Berlin', 'Moscow'], price: 9.5 } },
  { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: ['London', 'Moscow'], price: 9 } },
  { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { count: 0 } },
  { id: 6, vector: [0.35, 0.08, 0.11, 0.44] },
  { id: 7, vector: [0.25, 0.98, 0.14, 0.43], payload: { city: null, price: null } },
  { id: 8, vector: [0.79, 0.53, 0.72, 0.15], payload: { city: [], price: [] } },
  { id: 9, vector: { 'sparse-text': { indices: [66, 12], values: [0.5, 0.5] } } },
  { id: 10, vector: { 'sparse-text': { indices: [1, 2, 3], values: [0.1, 0.2, 0.3] } }, payload: { city: [], price: [] } },
];

/**
 * The many-vector collection of Qdrant's query tests: dense-image (4, Dot), dense-text (8, Cosine), dense-multi
 * (4, Dot, max_sim), sparse-image and sparse-text; each point carries only some of them.
 */
export async function fullCollection(server: Server, name: string): Promise<void> {
  await server.http('DELETE', `/collections/${name}`);
  await ok(server.http('PUT', `/collections/${name}`, {
    vectors: {
      'dense-image': { size: 4, distance: 'Dot' },
      'dense-text': { size: 8, distance: 'Cosine' },
      'dense-multi': { size: 4, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
    },
    sparse_vectors: { 'sparse-image': {}, 'sparse-text': {} },
  }));
  const twice = (v: number[]) => [...v, ...v];
  const multi = (...starts: number[]) => starts.map((s) => [s + 0.05, s + 0.61, s + 0.76, s + 0.74]);
  const sparse = (image: number, text: number) => ({
    'sparse-image': { indices: [1, 2, 4, 8], values: [image, image, image, image] },
    'sparse-text': { indices: [66, 12], values: [text, text] },
  });
  const img = [[0.05, 0.61, 0.76, 0.74], [0.19, 0.81, 0.75, 0.11], [0.36, 0.55, 0.47, 0.94], [0.18, 0.01, 0.85, 0.8], [0.24, 0.18, 0.22, 0.44], [0.35, 0.08, 0.11, 0.44]];
  const dense = (i: number) => ({ 'dense-image': img[i - 1]!, 'dense-text': twice(img[i - 1]!) });
  await ok(server.http('PUT', `/collections/${name}/points?wait=true`, { points: [
    { id: 1, vector: { ...dense(1), 'dense-multi': multi(1, 2, 3), ...sparse(1.5, 1.5) }, payload: { city: 'Berlin' } },
    { id: 2, vector: { ...dense(2), 'dense-multi': multi(2, 3, 4), ...sparse(2.5, 2.5) }, payload: { city: ['Berlin', 'London'] } },
    { id: 3, vector: { ...dense(3), ...sparse(3.5, 3.5) }, payload: { city: ['Berlin', 'Moscow'] } },
    { id: 4, vector: dense(4), payload: { city: ['London', 'Moscow'] } },
    { id: 5, vector: { ...dense(5), 'dense-multi': multi(5, 6, 7) }, payload: { count: 0 } },
    { id: 6, vector: dense(6), payload: { count: 1 } },
    { id: 7, vector: sparse(7.5, 7.5) },
    { id: 8, vector: { 'dense-multi': multi(8, 9, 3) }, payload: { count: 2 } },
  ] }));
}
