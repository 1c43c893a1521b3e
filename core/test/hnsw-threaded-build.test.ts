import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseVectorStorage, HnswIndex, createDenseVectors, exactSearch, shareWithThreads, sharedMemorySupported } from '../src/index.js';
import type { DenseVectors, Distance } from '../src/index.js';
import type { VectorDatatype } from '../src/collection/config.js';
import { attachCodes } from '../src/executor/shared-codes.js';
import { originalsTarget } from '../src/executor/executor.js';
import type { ScoredIds, SearchExecutor, SharedSearchTarget } from '../src/index.js';
import { DenseIndex } from '../src/collection/dense-index.js';
import { buildOnThreads } from '../src/executor/build-threads.js';
import { SharedLinkPlanner } from '../src/executor/build-planner.js';
import { THREADED_MIN_GRAPH } from '../src/executor/build-batches.js';
import type { HnswGraph } from '../src/index/hnsw/hnsw-graph.js';
import type { LinkBatch } from '../src/index/hnsw/plan-links.js';
import { seededRandom } from '../src/query/advanced/sample-random.js';

// Batch-parallel builds with the build threads' code (SharedLinkPlanner) run on this thread, a macrotask after the
// request, so the owner's slices, searches and writes interleave with the plans as they would with workers. The
// server's suite runs the same code in real worker_threads (server/test/build-threads.test.ts).
const DIM = 48;
const M = 12;
const EF = 80;

/** An executor whose "threads" are planners on this thread, each answering a macrotask later. */
class InThreadPlanners implements SearchExecutor {
  readonly threads = 2;
  planned = 0;
  private readonly planners = [new SharedLinkPlanner(1), new SharedLinkPlanner(2)];
  private turn = 0;

  searchGraph(): Promise<ScoredIds | undefined> {
    return Promise.resolve(undefined);
  }

  planLinks(target: SharedSearchTarget, batch: LinkBatch, efConstruct: number): Promise<boolean> {
    const planner = this.planners[this.turn++ % this.planners.length]!;
    return new Promise((resolve) =>
      setTimeout(() => {
        const ok = planner.plan({ key: target.key, distance: target.distance, arena: target.arena, codes: target.codes, graph: target.graph, efConstruct, batch });
        if (ok) this.planned += batch.to - batch.from;
        resolve(ok);
      }, 0),
    );
  }

  async close(): Promise<void> {}
}

/** Seeded clustered rows: 40 centres, points spread around them (graphs on clustered data are the hard case). */
function clustered(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const centres = Array.from({ length: 40 }, () => Array.from({ length: DIM }, () => rand() * 2 - 1));
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(rand() * centres.length)]!;
    for (let d = 0; d < DIM; d++) out[i * DIM + d] = c[d]! + (rand() - 0.5) * 0.6;
  }
  return out;
}

function graphOf(index: HnswIndex): HnswGraph {
  return (index as unknown as { g: HnswGraph }).g;
}

/**
 * Degree bounds, no self or duplicate links, only live nodes in the graph; returns how many nodes a walk cannot
 * reach from the entry over layer 0.
 */
function checkInvariants(index: HnswIndex, live: Set<number>): number {
  const g = graphOf(index);
  const problems: string[] = [];
  let nodes = 0;
  const seenAt = new Int32Array(g.levels.length).fill(-1);
  let mark = 0;
  for (let id = 0; id < g.levels.length; id++) {
    const level = g.levels[id]!;
    if (level < 0) continue;
    nodes++;
    if (!live.has(id)) problems.push(`${id} is deleted but in the graph`);
    for (let l = 0; l <= level; l++) {
      const links = g.linkArray(id, l);
      const base = g.linkBase(id, l);
      const count = links[base]!;
      if (count > g.maxLinks(l)) problems.push(`${id} has ${count} links on level ${l}`);
      mark++;
      for (let j = 1; j <= count; j++) {
        const nb = links[base + j]!;
        if (nb === id) problems.push(`${id} links to itself on level ${l}`);
        if (seenAt[nb] === mark) problems.push(`${id} links twice to ${nb} on level ${l}`);
        seenAt[nb] = mark;
      }
    }
  }
  expect(problems.slice(0, 5)).toEqual([]);
  expect(nodes).toBe(g.nodes);
  expect(nodes).toBe(live.size);
  // Reachability from the entry over layer 0, following only links to nodes in the graph.
  const seen = new Uint8Array(g.levels.length);
  const stack = [g.entry];
  seen[g.entry] = 1;
  let reached = 0;
  while (stack.length > 0) {
    const id = stack.pop()!;
    reached++;
    const base = id * g.stride0;
    for (let j = 1; j <= g.links0[base]!; j++) {
      const nb = g.links0[base + j]!;
      if (seen[nb] === 1 || g.levels[nb]! < 0) continue;
      seen[nb] = 1;
      stack.push(nb);
    }
  }
  return nodes - reached;
}

