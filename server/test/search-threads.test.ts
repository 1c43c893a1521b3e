import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedClient } from '@sextant/core';
import { openDatabase } from '../src/open-database.js';
import type { SearchPool } from '../src/search/search-pool.js';
import { counting, fillRows, seededRows } from './support/thread-fixtures.js';
import { startServer, type RunningServer } from '../src/server.js';

// Searches on worker threads over shared memory (issue 9): real threads, real shared arenas and graphs. The arena
// must reach WebAssembly memory (1 MB of vectors) to be shared, hence 3,000 x 96 to start.
const DIM = 96;
const START = 3_000;

const vectors = (seed: number, count: number) => seededRows(seed, count, DIM);
const fill = (client: EmbeddedClient, name: string, from: number, rows: number[][]) => fillRows(client, name, from, rows);

describe('search threads over shared memory', () => {
  let client: EmbeddedClient;
  let threads: ReturnType<typeof counting>;
  const queries = vectors(7, 40);

  beforeAll(async () => {
    client = await openDatabase({ searchThreads: 2 });
    expect(client.executor?.threads).toBe(2);
    // Every walk that can goes to a thread: these tests check the threads' answers (the default policy is below).
    (client.executor as SearchPool).policy = 'always';
    threads = counting(client.executor!);
    client.executor = threads;
    await client.createCollection('c', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 48, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
    await fill(client, 'c', 0, vectors(1, START));
    await client.engine.resolve('c').whenIndexed();
  }, 120_000);
  afterAll(() => client.close());

  /** The same request with the executor detached: the in-thread answer. */
  async function inThread<T>(run: () => Promise<T>): Promise<T> {
    const executor = client.executor;
    client.executor = undefined;
    try {
      return await run();
    } finally {
      client.executor = executor;
    }
  }

  it('answers exactly as the in-thread walk on seeded data (query, search, batches, prefetch + fusion)', async () => {
    const before = threads.walked;
    for (const query of queries) {
      const req = { query, limit: 10, with_payload: false };
      const threaded = await client.query('c', req);
      expect(threaded.points).toHaveLength(10);
      expect(threaded).toEqual(await inThread(() => client.query('c', req)));
    }
    expect(threads.walked - before).toBe(queries.length);

    const search = { vector: queries[0]!, limit: 5, params: { hnsw_ef: 64 } };
    expect(await client.search('c', search)).toEqual(await inThread(() => client.search('c', search)));
    const batch = { searches: queries.slice(0, 4).map((query) => ({ query, limit: 3 })) };
    expect(await client.queryBatch('c', batch)).toEqual(await inThread(() => client.queryBatch('c', batch)));
    const fused = { prefetch: [{ query: queries[1]!, limit: 20 }, { query: queries[2]!, limit: 20 }], query: { fusion: 'rrf' as const }, limit: 10 };
    const walked = threads.walked;
    expect(await client.query('c', fused)).toEqual(await inThread(() => client.query('c', fused)));
    expect(threads.walked - walked).toBe(2); // both prefetch leaves went to threads
  });

  it('answers 40 searches of 1,000 points each at once (80,000 numbers back) exactly as in-thread', async () => {
    const expected = await inThread(() => Promise.all(queries.map((query) => client.query('c', { query, limit: 1_000, with_payload: false }))));
    const before = threads.walked;
    const answers = await Promise.all(queries.map((query) => client.query('c', { query, limit: 1_000, with_payload: false })));
    expect(answers).toEqual(expected);
    expect(threads.walked - before).toBe(queries.length);
  });

  it('runs in-thread what does not fit in the threads\' query rings, with the same answers', async () => {
    // 2,000 searches at once hold more query rows (2,000 x 96 floats) than two rings of 65,536 floats.
    const expected = await inThread(() => Promise.all(queries.map((query) => client.query('c', { query, limit: 5 }))));
    const before = threads.walked;
    const answers = await Promise.all(Array.from({ length: 2_000 }, (_, i) => client.query('c', { query: queries[i % queries.length]!, limit: 5 })));
    answers.forEach((answer, i) => expect(answer).toEqual(expected[i % queries.length]));
    const walked = threads.walked - before;
    expect(walked).toBeGreaterThan(0);
    expect(walked).toBeLessThan(2_000);
  });

  it('walks none of: exact searches (asked for, or a filter the planner scans) and unfiltered by-id queries, with the same answers', async () => {
    const before = threads.walked;
    const scanned = threads.scanned;
    const filtered = { query: queries[3]!, limit: 5, filter: { must: [{ has_id: [1, 2, 3, 50, 60] }] } };
    const exact = { query: queries[4]!, limit: 5, params: { exact: true } };
    // A by-id query excludes its own point: without a filter its accept would have to be evaluated on every id.
    const byId = { query: 17, limit: 5 };
    for (const req of [filtered, exact, byId]) expect(await client.query('c', req)).toEqual(await inThread(() => client.query('c', req)));
    expect(threads.walked).toBe(before);
    // The unfiltered exact search is scanned on a thread (search-threads-exact.test.ts); the others stay in-thread.
    expect(threads.scanned - scanned).toBe(1);
  });

  it('walks filtered searches on the threads with the accept set the owner evaluated, exactly as in-thread, under concurrent writes too', async () => {
    // 1. Payload indexes answer these filters whole, so the owner's accept is a byte look-up worth evaluating once.
    await client.createCollection('f', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 48, full_scan_threshold: 10 }, optimizers_config: { indexing_threshold: 1 } });
    await client.createPayloadIndex('f', { field_name: 'g', field_schema: 'integer', wait: true });
    await client.createPayloadIndex('f', { field_name: 'kind', field_schema: 'keyword', wait: true });
    const rows = vectors(21, START);
    const kinds = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < rows.length; i += 500) {
      const points = rows.slice(i, i + 500).map((vector, j) => ({ id: i + j, vector, payload: { g: (i + j) % 10, kind: kinds[(i + j) % 4]! } }));
      await client.upsert('f', { wait: true, points });
    }
    await client.engine.resolve('f').whenIndexed();
    // 10% and 25% (filtered or two-hop walks; 25% also with a by-id exclusion): each search's first walk goes to a
    // thread. In-thread: 50% (the unfiltered beam, filtered after, accepts every live point), and a must_not that
    // the indexes do not answer whole (its accept evaluates payloads).
    const filters = [
      { must: [{ key: 'g', match: { value: 3 } }] },
      { must: [{ key: 'g', range: { lt: 5 } }] },
      { must: [{ key: 'kind', match: { value: 'b' } }] },
      { must_not: [{ key: 'kind', match: { any: ['a', 'c'] } }], must: [{ key: 'g', range: { gte: 1 } }] },
    ];
    const before = threads.walked;
    let asked = 0;
    for (const filter of filters) {
      for (const query of queries.slice(0, 8)) {
        const req = { query, limit: 10, filter, with_payload: true };
        const threaded = await client.query('f', req);
        expect(threaded.points).toHaveLength(10);
        expect(threaded).toEqual(await inThread(() => client.query('f', req)));
        asked++;
      }
    }
    const byId = { query: 33, limit: 10, filter: filters[2] };
    expect(await client.query('f', byId)).toEqual(await inThread(() => client.query('f', byId)));
    expect(threads.walked - before).toBe(asked - 16 + 1);

    // 2. Writes meanwhile: deletions, and points moving out of the filter (payload overwritten). An answer holds only
    // points live and matching when it was asked... or since: never one deleted before it was asked.
    const deleted = new Set<number>();
    let writing = true;
    const writer = (async () => {
      try {
        for (let r = 0; r < 30; r++) {
          const victims = Array.from({ length: 20 }, (_, j) => (r * 97 + j * 13) % START).filter((id) => !deleted.has(id));
          await client.delete('f', { wait: true, points: victims });
          for (const id of victims) deleted.add(id);
          const moved = [(r * 31) % START, (r * 31 + 3) % START].filter((id) => !deleted.has(id));
          await client.setPayload('f', { wait: true, payload: { g: 99 }, points: moved });
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      } finally {
        writing = false;
      }
    })();
    const walkedBefore = threads.walked;
    let answered = 0;
    const reader = async (lane: number) => {
      for (let i = lane; writing; i += 3) {
        const deletedBefore = new Set(deleted);
        const { points } = await client.query('f', { query: queries[i % queries.length]!, limit: 10, filter: filters[0], with_payload: true });
        for (const p of points) {
          expect(deletedBefore.has(p.id as number)).toBe(false);
          expect(p.payload?.['g']).toBe(3);
        }
        answered++;
      }
    };
    await Promise.all([writer, reader(0), reader(1), reader(2)]);
    expect(answered).toBeGreaterThan(10);
    expect(threads.walked - walkedBefore).toBeGreaterThan(5);
    // 3. Settled: the same answers as in-thread again.
    for (const query of queries.slice(8, 14)) {
      const req = { query, limit: 10, filter: filters[0] };
      expect(await client.query('f', req)).toEqual(await inThread(() => client.query('f', req)));
    }
  }, 60_000);

  it('never returns a deleted point and never an unknown one while writes run, and grows the arena and graph under the walks', async () => {
    // 1. Writers: fresh points (the arena and the graph double past 4,096 ids) and deletions, acknowledged one by one.
    const graph = () => client.engine.resolve('c').segment.slots.get('')!;
    const epoch = () => {
      const slot = graph();
      return slot.kind === 'dense' ? slot.index.graph!.sharedView()!.epoch : -1;
    };
    const epochBefore = epoch();
    const deleted = new Set<number>();
    let writing = true;
    let next = START;
    const more = vectors(11, 3_000);
    const writer = (async () => {
      for (let i = 0; i < more.length; i += 100) {
        await client.upsert('c', { wait: true, points: more.slice(i, i + 100).map((vector, j) => ({ id: next + j, vector })) });
        next += 100;
        const victims = Array.from({ length: 20 }, (_, j) => (i * 7 + j * 131) % START).filter((id) => !deleted.has(id));
        await client.delete('c', { wait: true, points: victims });
        for (const id of victims) deleted.add(id);
        await client.engine.resolve('c').whenIndexed();
        // In memory, a write never waits for I/O: let the readers' thread replies in, as a server's sockets would.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      writing = false;
    })();
    // 2. Readers meanwhile: each answer may only hold ids ever written, once each, and none deleted before it was asked.
    let answered = 0;
    const walkedBefore = threads.walked;
    const reader = async (r: number) => {
      for (let i = r; writing; i += 4) {
        const deletedBefore = new Set(deleted);
        const { points } = await client.query('c', { query: queries[i % queries.length]!, limit: 10 });
        expect(new Set(points.map((p) => p.id)).size).toBe(points.length); // a point linked mid-walk is not listed twice
        for (const p of points) {
          expect(deletedBefore.has(p.id as number)).toBe(false);
          expect(Number.isInteger(p.id) && (p.id as number) >= 0 && (p.id as number) < START + more.length).toBe(true);
        }
        answered++;
      }
    };
    await Promise.all([writer, reader(0), reader(1), reader(2), reader(3)]);
    expect(answered).toBeGreaterThan(20);
    expect(epoch()).toBeGreaterThan(epochBefore); // the graph's arrays were replaced (grown) under the walks
    expect(threads.walked - walkedBefore).toBeGreaterThan(10); // most walks ran on the threads, during the writes
    // 3. Settled: the threads walk the grown graph and still agree with the in-thread walk.
    const before = threads.walked;
    for (const query of queries.slice(0, 10)) {
      const req = { query, limit: 10 };
      expect(await client.query('c', req)).toEqual(await inThread(() => client.query('c', req)));
    }
    expect(threads.walked - before).toBe(10);
  }, 120_000);

  it('merges vectors not linked into the graph yet, exactly as the in-thread search does', async () => {
    await client.createCollection('p', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 32, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
    await fill(client, 'p', 0, vectors(17, START));
    await client.engine.resolve('p').whenIndexed();
    // Indexing off (threshold 0): the next points stay pending, scored exactly beside the walk.
    await client.updateCollection('p', { optimizers_config: { indexing_threshold: 0 } });
    const fresh = queries.slice(0, 20).map((q) => q.map((x) => x * 1.01));
    await fill(client, 'p', START, fresh);
    const slot = client.engine.resolve('p').segment.slots.get('')!;
    expect(slot.kind === 'dense' && slot.index.pendingCount).toBe(20);
    const before = threads.walked;
    let fromPending = 0;
    for (const query of queries) {
      const req = { query, limit: 10 };
      const threaded = await client.query('p', req);
      expect(threaded).toEqual(await inThread(() => client.query('p', req)));
      fromPending += threaded.points.filter((p) => (p.id as number) >= START).length;
    }
    expect(threads.walked - before).toBe(queries.length);
    expect(fromPending).toBeGreaterThanOrEqual(queries.length); // each query's near-copy came from the pending pass

    // Pending ids linked between the dispatch (their exact pass) and the walk are found twice, and listed once.
    await client.updateCollection('p', { optimizers_config: { indexing_threshold: 1 } });
    const executor = client.executor!;
    client.executor = {
      threads: executor.threads,
      close: () => executor.close(),
      searchGraph: async (...args) => {
        await client.engine.resolve('p').whenIndexed();
        return executor.searchGraph(...args);
      },
    };
    try {
      for (const query of queries.slice(0, 5)) {
        const { points } = await client.query('p', { query, limit: 10 });
        expect(points).toHaveLength(10);
        expect(new Set(points.map((p) => p.id)).size).toBe(10);
      }
    } finally {
      client.executor = executor;
    }
  }, 60_000);

  it('leaves the pending vectors out under indexed_only when they are as many as a full scan, as in-thread', async () => {
    // full_scan_threshold 10 KB = 26 vectors of 96 floats: 40 pending ones are "a large unindexed segment".
    await client.createCollection('i', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 32, full_scan_threshold: 10 }, optimizers_config: { indexing_threshold: 1 } });
    await fill(client, 'i', 0, vectors(23, START));
    await client.engine.resolve('i').whenIndexed();
    await client.updateCollection('i', { optimizers_config: { indexing_threshold: 0 } });
    await fill(client, 'i', START, queries.slice(0, 40).map((q) => q.map((x) => x * 1.01)));
    const before = threads.walked;
    for (const query of queries.slice(0, 10)) {
      const only = { query, limit: 10, params: { indexed_only: true } };
      const threaded = await client.query('i', only);
      expect(threaded).toEqual(await inThread(() => client.query('i', only)));
      expect(threaded.points.every((p) => (p.id as number) < START)).toBe(true);
      // Without it the near-copy pending beside the query is found.
      expect((await client.query('i', { query, limit: 10 })).points.some((p) => (p.id as number) >= START)).toBe(true);
    }
    expect(threads.walked - before).toBe(20);
  }, 60_000);

  it('answers walks that a compaction overtook from the new segment, never with the old ids', async () => {
    await client.createCollection('k', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 32, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
    await fill(client, 'k', 0, vectors(13, START));
    await client.engine.resolve('k').whenIndexed();
    // A third deleted: past deleted_threshold (0.2), so the next flush compacts and renumbers the internal ids.
    await client.delete('k', { wait: true, points: Array.from({ length: START / 3 }, (_, i) => i * 3) });
    const segment = client.engine.resolve('k').segment;
    const inFlight = queries.slice(0, 12).map((query) => client.query('k', { query, limit: 10 }));
    await client.engine.resolve('k').flush();
    expect(client.engine.resolve('k').segment).not.toBe(segment);
    const answers = await Promise.all(inFlight);
    // Each point's score must be its own cosine to the query: an old internal id read in the new segment would not be.
    const rows = vectors(13, START);
    const cosine = (a: number[], b: number[]) => {
      let dot = 0, na = 0, nb = 0;
      for (let j = 0; j < DIM; j++) (dot += a[j]! * b[j]!), (na += a[j]! * a[j]!), (nb += b[j]! * b[j]!);
      return dot / Math.sqrt(na * nb);
    };
    for (let i = 0; i < answers.length; i++) {
      const points = answers[i]!.points;
      expect(points).toHaveLength(10);
      for (const p of points) {
        expect((p.id as number) % 3).not.toBe(0);
        expect(p.score).toBeCloseTo(cosine(queries[i]!, rows[p.id as number]!), 4);
      }
    }
  }, 60_000);

  it('by default answers a lone search on the event loop and hops to the threads only when it already has search work', async () => {
    const pool = threads.pool;
    pool.policy = 'busy';
    try {
      // 1. One per event-loop turn (as requests that arrive apart), nothing in flight: every walk on the event loop.
      let before = threads.walked;
      for (const query of queries.slice(0, 10)) {
        const req = { query, limit: 10 };
        expect(await client.query('c', req)).toEqual(await inThread(() => client.query('c', req)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(threads.walked - before).toBe(0);
      // 1b. Awaited one after another with no turn in between (an embedded caller's loop, `query` and `search`): every
      // walk on the event loop too. Each used to mark the turn busy, so every second one hopped (half the speed).
      const alone = await inThread(async () => {
        const out = [];
        for (const query of queries.slice(0, 10)) out.push(await client.query('c', { query, limit: 10 }), await client.search('c', { vector: query, limit: 5 }));
        return out;
      });
      before = threads.walked;
      const awaited = [];
      for (const query of queries.slice(0, 10)) awaited.push(await client.query('c', { query, limit: 10 }), await client.search('c', { vector: query, limit: 5 }));
      expect(awaited).toEqual(alone);
      expect(threads.walked - before).toBe(0);
      // 1c. Asked from two tasks of one turn (two requests read from two sockets): the first on the event loop, the
      // second hops, as a request arriving while the owner works.
      before = threads.walked;
      await new Promise<void>((resolve) => {
        let left = 2;
        const ask = (query: number[]) => () => void client.query('c', { query, limit: 10 }).then(() => --left === 0 && resolve());
        setImmediate(ask(queries[0]!));
        setImmediate(ask(queries[1]!));
      });
      expect(threads.walked - before).toBe(1);
      // 2. Eight at once (one turn): the first on the event loop, the seven others on the threads, same answers.
      const expected = await inThread(() => Promise.all(queries.slice(0, 8).map((query) => client.query('c', { query, limit: 10 }))));
      before = threads.walked;
      expect(await Promise.all(queries.slice(0, 8).map((query) => client.query('c', { query, limit: 10 })))).toEqual(expected);
      expect(threads.walked - before).toBe(7);
      // 3. While a walk is in flight on a thread, a search of the next turn hops too.
      before = threads.walked;
      const first = client.query('c', { query: queries[0]!, limit: 10 });
      const second = client.query('c', { query: queries[1]!, limit: 10 });
      await new Promise((resolve) => setImmediate(resolve));
      const third = client.query('c', { query: queries[2]!, limit: 10 });
      await Promise.all([first, second, third]);
      expect(threads.walked - before).toBe(2);
      // 4. Requests one per turn again, but the owner reports other calls in flight (a server's REST / gRPC load):
      // every walk hops; with only this search's own call counted, none does.
      let load = 3;
      pool.ownerLoad = () => load;
      before = threads.walked;
      for (const query of queries.slice(0, 6)) {
        const req = { query, limit: 10 };
        expect(await client.query('c', req)).toEqual(await inThread(() => client.query('c', req)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(threads.walked - before).toBe(6);
      load = 1;
      before = threads.walked;
      for (const query of queries.slice(0, 6)) {
        await client.query('c', { query, limit: 10 });
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(threads.walked - before).toBe(0);
      // 5. Filtered searches (collection 'f' above: payload indexes answer the filter whole) stay on the event loop
      // under this policy, even eight at once: a filtered hop costs the owner more than the walk it saves
      // (SearchExecutor.offloadFiltered). Under 'always' the same searches hop (the filtered test above).
      const filtered = queries.slice(0, 8).map((query) => ({ query, limit: 10, filter: { must: [{ key: 'g', match: { value: 3 } }] } }));
      const expectedFiltered = await inThread(() => Promise.all(filtered.map((req) => client.query('f', req))));
      before = threads.walked;
      expect(await Promise.all(filtered.map((req) => client.query('f', req)))).toEqual(expectedFiltered);
      expect(threads.walked - before).toBe(0);
      pool.policy = 'always';
      expect(await Promise.all(filtered.map((req) => client.query('f', req)))).toEqual(expectedFiltered);
      expect(threads.walked - before).toBe(8);
    } finally {
      pool.ownerLoad = undefined;
      pool.policy = 'always';
    }
  });

  it('settles every search of a thread killed mid-batch with the in-thread answer, then searches on the caller thread', async () => {
    const db = await openDatabase({ searchThreads: 1 });
    await db.createCollection('k', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 32, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
    await fill(db, 'k', 0, vectors(4, START));
    await db.engine.resolve('k').whenIndexed();
    const pool = db.executor as SearchPool;
    pool.policy = 'always';
    const counted = counting(pool);
    const asked = Array.from({ length: 600 }, (_, i) => ({ query: queries[i % queries.length]!, limit: 50, params: { hnsw_ef: 200 } }));
    db.executor = undefined;
    const expected = await Promise.all(asked.map((req) => db.query('k', req)));
    db.executor = counted;
    // 1. One batch of 600 walks (tens of ms of walking) sent to the one thread, which dies a few ms into it.
    const inFlight = asked.map((req) => db.query('k', req));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const worker = (pool as unknown as { dispatch: { lanes: { worker: { terminate(): Promise<number> } }[] } }).dispatch.lanes[0]!.worker;
    void worker.terminate();
    // 2. Every search settles, those it did not answer with the in-thread walk.
    expect(await Promise.all(inFlight)).toEqual(expected);
    expect(counted.walked).toBeLessThan(asked.length);
    // 3. Later searches run on the caller thread.
    const walked = counted.walked;
    expect(await db.query('k', asked[0]!)).toEqual(expected[0]);
    expect(counted.walked).toBe(walked);
    await db.close();
  }, 60_000);

  it('answers searches in flight at shutdown, then searches on the caller thread', async () => {
    const db = await openDatabase({ searchThreads: 1 });
    await db.createCollection('s', { vectors: { size: DIM, distance: 'Dot' }, hnsw_config: { m: 8, ef_construct: 32, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
    await fill(db, 's', 0, vectors(3, START));
    await db.engine.resolve('s').whenIndexed();
    const pool = db.executor!;
    const inFlight = queries.map((query) => db.query('s', { query, limit: 3 }));
    await pool.close();
    const settled = await Promise.allSettled(inFlight);
    expect(settled.every((s) => s.status === 'fulfilled' && s.value.points.length === 3)).toBe(true);
    expect((await db.query('s', { query: queries[0]!, limit: 3 })).points).toHaveLength(3);
    await db.close();
  }, 60_000);
});

describe('the server with search threads', () => {
  let server: RunningServer;
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'sextant-threads-'));
    server = await startServer({
      host: '127.0.0.1',
      httpPort: 0,
      grpcPort: null,
      storagePath: join(folder, 'storage'),
      snapshotsPath: join(folder, 'snapshots'),
      apiKey: undefined,
      readOnlyApiKey: undefined,
      searchThreads: 2,
    });
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('serves REST queries walked on its threads, equal to the in-thread answer', async () => {
    const client = server.client;
    expect(client.executor?.threads).toBe(2);
    await client.createCollection('r', { vectors: { size: DIM, distance: 'Euclid' }, hnsw_config: { m: 8, ef_construct: 32, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
    await fill(client, 'r', 0, vectors(5, START));
    await client.engine.resolve('r').whenIndexed();
    (client.executor as SearchPool).policy = 'always';
    const counted = counting(client.executor!);
    client.executor = counted;
    for (const query of vectors(9, 8)) {
      const response = await fetch(`http://127.0.0.1:${server.httpPort}/collections/r/points/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, limit: 7 }),
      });
      expect(response.status).toBe(200);
      const remote = ((await response.json()) as { result: { points: unknown[] } }).result.points;
      client.executor = undefined;
      const local = (await client.query('r', { query, limit: 7 })).points;
      client.executor = counted;
      expect(remote).toEqual(JSON.parse(JSON.stringify(local)));
    }
    expect(counted.walked).toBe(8);
  }, 60_000);
});
