import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../../src/rest/app.js';

// A real REST server on a free port and a raw-HTTP helper, so that status codes and bodies are checked exactly as a
// client sees them. The collections below hold the same points as the ones Qdrant's own REST tests are written
// against (tests/openapi/helpers/collection_setup.py), so expected ids, counts and scores carry over.

export interface Answer {
  status: number;
  body: any;
}

export interface Server {
  app: FastifyInstance;
  url: string;
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  close(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  const app = await buildRestApp({ client: await createEmbeddedClient() });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json' };
    }
    const res = await fetch(url + path, init);
    const text = await res.text();
    return { status: res.status, body: text.length > 0 ? JSON.parse(text) : undefined };
  };
  return { app, url, call, close: () => app.close() };
}

/** Calls that must succeed: throws with the answer's body otherwise, so a failing setup names its cause. */
export async function ok(server: Server, method: string, path: string, body?: unknown): Promise<any> {
  const answer = await server.call(method, path, body);
  if (answer.status !== 200) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.result;
}

async function recreate(server: Server, name: string, config: unknown, points: unknown[]): Promise<void> {
  await ok(server, 'DELETE', `/collections/${name}`);
  await ok(server, 'PUT', `/collections/${name}`, config);
  await ok(server, 'PUT', `/collections/${name}/points?wait=true`, { points });
}

/** Ten points: 4-d Dot vectors on 1-8, sparse `sparse-text` only on 9 and 10; `city`/`price` in many shapes. */
export async function basicCollection(server: Server, name: string): Promise<void> {
  await recreate(server, name, { vectors: { size: 4, distance: 'Dot' }, sparse_vectors: { 'sparse-text': {} } }, [
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
  ]);
}

/** Eight points with named dense vectors `image` (4-d) and `text` (8-d), sparse ones on 7 and 8. */
export async function multivecCollection(server: Server, name: string, distance?: string): Promise<void> {
  const both = (v: number[]) => ({ image: v, text: [...v, ...v] });
  await recreate(
    server,
    name,
    {
      vectors: { image: { size: 4, distance: distance ?? 'Dot' }, text: { size: 8, distance: distance ?? 'Cosine' } },
      sparse_vectors: { 'sparse-image': {}, 'sparse-text': {} },
    },
    [
      { id: 1, vector: both([0.05, 0.61, 0.76, 0.74]), payload: { city: 'Berlin' } },
      { id: 2, vector: both([0.19, 0.81, 0.75, 0.11]), payload: { city: ['Berlin', 'London'] } },
      { id: 3, vector: both([0.36, 0.55, 0.47, 0.94]), payload: { city: ['Berlin', 'Moscow'] } },
      { id: 4, vector: both([0.18, 0.01, 0.85, 0.8]), payload: { city: ['London', 'Moscow'] } },
      { id: 5, vector: both([0.24, 0.18, 0.22, 0.44]), payload: { count: 0 } },
      { id: 6, vector: both([0.35, 0.08, 0.11, 0.44]) },
      {
        id: 7,
        vector: {
          'sparse-image': { indices: [1, 2, 4, 8], values: [1.5, 1.5, 1.5, 1.5] },
          'sparse-text': { indices: [66, 12], values: [0.5, 0.5] },
        },
      },
      {
        id: 8,
        vector: {
          'sparse-image': { indices: [2, 8], values: [2.5, 2.5] },
          'sparse-text': { indices: [1, 2, 3], values: [0.1, 0.2, 0.3] },
        },
        payload: { count: 0 },
      },
    ],
  );
}

/** Eight points, every one with `city` and `color`; `count` and `price` on some. */
export async function multipayloadCollection(server: Server, name: string): Promise<void> {
  await recreate(server, name, { vectors: { size: 4, distance: 'Dot' }, sparse_vectors: { 'sparse-text': {} } }, [
    { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin', color: 'red' } },
    { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'], color: 'green' } },
    { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: ['Berlin', 'Moscow'], color: 'blue' } },
    { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: ['London', 'Moscow'], color: 'red' } },
    { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { city: 'Seoul', color: 'red', count: 0 } },
    { id: 6, vector: [0.35, 0.08, 0.11, 0.44], payload: { city: 'Berlin', color: 'red', count: 1, price: 10.0 } },
    { id: 7, vector: [0.25, 0.98, 0.14, 0.43], payload: { city: 'London', color: 'red', count: 0, price: 50.0 } },
    { id: 8, vector: [0.19, 0.53, 0.72, 0.15], payload: { city: 'Moscow', color: 'red', count: 1, price: 100.0 } },
  ]);
}

export const ids = (points: Array<{ id: unknown }>) => points.map((p) => p.id);
