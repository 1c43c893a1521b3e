import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildThreads, createDenseVectors, DenseVectorStorage, exactSearch, HnswIndex, linkOnThreads, seededRandom, type DenseVectors, type EmbeddedClient, type SearchExecutor } from '@sextant/core';
import { openDatabase } from '../src/open-database.js';
import { SearchPool } from '../src/search/search-pool.js';

// Batch-parallel HNSW builds on real worker_threads (issue 9): the threads plan each batch's links over the shared
// arena and graph, the owner links them. Compared with the serial build on the same seeded data, and run inside the
// engine's background indexing while points are written and deleted.
const DIM = 64;

/** Seeded clustered rows: 30 centres, points spread around them. */
function rows(seed: number, count: number): number[][] {
  const rand = seededRandom(seed);
  const centres = Array.from({ length: 30 }, () => Array.from({ length: DIM }, () => rand() * 2 - 1));
  return Array.from({ length: count }, () => centres[Math.floor(rand() * 30)]!.map((c) => c + (rand() - 0.5) * 0.6));
}

/** Counts the batch shares the threads planned (a false answer means the owner linked them itself). */
function countPlans(executor: SearchExecutor): { planned: number } {
  const counter = { planned: 0 };
  const plan = executor.planLinks!.bind(executor);
  executor.planLinks = async (target, batch, efConstruct) => {
    const ok = await plan(target, batch, efConstruct);
    if (ok) counter.planned += batch.to - batch.from;
    return ok;
  };
  return counter;
}

/** Top 10 by cosine over `live` ids, in plain JS. */
function exact(data: number[][], live: Iterable<number>, q: number[], k = 10): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const nq = norm(q);
  const scored = [...live].map((id) => [id, data[id]!.reduce((s, x, d) => s + x * q[d]!, 0) / (norm(data[id]!) * nq)] as const);
  return scored.sort((a, b) => b[1] - a[1]).slice(0, k).map((p) => p[0]);
}

/** Every id below `n` in the graph, within its degree bounds, with no self, duplicate or dangling link. */
function expectInvariants(index: HnswIndex, n: number): void {
  const g = (index as unknown as { g: { levels: Int8Array; nodes: number; linkArray(id: number, l: number): Uint32Array; linkBase(id: number, l: number): number; maxLinks(l: number): number } }).g;
  const problems: string[] = [];
  for (let id = 0; id < n; id++) {
    const level = g.levels[id]!;
    if (level < 0) problems.push(`${id} missing`);
    for (let l = 0; l <= level; l++) {
      const links = g.linkArray(id, l);
      const base = g.linkBase(id, l);
      const ids = Array.from(links.subarray(base + 1, base + 1 + links[base]!));
      if (ids.length > g.maxLinks(l)) problems.push(`${id}: ${ids.length} links on ${l}`);
      if (ids.includes(id)) problems.push(`${id} links to itself`);
      if (new Set(ids).size !== ids.length) problems.push(`${id} has a duplicate link`);
      if (ids.some((nb) => g.levels[nb]! < l)) problems.push(`${id} links below a neighbour's level`);
    }
  }
  expect(problems.slice(0, 5)).toEqual([]);
  expect(g.nodes).toBe(n);
}

/** `rows` as uint8 holds them: mapped into the byte range, so the cast keeps their shape. */
function byteRange(data: number[][]): number[][] {
  return data.map((v) => v.map((x) => Math.min(255.9, Math.max(0, x * 80 + 128))));
}

