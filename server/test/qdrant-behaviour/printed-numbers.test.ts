import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, startServer } from './live-server.js';

// Qdrant keeps vectors and scores as float32 and prints each as the shortest decimal that reads back as that float32
// (serde_json over ryu). Its quickstart (a Dot collection of six 4-d points, one query) documents the very numbers a
// client reads, so a client written against Qdrant's answers reads the same ones here, to the last digit.
const POINTS = [
  { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin' } },
  { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: 'London' } },
  { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: 'Moscow' } },
  { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: 'New York' } },
  { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { city: 'Beijing' } },
  { id: 6, vector: [0.35, 0.08, 0.11, 0.44], payload: { city: 'Mumbai' } },
];

describe('numbers as Qdrant prints them', () => {
  let server: Server;

  beforeAll(async () => {
    server = await startServer();
    await server.ok('PUT', '/collections/quickstart', { vectors: { size: 4, distance: 'Dot' } });
    await server.ok('PUT', '/collections/quickstart/points?wait=true', { points: POINTS });
  });
  afterAll(() => server.close());

  it("answers the quickstart's query with its documented scores", async () => {
    const result = await server.ok('POST', '/collections/quickstart/points/query', { query: [0.2, 0.1, 0.9, 0.7], limit: 3, with_payload: false });
    expect(result.points.map((p: { id: number; score: number }) => [p.id, p.score])).toEqual([
      [4, 1.362],
      [1, 1.273],
      [3, 1.208],
    ]);
    // The legacy search and the raw text say the same.
    const legacy = await server.call('POST', '/collections/quickstart/points/search', { vector: [0.2, 0.1, 0.9, 0.7], limit: 1 });
    expect(legacy.body.result[0].score).toBe(1.362);
    const raw = await (await fetch(`${server.url}/collections/quickstart/points/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vector: [0.2, 0.1, 0.9, 0.7], limit: 1 }) })).text();
    expect(raw).toContain('"score":1.362');
  });

  it('reads vectors back as they were written', async () => {
    const point = await server.ok('GET', '/collections/quickstart/points/4');
    expect(point.vector).toEqual([0.18, 0.01, 0.85, 0.8]);
  });
});
