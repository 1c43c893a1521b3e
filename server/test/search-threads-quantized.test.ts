import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedClient } from '@sextant/core';
import { openDatabase } from '../src/open-database.js';
import type { SearchPool } from '../src/search/search-pool.js';
import { counting, fillRows, seededRows } from './support/thread-fixtures.js';

// Quantized walks on the search threads (issue 9): int8, binary, product and turbo codes in shared memory, walked by
// real threads, rescored by the owner. Every answer is compared with the same request answered in-thread (executor detached).
// 3,000 x 96 floats reach WebAssembly memory (1 MB), so the codes are in a shared arena too.
const DIM = 96;
const START = 3_000;

const vectors = (seed: number, count: number) => seededRows(seed, count, DIM);
const fill = (client: EmbeddedClient, name: string, from: number, rows: number[][]) => fillRows(client, name, from, rows, (id) => ({ g: id % 10 }));

const HNSW = { m: 8, ef_construct: 48, full_scan_threshold: 10 };
const queries = vectors(7, 24);
/** 10% of the points, answered whole by the payload index: its walk goes to a thread too (capture-walks.ts). */
const TENTH = { must: [{ key: 'g', match: { value: 3 } }] };

/** A vector of `vectors` as uint8 components. */
function bytes(row: number[]): number[] {
  return row.map((x) => Math.round((x + 1.5) * 80));
}

/** Requests of every quantized kind of search: rescore on / off, oversampling, an explicit beam, a filter. */
function requests(query: number[]) {
  return [
    { query, limit: 10 },
    { query, limit: 10, params: { quantization: { rescore: false } } },
    { query, limit: 5, params: { quantization: { rescore: true, oversampling: 3 } } },
    { query, limit: 5, params: { hnsw_ef: 80, quantization: { oversampling: 2 } } },
    { query, limit: 10, filter: TENTH, params: { quantization: { oversampling: 2 } } },
  ];
}

async function setUp(client: EmbeddedClient, name: string, config: object | undefined, datatype?: 'float16' | 'uint8', distance = 'Cosine'): Promise<void> {
  await client.createCollection(name, {
    vectors: { size: DIM, distance: distance as 'Cosine', ...(datatype === undefined ? {} : { datatype }) },
    hnsw_config: HNSW,
    optimizers_config: { indexing_threshold: 1 },
    ...(config === undefined ? {} : { quantization_config: config as never }),
  });
  await client.createPayloadIndex(name, { field_name: 'g', field_schema: 'integer', wait: true });
  // uint8: the same clusters as bytes (Qdrant casts, so stay within 0..255).
  const rows = vectors(1, START);
  await fill(client, name, 0, datatype === 'uint8' ? rows.map(bytes) : rows);
  await client.engine.resolve(name).whenIndexed();
}

