import { expect, it } from 'vitest';
import { createEmbeddedClient, decodePullPage } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';

// A server that is shutting down must not wait out its sync long polls (up to 30 s each): SIGTERM would hang.
it('answers pending long polls as soon as the server starts closing', async () => {
  const client = await createEmbeddedClient();
  await client.createCollection('docs', { vectors: { size: 2, distance: 'Dot' } });
  await client.upsert('docs', { points: [{ id: 1, vector: [1, 0] }] });
  const app = await buildRestApp({ client });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/collections/docs/sync/pull`;
  const pull = (body: unknown) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  let requests = 0;
  app.server.on('request', () => requests++);
  const checkpoint = decodePullPage(new Uint8Array(await (await pull({})).arrayBuffer())).checkpoint;
  let answered = false;
  const poll = pull({ since: checkpoint, wait_ms: 30_000 }).then(async (response) => {
    answered = true;
    return decodePullPage(new Uint8Array(await response.arrayBuffer()));
  });
  // 1. The poll is parked on the server (no change will come).
  await expect.poll(() => requests, { timeout: 5_000 }).toBe(2);
  // 2. Closing wakes it with an empty page, and the close completes well before the poll's own deadline.
  await app.close();
  const page = await poll;
  expect(answered).toBe(true);
  expect(page.kind === 'changes' && page.upserts.length + page.removals.length).toBe(0);
  await client.close();
}, 15_000);