function recall(index: HnswIndex, queries: Float32Array[], truth: number[][], k: number, ef: number): number {
  let hit = 0;
  for (let q = 0; q < queries.length; q++) {
    const found = new Set(index.search(queries[q]!, k, ef).ids);
    for (const id of truth[q]!) if (found.has(id)) hit++;
  }
  return hit / (queries.length * k);
}

/** Exact top-k by cosine over the first `n` rows, in plain JS (the oracle shares no code with the graph). */
function exactTruth(rows: Float32Array, n: number, queries: Float32Array[], k: number): number[][] {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < DIM; d++) s += rows[i * DIM + d]! ** 2;
    norms[i] = Math.sqrt(s);
  }
  const sims = new Float64Array(n);
  const order = new Uint32Array(n);
  return queries.map((q) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < DIM; d++) s += rows[i * DIM + d]! * q[d]!;
      sims[i] = s / norms[i]!;
      order[i] = i;
    }
    return Array.from(order.sort((a, b) => sims[b]! - sims[a]!).subarray(0, k));
  });
}

/** Runs background slices as the collection does: a few ms each, waiting on the threads when told to. */
async function indexInSlices(index: DenseIndex, between?: (slice: number) => void): Promise<number> {
  let slices = 0;
  while (index.wantsIndexing()) {
    index.indexSome(Date.now() + 4);
    between?.(slices++);
    const wait = index.indexingWait();
    if (wait !== undefined) await wait;
    else await new Promise((r) => setTimeout(r, 0));
  }
  return slices;
}

/**
 * The same rows indexed twice through background slices, serially and on `executor`'s planners; `planned`: the
 * build shares the planners took during the threaded build. Leaves `executor` registered for builds.
 */
async function serialAndThreaded(executor: InThreadPlanners, storageOf: () => DenseVectors, rows: Float32Array, n: number) {
  const build = async (threaded: boolean) => {
    buildOnThreads(threaded ? executor : undefined);
    const storage = storageOf();
    const index = DenseIndex.create(storage, M, EF, 1);
    for (let id = 0; id < n; id++) {
      storage.set(id, rows.subarray(id * DIM, (id + 1) * DIM));
      index.add(id);
    }
    await indexInSlices(index);
    return { storage, graph: index.graph! };
  };
  const serial = await build(false);
  const before = executor.planned;
  const threaded = await build(true);
  buildOnThreads(executor);
  return { serial, threaded, planned: executor.planned - before };
}