describe('quantized walks on search threads', () => {
  let client: EmbeddedClient;
  let threads: ReturnType<typeof counting>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sextant-quant-threads-'));
    client = await openDatabase({ path: dir, searchThreads: 2 });
    (client.executor as SearchPool).policy = 'always';
    threads = counting(client.executor!);
    client.executor = threads;
  }, 60_000);
  afterAll(async () => {
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function inThread<T>(run: () => Promise<T>): Promise<T> {
    const executor = client.executor;
    client.executor = undefined;
    try {
      return await run();
    } finally {
      client.executor = executor;
    }
  }

  /** Every request threaded and in-thread: equal answers, and every one walked on a thread. */
  async function sameAsInThread(name: string, qs: number[][]): Promise<void> {
    const before = threads.walked;
    let asked = 0;
    for (const query of qs) {
      for (const req of requests(query)) {
        const threaded = await client.query(name, req);
        expect(threaded.points.length).toBe(req.limit);
        expect(threaded).toEqual(await inThread(() => client.query(name, req)));
        asked++;
      }
    }
    expect(threads.walked - before).toBe(asked);
  }

  it('walks int8 codes on the threads and answers as in-thread (rescore on / off, oversampling, filtered), before and after more writes', async () => {
    await setUp(client, 's', { scalar: { type: 'int8', quantile: 0.99, always_ram: true } });
    await sameAsInThread('s', queries.slice(0, 8));
    // Doubling the points re-fits the codes and grows their arrays (a new codes epoch the threads are handed).
    await fill(client, 's', START, vectors(2, START));
    await client.engine.resolve('s').whenIndexed();
    await sameAsInThread('s', queries.slice(8, 16));
  }, 120_000);

  it('walks binary codes on the threads (one bit, and two bits with an 8-bit query), as in-thread', async () => {
    await setUp(client, 'b1', { binary: { always_ram: true } });
    await sameAsInThread('b1', queries.slice(0, 6));
    await setUp(client, 'b2', { binary: { always_ram: true, encoding: 'two_bits', query_encoding: 'scalar8bits' } });
    await sameAsInThread('b2', queries.slice(6, 12));
  }, 120_000);

  it('walks the int8 codes of float16 originals on the threads, as in-thread', async () => {
    await setUp(client, 'h', { scalar: { type: 'int8', always_ram: true } }, 'float16');
    await sameAsInThread('h', queries.slice(0, 6));
  }, 120_000);

  it('walks float16 and uint8 originals (no quantization) on the threads, as in-thread', async () => {
    await setUp(client, 'h16', undefined, 'float16');
    await setUp(client, 'u8', undefined, 'uint8');
    const before = threads.walked;
    let asked = 0;
    for (const [name, qs] of [['h16', queries.slice(0, 6)], ['u8', queries.slice(6, 12).map(bytes)]] as const) {
      for (const query of qs) {
        for (const req of [{ query, limit: 10 }, { query, limit: 10, filter: TENTH }]) {
          const threaded = await client.query(name, req);
          expect(threaded.points).toHaveLength(10);
          expect(threaded).toEqual(await inThread(() => client.query(name, req)));
          asked++;
        }
      }
    }
    expect(threads.walked - before).toBe(asked);
  }, 120_000);

  it('walks product codes on the threads (JS ranks over shared code bytes), as in-thread', async () => {
    await setUp(client, 'p', { product: { compression: 'x16', always_ram: true } });
    await sameAsInThread('p', queries.slice(0, 4));
  }, 120_000);

  it('walks turbo codes on the threads (the same rotations and query table, over shared rows), as in-thread', async () => {
    // Cosine at 2 bits; Euclid at 1.5 bits (a second rotation's half, and |x|^2 per row); Dot at 4 bits, over 128
    // rotated coordinates for 96 dimensions.
    await setUp(client, 't', { turbo: { bits: 'bits2' } });
    // The codes rank (fitted by the indexing): unrescored scores are their estimates, not the floats' cosines.
    const floats = await client.query('t', { query: queries[0]!, limit: 5, params: { quantization: { ignore: true } } });
    const raw = await client.query('t', { query: queries[0]!, limit: 5, params: { quantization: { rescore: false } } });
    expect(raw.points.map((p) => p.score)).not.toEqual(floats.points.map((p) => p.score));
    await sameAsInThread('t', queries.slice(0, 4));
    await setUp(client, 'te', { turbo: { bits: 'bits1_5' } }, undefined, 'Euclid');
    await sameAsInThread('te', queries.slice(4, 8));
    await setUp(client, 'td', { turbo: { bits: 'bits4', always_ram: true } }, undefined, 'Dot');
    await sameAsInThread('td', queries.slice(8, 12));
    // Manhattan rows are decoded and rotated back per rank: that stays in-thread, with the same answer.
    await setUp(client, 'tm', { turbo: { bits: 'bits2' } }, undefined, 'Manhattan');
    const before = threads.walked;
    for (const query of queries.slice(0, 3)) {
      const req = { query, limit: 10 };
      expect(await client.query('tm', req)).toEqual(await inThread(() => client.query('tm', req)));
    }
    expect(threads.walked).toBe(before);
    // ignore: the float walk (the float32 arena is shared too), on a thread.
    const req = { query: queries[0]!, limit: 10, params: { quantization: { ignore: true } } };
    expect(await client.query('tm', req)).toEqual(await inThread(() => client.query('tm', req)));
    expect(threads.walked - before).toBe(1);
  }, 120_000);

  it.each([
    ['int8', 's'],
    ['turbo', 't'],
  ])('never returns a deleted point while writes grow the %s codes under the walks', async (_kind, name) => {
    const deleted = new Set<number>();
    let writing = true;
    const writer = (async () => {
      try {
        for (let r = 0; r < 12; r++) {
          const from = 2 * START + r * 400;
          await fill(client, name, from, vectors(100 + r, 400));
          const victims = Array.from({ length: 30 }, (_, j) => (r * 97 + j * 13) % (2 * START)).filter((id) => !deleted.has(id));
          await client.delete(name, { wait: true, points: victims });
          for (const id of victims) deleted.add(id);
        }
      } finally {
        writing = false;
      }
    })();
    const before = threads.walked;
    let answered = 0;
    const reader = async (lane: number) => {
      for (let i = lane; writing; i += 2) {
        const deletedBefore = new Set(deleted);
        const { points } = await client.query(name, { query: queries[i % queries.length]!, limit: 10, params: { quantization: { oversampling: 2 } } });
        expect(points).toHaveLength(10);
        for (const p of points) expect(deletedBefore.has(p.id as number)).toBe(false);
        answered++;
      }
    };
    await Promise.all([writer, reader(0), reader(1)]);
    expect(answered).toBeGreaterThan(10);
    expect(threads.walked - before).toBeGreaterThan(5);
    await client.engine.resolve(name).whenIndexed();
    await sameAsInThread(name, queries.slice(16, 20));
  }, 120_000);

  it('answers as in-thread after a reopen (codes re-derived from the saved fit)', async () => {
    await client.close();
    client = await openDatabase({ path: dir, searchThreads: 2 });
    (client.executor as SearchPool).policy = 'always';
    threads = counting(client.executor!);
    client.executor = threads;
    await client.engine.resolve('s').whenIndexed();
    await sameAsInThread('s', queries.slice(20, 24));
    await sameAsInThread('b2', queries.slice(0, 4));
    await sameAsInThread('p', queries.slice(4, 8));
    await sameAsInThread('t', queries.slice(8, 12));
    await sameAsInThread('te', queries.slice(12, 16));
  }, 120_000);
});