describe('HNSW builds on worker threads', () => {
  let pool: SearchPool;
  let counter: { planned: number };
  /** The same rows linked serially and on the pool's threads; `planned`: the shares the threads took meanwhile. */
  const serialAndThreaded = async (storageOf: () => DenseVectors, data: number[][], n: number) => {
    const build = async (threaded: boolean) => {
      const storage = storageOf();
      const index = new HnswIndex(storage, { m: 12, efConstruct: 80, seed: 100 });
      for (let i = 0; i < n; i++) storage.set(i, data[i]!);
      if (threaded) await linkOnThreads(index, Uint32Array.from({ length: n }, (_, i) => i), pool);
      else for (let i = 0; i < n; i++) index.insert(i);
      return { storage, index };
    };
    const serial = await build(false);
    const before = counter.planned;
    const threaded = await build(true);
    return { serial, threaded, planned: counter.planned - before };
  };

  beforeAll(() => {
    pool = SearchPool.start(2)!;
    expect(pool).toBeDefined();
    counter = countPlans(pool);
  });
  afterAll(() => pool.close());

  it('builds a graph whose recall at ef 64 matches the serial build, with no self, duplicate or excess links', async () => {
    const n = 8_000;
    const data = rows(3, n + 100);
    const { serial, threaded, planned } = await serialAndThreaded(() => new DenseVectorStorage(DIM, 'Cosine', n), data, n);
    // 1. Past the serial start (2,048 nodes) every node was planned on a thread.
    expect(planned).toBe(n - 2_048);
    // 2. Invariants, read back through the codec's view of the graph: every node, no self or duplicate link.
    expectInvariants(threaded.index, n);
    // 3. Recall on held-out rows of the same clusters.
    const all = Array.from({ length: n }, (_, i) => i);
    let hitS = 0;
    let hitT = 0;
    for (let q = 0; q < 100; q++) {
      const query = data[n + q]!;
      const truth = new Set(exact(data, all, query));
      for (const id of serial.index.search(serial.storage.prepareQuery(query), 10, 64).ids) if (truth.has(id)) hitS++;
      for (const id of threaded.index.search(threaded.storage.prepareQuery(query), 10, 64).ids) if (truth.has(id)) hitT++;
    }
    expect(hitS / 1000).toBeGreaterThan(0.9);
    expect(hitT / 1000).toBeGreaterThanOrEqual(hitS / 1000 - 0.01);
  }, 120_000);

  // float16 and uint8 rows: the threads rank them with the readers their search walks use (rows in shared memory).
  it.each([
    ['float16', 'Cosine'],
    ['uint8', 'Cosine'],
    ['uint8', 'Euclid'],
  ] as const)('builds a %s (%s) graph on the threads whose recall matches the serial build', async (datatype, distance) => {
    const n = 8_000;
    const raw = rows(5, n + 100);
    const data = datatype === 'uint8' ? byteRange(raw) : raw;
    const { serial, threaded, planned } = await serialAndThreaded(() => createDenseVectors(DIM, distance, datatype, n), data, n);
    // 1. Past the serial start (2,048 nodes) every node was planned on a thread.
    expect(planned).toBe(n - 2_048);
    // 2. The invariants.
    expectInvariants(threaded.index, n);
    // 3. Recall against the exact top 10 of the stored (rounded / cast) values: the same as the serial build's.
    let hitS = 0;
    let hitT = 0;
    for (let q = 0; q < 100; q++) {
      const query = serial.storage.prepareQuery(data[n + q]!);
      const truth = new Set(exactSearch(serial.storage, query, 10).ids);
      for (const id of serial.index.search(query, 10, 64).ids) if (truth.has(id)) hitS++;
      for (const id of threaded.index.search(query, 10, 64).ids) if (truth.has(id)) hitT++;
    }
    expect(hitS / 1000).toBeGreaterThan(0.9);
    expect(hitT / 1000).toBeGreaterThanOrEqual(hitS / 1000 - 0.01);
  }, 120_000);
});