describe.runIf(sharedMemorySupported())('batch-parallel HNSW build', () => {
  const executor = new InThreadPlanners();
  beforeAll(() => {
    shareWithThreads(2);
    buildOnThreads(executor);
  });
  afterAll(() => {
    buildOnThreads(undefined);
    shareWithThreads(0);
  });

  // Euclid: its ranks are >= 0, so a candidate lost to a zeroed scratch (id 0 at rank 0) would be the best of all.
  it.each(['Cosine', 'Euclid'] as const)('builds a %s graph whose recall matches the serial build, with the graph invariants', async (distance) => {
    const n = 10_000;
    const rows = clustered(n + 200, 11);
    const { serial, threaded, planned } = await serialAndThreaded(executor, () => new DenseVectorStorage(DIM, distance, n), rows, n);
    // Everything past the serial start went through the planners.
    expect(planned).toBeGreaterThanOrEqual(n - THREADED_MIN_GRAPH - 512);
    const live = new Set(Array.from({ length: n }, (_, i) => i));
    // HNSW does not promise every node an in-link on layer 0 (the heuristic may prune a node's last one, in the serial
    // build too): the threaded build may orphan no more nodes than a thousandth.
    const lostT = checkInvariants(threaded.graph, live);
    const lostS = checkInvariants(serial.graph, live);
    expect(lostT).toBeLessThanOrEqual(Math.max(lostS, n / 1000));

    // Held-out rows of the same clusters as queries.
    const queries = Array.from({ length: 200 }, (_, q) => serial.storage.prepareQuery(Array.from(rows.subarray((n + q) * DIM, (n + q + 1) * DIM))));
    const truth = distance === 'Cosine' ? exactTruth(rows, n, queries, 10) : queries.map((q) => Array.from(exactSearch(serial.storage, q, 10).ids));
    const rs = recall(serial.graph, queries, truth, 10, 64);
    const rt = recall(threaded.graph, queries, truth, 10, 64);
    expect(rs).toBeGreaterThan(0.9);
    expect(rt).toBeGreaterThanOrEqual(rs - 0.01);
  });

  it('stays consistent under deletes and inserts between slices, and searches find every live point meanwhile', async () => {
    const n = 9_000;
    const rows = clustered(n + 2_000, 23);
    const storage = new DenseVectorStorage(DIM, 'Cosine', n + 2_000);
    const index = DenseIndex.create(storage, M, EF, 1);
    const live = new Set<number>();
    const put = (id: number) => {
      storage.set(id, rows.subarray(id * DIM, (id + 1) * DIM));
      index.add(id);
      live.add(id);
    };
    const drop = (id: number) => {
      if (!live.has(id)) return;
      index.remove(id);
      storage.delete(id);
      live.delete(id);
    };
    for (let id = 0; id < n; id++) put(id);
    const rand = seededRandom(99);
    let next = n;
    const planned = executor.planned;
    await indexInSlices(index, (slice) => {
      // 1. Deletes of any id: linked, in a batch being planned or linked, or still waiting.
      for (let j = 0; j < 6; j++) drop(Math.floor(rand() * next));
      // 2. New points keep arriving while the build runs.
      if (next < n + 2_000) for (let j = 0; j < 20; j++) put(next++);
      // 3. A live point is always found by an exact-enough search: its own vector ranks it first.
      if (slice % 5 === 0) {
        const probe = [...live][Math.floor(rand() * live.size)]!;
        const q = storage.prepareQuery(Array.from(rows.subarray(probe * DIM, (probe + 1) * DIM)));
        const found = index.search(q, 1, 200, (id) => live.has(id));
        expect(found.ids[0]).toBe(probe);
      }
    });
    expect(executor.planned).toBeGreaterThan(planned);
    expect(index.pendingCount).toBe(0);
    expect(checkInvariants(index.graph!, live)).toBeLessThanOrEqual(live.size / 1000);
  });

  it('a serial pass (whenIndexed) takes over a build in flight and links what it handed out', async () => {
    const n = 6_000;
    const rows = clustered(n, 3);
    const storage = new DenseVectorStorage(DIM, 'Cosine', n);
    const index = DenseIndex.create(storage, M, EF, 1);
    for (let id = 0; id < n; id++) {
      storage.set(id, rows.subarray(id * DIM, (id + 1) * DIM));
      index.add(id);
    }
    // 1. Slices until a batch is out on the planners.
    while (index.indexingWait() === undefined && index.wantsIndexing()) index.indexSome(Date.now() + 4);
    expect(index.indexingWait()).toBeDefined();
    // 2. The synchronous pass links everything now, the batch in flight included.
    while (index.indexSome(Infinity));
    expect(index.pendingCount).toBe(0);
    const all = new Set(Array.from({ length: n }, (_, i) => i));
    const lost = checkInvariants(index.graph!, all);
    expect(lost).toBeLessThanOrEqual(n / 1000);
    // 3. The plans landing later change nothing.
    await new Promise((r) => setTimeout(r, 10));
    expect(checkInvariants(index.graph!, all)).toBe(lost);
  });
});

