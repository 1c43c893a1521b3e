import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient, encodePushRequest, SYNC_CONTENT_TYPE, type EmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { FileStorage } from '../src/storage/file-storage.js';
import { hostileValue, mutate, Rng } from './reliability/hostile-values.js';
import { dataChecksum, PROTECTED, SCRATCH, seedCollections } from './reliability/seeded-data.js';

/**
 * Promise: the sync endpoints take hostile input like every other route. Pull bodies of every wrong shape, push
 * frames of random bytes (aimed at the protected data) and well-framed pushes whose operations are broken in one to
 * three places (aimed at scratch): every answer is a 2xx or a clean 4xx, the protected data is unchanged, and,
 * the part only sync has, nothing a push got into the op log stops the database from reopening afterwards.
 */
const ITERATIONS = Math.round(Number(process.env['SEXTANT_FUZZ_ITERATIONS'] ?? 5000) / 10);
const SEED = Number(process.env['SEXTANT_FUZZ_SEED'] ?? 20261125);

const OPS: unknown[] = [
  { type: 'upsert', points: [{ id: 5, vectors: { '': [0.1, 0.2, 0.3, 0.4] }, payload: { tag: 'a' } }] },
  { type: 'delete_points', ids: [3] },
  { type: 'update_vectors', points: [{ id: 4, vectors: { '': [1, 0, 0, 0] } }] },
  { type: 'delete_vectors', ids: [4], names: [''] },
  { type: 'set_payload', ids: [1, 2], payload: { x: 1 }, key: 'city' },
  { type: 'overwrite_payload', ids: [7], payload: { y: [1, 2] } },
  { type: 'delete_payload', ids: [8], keys: ['tag'] },
  { type: 'clear_payload', ids: [10] },
  { type: 'create_index', field: 'n', schema: 'integer' },
  { type: 'delete_index', field: 'tag' },
];

describe('hostile sync input', () => {
  let dir: string;
  let client: EmbeddedClient;
  let app: FastifyInstance;
  let before: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sextant-sync-fuzz-'));
    client = await createEmbeddedClient({ storage: new FileStorage(dir) });
    await seedCollections(client, 7, 40);
    app = await buildRestApp({ client });
    before = await dataChecksum(client);
  });
  afterAll(async () => {
    await app.close();
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`answers ${ITERATIONS} hostile pulls and pushes cleanly, and the database reopens afterwards`, async () => {
    const rng = new Rng(SEED);
    let accepted = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const kind = rng.int(3);
      let response;
      if (kind === 0) {
        const body = rng.chance(0.5) ? hostileValue(rng) : mutate(rng, { since: { epoch: 'e', seq: 3 }, limit: 10, filter: { must: [{ key: 'tag', match: { value: 'a' } }] } });
        // A long poll on a valid checkpoint would wait its full time: keep waits short.
        if (body !== null && typeof body === 'object' && !Array.isArray(body)) (body as Record<string, unknown>)['wait_ms'] = 0;
        response = await app.inject({ method: 'POST', url: `/collections/${rng.pick([...PROTECTED, 'missing'])}/sync/pull`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      } else if (kind === 1) {
        const garbage = Buffer.from(Array.from({ length: rng.int(400) }, () => rng.int(256)));
        response = await app.inject({ method: 'POST', url: `/collections/${rng.pick(PROTECTED)}/sync/push`, payload: garbage, headers: { 'content-type': SYNC_CONTENT_TYPE } });
      } else {
        const op = rng.chance(0.3) ? structuredClone(rng.pick(OPS)) : mutate(rng, rng.pick(OPS));
        let frame: Uint8Array;
        try {
          frame = encodePushRequest({ client: `c${rng.int(5)}`, changes: [{ n: 1 + i, op: op as never, bases: rng.chance(0.8) ? [-1] : (hostileValue(rng) as never) }] });
        } catch {
          continue; // the client-side encoder refused it: nothing to send
        }
        response = await app.inject({ method: 'POST', url: `/collections/${SCRATCH}/sync/push`, payload: Buffer.from(frame), headers: { 'content-type': SYNC_CONTENT_TYPE } });
        if (response.statusCode === 200) accepted++;
      }
      const status = response.statusCode;
      expect(status >= 200 && status < 500, `#${i} seed ${SEED}: ${status} ${response.body.slice(0, 300)}`).toBe(true);
      if (status >= 400) expect(typeof response.json().status.error).toBe('string');
    }
    expect(accepted).toBeGreaterThan(0);
    expect(await dataChecksum(client)).toBe(before);

    // Whatever the pushes logged must replay: a copy of the files as a kill -9 leaves them (no flush) reopens to
    // the same state, and so does a clean close and reopen (the segment encoding path).
    const scratch = await dataChecksum(client, [SCRATCH]);
    const crashed = `${dir}-crash`;
    await cp(dir, crashed, { recursive: true });
    try {
      const replayed = await createEmbeddedClient({ storage: new FileStorage(crashed) });
      expect(await dataChecksum(replayed)).toBe(before);
      expect(await dataChecksum(replayed, [SCRATCH])).toBe(scratch);
      await replayed.close();
    } finally {
      await rm(crashed, { recursive: true, force: true });
    }
    await app.close();
    await client.close();
    client = await createEmbeddedClient({ storage: new FileStorage(dir) });
    app = await buildRestApp({ client });
    expect(await dataChecksum(client)).toBe(before);
    expect(await dataChecksum(client, [SCRATCH])).toBe(scratch);
  }, 120_000);
});