describe('background indexing on the search threads', () => {
  let client: EmbeddedClient;
  let counter: { planned: number };
  beforeAll(async () => {
    client = await openDatabase({ searchThreads: 2 });
    const builder = buildThreads();
    expect(builder).toBe(client.executor);
    counter = countPlans(builder!);
  });
  afterAll(() => client.close());

  it('links every point while writes and deletes go on, answers searches meanwhile, and never returns a deleted point', async () => {
    const n = 7_000;
    const data = rows(8, n + 50);
    await client.createCollection('b', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 12, ef_construct: 80, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
    const live = new Set<number>();
    const deleted = new Set<number>();
    const rand = seededRandom(4);
    // 1. Points arrive in batches; background indexing starts after the first and runs while the rest arrive.
    for (let from = 0; from < n; from += 500) {
      const points = data.slice(from, Math.min(n, from + 500)).map((vector, j) => ({ id: from + j, vector }));
      await client.upsert('b', { wait: true, points });
      for (const p of points) live.add(p.id);
      // 2. Deletes of points linked, planned or still waiting, between the batches.
      const gone = Array.from({ length: 20 }, () => Math.floor(rand() * (from + 500))).filter((id) => live.has(id));
      await client.delete('b', { wait: true, points: gone });
      for (const id of gone) live.delete(id), deleted.add(id);
      // 3. Searches meanwhile never see a deleted point.
      const { points: found } = await client.query('b', { query: data[n + (from % 50)]!, limit: 10 });
      for (const p of found) expect(deleted.has(p.id as number)).toBe(false);
    }
    // 4. Green: every live point linked, in the background slices (not whenIndexed's serial pass).
    for (let i = 0; i < 600; i++) {
      const info = await client.getCollection('b');
      if (info.status === 'green' && info.indexed_vectors_count === live.size) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const info = await client.getCollection('b');
    expect(info.points_count).toBe(live.size);
    expect(info.indexed_vectors_count).toBe(live.size);
    expect(counter.planned).toBeGreaterThan(n / 2);
    // 5. Graph answers against exact answers over the live points.
    let hit = 0;
    for (let q = 0; q < 50; q++) {
      const query = data[n + q]!;
      const truth = new Set(exact(data, live, query));
      const { points: found } = await client.query('b', { query, limit: 10, params: { hnsw_ef: 64 } });
      for (const p of found) {
        expect(deleted.has(p.id as number)).toBe(false);
        if (truth.has(p.id as number)) hit++;
      }
    }
    expect(hit / 500).toBeGreaterThan(0.9);
  }, 180_000);

  it.each(['float16', 'uint8'] as const)('links a %s collection in the background on the threads', async (datatype) => {
    const n = 6_000;
    const raw = rows(21, n + 30);
    const data = datatype === 'uint8' ? byteRange(raw) : raw;
    // What the storage holds: uint8 casts by truncation (the float16 rounding moves no exact answer much).
    const stored = datatype === 'uint8' ? data.map((v) => v.map(Math.floor)) : data;
    const name = `d-${datatype}`;
    await client.createCollection(name, { vectors: { size: DIM, distance: 'Cosine', datatype }, hnsw_config: { m: 12, ef_construct: 80, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
    const before = counter.planned;
    for (let from = 0; from < n; from += 1_000) {
      await client.upsert(name, { wait: true, points: data.slice(from, from + 1_000).map((vector, j) => ({ id: from + j, vector })) });
    }
    for (let i = 0; i < 600; i++) {
      const info = await client.getCollection(name);
      if (info.status === 'green' && info.indexed_vectors_count === n) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await client.getCollection(name)).indexed_vectors_count).toBe(n);
    // Most of the graph past the serial start was planned on the threads, not linked by the serial insert.
    expect(counter.planned - before).toBeGreaterThan((n - 2_048) / 2);
    const all = Array.from({ length: n }, (_, i) => i);
    let hit = 0;
    for (let q = 0; q < 30; q++) {
      const truth = new Set(exact(stored, all, stored[n + q]!));
      const { points: found } = await client.query(name, { query: data[n + q]!, limit: 10, params: { hnsw_ef: 64 } });
      for (const p of found) if (truth.has(p.id as number)) hit++;
    }
    expect(hit / 300).toBeGreaterThan(0.9);
  }, 180_000);
});

describe('a threaded build cut short by close', () => {
  it('reopens with every point, its graph consistent, and links the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sextant-build-close-'));
    try {
      const n = 6_000;
      const data = rows(12, n + 20);
      // 1. Fill, then close as soon as the threads planned a batch: the build is mid-way.
      let client = await openDatabase({ path: dir, searchThreads: 2 });
      const counter = countPlans(buildThreads()!);
      await client.createCollection('k', { vectors: { size: DIM, distance: 'Cosine' }, hnsw_config: { m: 12, ef_construct: 80, full_scan_threshold: 100 }, optimizers_config: { indexing_threshold: 1 } });
      for (let from = 0; from < n; from += 1_000) {
        await client.upsert('k', { wait: true, points: data.slice(from, from + 1_000).map((vector, j) => ({ id: from + j, vector })) });
      }
      for (let i = 0; i < 600 && counter.planned === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(counter.planned).toBeGreaterThan(0);
      const before = await client.getCollection('k');
      await client.close();
      expect(before.indexed_vectors_count).toBeLessThan(n);
      // 2. Reopened (threads off): every point there, answers from graph + exact pass, then the graph completed.
      client = await openDatabase({ path: dir });
      try {
        expect((await client.count('k', { exact: true })).count).toBe(n);
        await client.engine.resolve('k').whenIndexed();
        expect((await client.getCollection('k')).indexed_vectors_count).toBe(n);
        let hit = 0;
        const all = Array.from({ length: n }, (_, i) => i);
        for (let q = 0; q < 20; q++) {
          const query = data[n + q]!;
          const truth = new Set(exact(data, all, query));
          for (const p of (await client.query('k', { query, limit: 10, params: { hnsw_ef: 64 } })).points) if (truth.has(p.id as number)) hit++;
        }
        expect(hit / 200).toBeGreaterThan(0.9);
      } finally {
        await client.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