describe.runIf(sharedMemorySupported())('batch-parallel HNSW build over float16 and uint8 rows', () => {
  const executor = new InThreadPlanners();
  beforeAll(() => {
    shareWithThreads(2);
    buildOnThreads(executor);
  });
  afterAll(() => {
    buildOnThreads(undefined);
    shareWithThreads(0);
  });

  /** Clustered rows as the datatype holds them: uint8 gets them mapped into the byte range (casting truncates). */
  function rowsFor(datatype: VectorDatatype, n: number, seed: number): Float32Array {
    const rows = clustered(n, seed);
    if (datatype === 'uint8') for (let i = 0; i < rows.length; i++) rows[i] = Math.min(255.9, Math.max(0, rows[i]! * 80 + 128));
    return rows;
  }

  const cases: [VectorDatatype, Distance][] = [
    ['float16', 'Cosine'],
    ['float16', 'Euclid'],
    ['uint8', 'Cosine'],
    ['uint8', 'Dot'],
  ];

  it.each(cases)('a thread ranks %s (%s) from a stored row exactly as the storage does', (datatype, distance) => {
    const n = 6_000;
    const rows = rowsFor(datatype, n, 5);
    const storage = createDenseVectors(DIM, distance, datatype, n);
    const index = new HnswIndex(storage, { m: M, efConstruct: EF });
    for (let id = 0; id < n; id++) storage.set(id, rows.subarray(id * DIM, (id + 1) * DIM));
    // 1. The rows are in shared memory (past 1 MB of float32-equivalent rows), as a thread gets them.
    const target = originalsTarget(index);
    expect(target?.codes?.kind).toBe(datatype === 'float16' ? 'f16' : 'u8');
    const reader = attachCodes(target!.codes!, 1)!;
    // 2. Several handles in a row (the decoded-row cache must follow the handle), each against ids far and near.
    for (const h of [7, 5_999, 7, 1_234, 0]) {
      const ids = [0, 1, h, 2_000, 5_998, 5_999, 4_321];
      ids.forEach((id, i) => ((reader.batchIds[i] = id), (storage.batchIds[i] = id)));
      reader.rankBatch(h, ids.length);
      storage.rankBatch(h, ids.length);
      expect(Array.from(reader.batchOut.subarray(0, ids.length))).toEqual(Array.from(storage.batchOut.subarray(0, ids.length)));
    }
    expect(reader.stale).toBe(false);
  });

  it('a float16 reader decodes its stored row again after another reader of the same slot wrote the scratch', () => {
    const n = 6_000;
    const make = (seed: number) => {
      const rows = rowsFor('float16', n, seed);
      const storage = createDenseVectors(DIM, 'Cosine', 'float16', n);
      for (let id = 0; id < n; id++) storage.set(id, rows.subarray(id * DIM, (id + 1) * DIM));
      const reader = attachCodes(originalsTarget(new HnswIndex(storage, { m: M, efConstruct: EF }))!.codes!, 1)!;
      return { storage, reader };
    };
    // 1. Two storages' readers in one thread's slot (two graphs planned by one thread), the same handle id in both.
    const a = make(31);
    const b = make(32);
    const rank = (r: { batchIds: Uint32Array; batchOut: Float32Array; rankBatch(h: number, c: number): void }) => {
      [3, 4, 5].forEach((id, i) => (r.batchIds[i] = id));
      r.rankBatch(9, 3);
      return Array.from(r.batchOut.subarray(0, 3));
    };
    const want = rank(a.storage);
    expect(rank(a.reader)).toEqual(want);
    expect(rank(b.reader)).not.toEqual(want);
    // 2. A new request (as the planner starts each plan): a's row 9 is decoded again, not b's row 9 used.
    a.reader.startRequest!();
    expect(rank(a.reader)).toEqual(want);
  });

  it.each(cases)('builds a %s (%s) graph on the planners whose recall matches the serial build, with the graph invariants', async (datatype, distance) => {
    const n = 8_000;
    const rows = rowsFor(datatype, n + 100, 17);
    const { serial, threaded, planned } = await serialAndThreaded(executor, () => createDenseVectors(DIM, distance, datatype, n), rows, n);
    // 1. Everything past the serial start went through the planners (none of it fell back to the serial insert).
    expect(planned).toBeGreaterThanOrEqual(n - THREADED_MIN_GRAPH - 512);
    // 2. The invariants, and no more orphans than the serial build (or a thousandth).
    const live = new Set(Array.from({ length: n }, (_, i) => i));
    const lostT = checkInvariants(threaded.graph, live);
    const lostS = checkInvariants(serial.graph, live);
    expect(lostT).toBeLessThanOrEqual(Math.max(lostS, n / 1000));
    // 3. Recall against the exact top 10 of the stored (rounded / cast) values, on held-out rows of the same clusters.
    const queries = Array.from({ length: 100 }, (_, q) => serial.storage.prepareQuery(Array.from(rows.subarray((n + q) * DIM, (n + q + 1) * DIM))));
    const truth = queries.map((q) => Array.from(exactSearch(serial.storage, q, 10).ids));
    const rs = recall(serial.graph, queries, truth, 10, 64);
    const rt = recall(threaded.graph, queries, truth, 10, 64);
    expect(rs).toBeGreaterThan(0.9);
    expect(rt).toBeGreaterThanOrEqual(rs - 0.01);
  });
});
