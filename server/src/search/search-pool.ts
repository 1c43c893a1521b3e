import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  MAX_SEARCH_THREADS,
  shareWithThreads,
  sharedMemorySupported,
  SearchDispatch,
  type DispatchLane,
  type LinkBatch,
  type OffloadPolicy,
  type PlanRequest,
  type ScoredIds,
  type SearchExecutor,
  type SearchRequest,
  type SharedScanTarget,
  type SharedSearchTarget,
  type WalkFilterBits,
} from '@sextant/core';

/**
 * Tells a thread of a graph before its first search of it, and again when its arrays or its codes were replaced:
 * the float arena, or the quantized codes a walk of this key ranks with. A scan target's rows come the same way,
 * without a graph.
 */
export interface AttachMessage {
  attach: number;
  distance: SearchRequest['distance'];
  arena: SearchRequest['arena'];
  codes: SearchRequest['codes'];
  graph: SearchRequest['graph'];
}

/** The accept set of a filtered walk (core's WalkFilterBits), sent ahead of the batch that asks for walk `filter`. */
export interface FilterMessage {
  filter: number;
  bits: Uint32Array;
  twoHop: boolean;
}

/** A share of an index build's batch for a thread to plan (core's PlanRequest), answered `{ planned, ok }`. */
export interface PlanMessage extends PlanRequest {
  plan: number;
}

/** Asks a thread what it holds (`SearchPool.heldGraphs`), answered with a HeldReply of the same id. */
export interface HeldMessage {
  held: number;
}

/** Graphs a thread holds walkers of: its SharedSearcher's and its SharedLinkPlanner's. */
export interface HeldReply {
  held: number;
  searched: number;
  planned: number;
}

/** Floats of each thread's query ring: 512 queries of 128 dimensions in flight before searches fall back. */
const RING_FLOATS = 1 << 16;
/** Numbers per request in a batch: id, key, k, ef, ring offset, dimensions, row limit (-1: a walk, else a scan). */
const REQUEST_FIELDS = 7;

interface Thread extends DispatchLane {
  worker: Worker;
  /** Requests waiting for the end of this event-loop turn, sent as one message (REQUEST_FIELDS numbers each). */
  outbox: number[];
  /** The query rows of requests in flight, shared with the thread: `starts` of each, oldest first, and `head`. */
  ring: Float32Array;
  starts: number[];
  head: number;
}

/**
 * The server's search threads: `worker_threads` running core's SharedSearcher over the shared vector arenas and
 * HNSW graphs, so graph walks leave the event loop that serves HTTP and gRPC. The bookkeeping (least-loaded choice,
 * searches in flight, which graphs a thread holds, failure, close) is core's `SearchDispatch`, shared with the
 * browser's pool; this file is the transport. A thread gets a graph's arrays with its first search of it and again
 * after they grew (a new epoch, `AttachMessage`).
 *
 * A message between threads costs more than a walk's answer (measured: postMessage was the main thread's largest
 * item once walks left it, and cloning a typed array or an object costs several times a list of numbers). So:
 * - the searches a turn of the event loop produces (one per request that arrived in it) leave together at its end
 *   (`setImmediate`) as one list of numbers, REQUEST_FIELDS per search;
 * - query rows do not travel: they are written into a ring of floats shared with the thread, freed in order as the
 *   answers come back (a thread answers in order); when the ring is full the search runs in-thread;
 * - each batch comes back as one list of numbers: per search its id, the count n (-1: walk it in-thread), n ids
 *   and n scores (float32 values, exact as doubles).
 *
 * Threads are unref'd while idle, so an embedded process can exit; any search in flight refs them.
 */
export class SearchPool implements SearchExecutor {
  private readonly dispatch: SearchDispatch<Thread>;
  private warned = false;
  /** Build batches on the threads, by plan id (searches and plans share a thread's queue, one message at a time). */
  private readonly plans = new Map<number, { thread: Thread; resolve: (ok: boolean) => void }>();
  /** `heldGraphs` questions waiting for their thread's answer, by id (drawn from the plan ids). */
  private readonly held = new Map<number, (reply: HeldReply) => void>();
  private nextPlan = 1;

  private constructor(script: WorkerScript, readonly threads: number) {
    this.dispatch = new SearchDispatch<Thread>({
      send: (t) => {
        const batch = t.outbox;
        t.outbox = [];
        if (t.alive) t.worker.postMessage(batch);
      },
      forget: (t, key) => t.worker.postMessage({ forget: key }),
      defer: (flush) => setImmediate(flush),
      active: (t, busy) => (busy || t.plans > 0 ? t.worker.ref() : t.worker.unref()),
      stop: (t) => t.worker.terminate().then(() => undefined),
      // A tick queued from a microtask runs once the microtask queue is empty: the end of this task.
      afterTask: (run) => void Promise.resolve().then(() => process.nextTick(run)),
    });
    for (let slot = 1; slot <= threads; slot++) this.dispatch.lanes.push(this.spawn(script, slot));
  }

  /**
   * Starts `threads` search threads (0: one per core) and makes every vector arena and graph created from now on
   * shared with them: call it before opening the database. Undefined, and nothing shared, where threads cannot
   * help or cannot run: no SharedArrayBuffer or shared WebAssembly memory, or no worker script next to this module.
   */
  static start(threads = 0, script = workerScript()): SearchPool | undefined {
    const count = Math.min(MAX_SEARCH_THREADS, threads > 0 ? threads : availableParallelism());
    if (count < 1 || script === undefined || !sharedMemorySupported()) return undefined;
    shareWithThreads(count);
    return new SearchPool(script, count);
  }

  private spawn(script: WorkerScript, slot: number): Thread {
    const ring = new Float32Array(new SharedArrayBuffer(RING_FLOATS * 4));
    const options = { workerData: { slot, queries: ring }, name: `sextant-search-${slot}` };
    const worker = script instanceof URL ? new Worker(script, options) : new Worker(script.code, { ...options, eval: true });
    const thread: Thread = { worker, busy: 0, known: new Map(), alive: true, queued: 0, outbox: [], ring, starts: [], head: 0, plans: 0, planKeys: new Set() };
    worker.unref();
    worker.on('message', (replies: number[] | { planned: number; ok: boolean } | HeldReply) => {
      if (Array.isArray(replies)) this.answer(thread, replies);
      else if ('held' in replies) this.held.get(replies.held)?.(replies);
      else this.planned(replies.planned, replies.ok);
    });
    const fail = (why: string) => {
      for (const [id, p] of this.plans) if (p.thread === thread) this.planned(id, false);
      if (this.dispatch.fail(thread)) this.warn(`search thread ${slot} stopped (${why}); its searches run on the main thread`);
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    return thread;
  }

  searchGraph(target: SharedSearchTarget, query: Float32Array, k: number, ef: number, filter?: WalkFilterBits): Promise<ScoredIds | undefined> {
    return this.ask(target, query, k, ef, -1, filter);
  }

  /** An exact scan of the rows below `limit` (SearchExecutor's contract); `live` travels as a walk's accept bits do. */
  scanRows(target: SharedScanTarget, query: Float32Array, k: number, limit: number, live?: WalkFilterBits): Promise<ScoredIds | undefined> {
    return this.ask(target, query, k, 0, limit, live);
  }

  private ask(target: SharedSearchTarget | SharedScanTarget, query: Float32Array, k: number, ef: number, limit: number, filter: WalkFilterBits | undefined): Promise<ScoredIds | undefined> {
    const thread = this.dispatch.pick();
    if (thread === undefined) return Promise.resolve(undefined);
    const offset = place(thread, query.length);
    if (offset < 0) return Promise.resolve(undefined);
    thread.ring.set(query, offset);
    thread.starts.push(offset);
    thread.head = offset + query.length;
    if (this.dispatch.attach(thread, target) !== undefined) {
      // Posted now, so it is there before the batch that leaves at the end of the turn.
      const graph = 'graph' in target ? target.graph : undefined;
      const attach: AttachMessage = { attach: target.key, distance: target.distance, arena: target.arena, codes: target.codes, graph };
      thread.worker.postMessage(attach);
    }
    return this.dispatch.enqueue(thread, (id) => {
      // The bits are shared memory, so this message carries a handle, not a copy; it arrives before the batch.
      if (filter !== undefined) thread.worker.postMessage({ filter: id, bits: filter.bits, twoHop: filter.twoHop } satisfies FilterMessage);
      thread.outbox.push(id, target.key, k, ef, offset, query.length, limit);
    });
  }

  /**
   * A share of an index build's batch, planned on the thread with the fewest searches in flight (SearchExecutor's
   * contract). The batch's arrays are shared memory, so the message carries handles, not copies.
   */
  planLinks(target: SharedSearchTarget, batch: LinkBatch, efConstruct: number): Promise<boolean> {
    const thread = this.dispatch.pickPlanner();
    // The graph's originals: the float32 arena, or float16 / uint8 rows (`codes`).
    const { key, distance, arena, codes, graph } = target;
    if (thread === undefined || (arena === undefined && codes === undefined)) return Promise.resolve(false);
    const plan = this.nextPlan++;
    thread.plans++;
    this.dispatch.notePlan(thread, target);
    return new Promise((resolve) => {
      this.plans.set(plan, { thread: thread!, resolve });
      thread!.worker.ref();
      thread!.worker.postMessage({ plan, key, distance, arena, codes, graph, efConstruct, batch } satisfies PlanMessage);
    });
  }

  /**
   * The graphs each live thread holds walkers of, for searches and for build plans (diagnostics; a graph the owner
   * dropped leaves both once it is garbage-collected). A thread answers after the messages already sent to it.
   */
  heldGraphs(): Promise<{ searched: number; planned: number }[]> {
    const threads = this.dispatch.lanes.filter((t) => t.alive);
    return Promise.all(
      threads.map(
        (t) =>
          new Promise<{ searched: number; planned: number }>((resolve) => {
            const id = this.nextPlan++;
            this.held.set(id, (r) => {
              this.held.delete(id);
              resolve({ searched: r.searched, planned: r.planned });
            });
            t.worker.postMessage({ held: id } satisfies HeldMessage);
          }),
      ),
    );
  }

  private planned(plan: number, ok: boolean): void {
    const p = this.plans.get(plan);
    if (p === undefined) return;
    this.plans.delete(plan);
    if (--p.thread.plans === 0 && p.thread.busy === 0 && p.thread.alive) p.thread.worker.unref();
    p.resolve(ok);
  }

  /** When searches hop to the threads (default `busy`: only while the event loop already has search work). */
  get policy(): OffloadPolicy {
    return this.dispatch.policy;
  }

  set policy(policy: OffloadPolicy) {
    this.dispatch.policy = policy;
  }

  /** Requests the event loop is handling now (see SearchDispatch's `ownerLoad`): the server counts its calls. */
  set ownerLoad(load: (() => number) | undefined) {
    this.dispatch.ownerLoad = load;
  }

  offloadNow(): boolean {
    return this.dispatch.offloadNow();
  }

  offloadFiltered(): boolean {
    return this.dispatch.offloadFiltered();
  }

  private answer(thread: Thread, replies: number[]): void {
    for (let i = 0; i < replies.length; ) {
      const id = replies[i]!;
      const n = replies[i + 1]!;
      i += 2;
      thread.starts.shift(); // answers come in the order asked: the oldest row is free again
      if (n < 0) {
        // Expected now and then (an entry point moving); a message per request would flood the log.
        this.dispatch.settle(id, undefined);
        continue;
      }
      const ids = new Uint32Array(n);
      const scores = new Float32Array(n);
      for (let j = 0; j < n; j++) ids[j] = replies[i + j]!;
      for (let j = 0; j < n; j++) scores[j] = replies[i + n + j]!;
      i += 2 * n;
      this.dispatch.settle(id, { ids, scores });
    }
  }

  private warn(message: string): void {
    if (this.warned || this.dispatch.closed) return;
    this.warned = true;
    console.error(`sextant: ${message}`);
  }

  close(): Promise<void> {
    for (const id of [...this.plans.keys()]) this.planned(id, false);
    return this.dispatch.close();
  }
}

/**
 * Where a query row of `len` floats goes in the thread's ring, or -1 when it is full: after the newest row in flight,
 * or at the start once the oldest has moved past it (rows never wrap around the end).
 */
function place(t: Thread, len: number): number {
  if (t.starts.length === 0) return len <= t.ring.length ? 0 : -1;
  const oldest = t.starts[0]!;
  if (t.head > oldest) {
    if (t.head + len <= t.ring.length) return t.head;
    return len <= oldest ? 0 : -1;
  }
  // The newest rows wrapped to the start: free space runs from head up to the oldest row.
  return t.head + len <= oldest ? t.head : -1;
}

/**
 * The worker's entry: `search-worker.js` beside this module (the built package). Running from the TypeScript
 * sources (tests, development), the entry is bundled once in memory with esbuild, a dev dependency;
 * where neither works (a single-file bundle of the server), undefined: searches stay on the main thread.
 */
function workerScript(): WorkerScript | undefined {
  const here = new URL('./search-worker.js', import.meta.url);
  if (here.protocol === 'file:' && existsSync(fileURLToPath(here))) return here;
  const source = new URL('./search-worker.ts', import.meta.url);
  if (source.protocol !== 'file:' || !existsSync(fileURLToPath(source))) return undefined;
  return bundledFromSource(fileURLToPath(source));
}

/** A worker's entry: a module file, or the bundled code itself (run with `eval`, so no file is left behind). */
export type WorkerScript = URL | { code: string };

let bundled: { code: string } | undefined;

function bundledFromSource(entry: string): { code: string } | undefined {
  if (bundled !== undefined) return bundled;
  try {
    // A synchronous build keeps `start` synchronous; it runs once per realm, in development only. CommonJS, because
    // an `eval` worker runs its code as a script.
    const require = createRequire(import.meta.url);
    const esbuild = require('esbuild') as { buildSync(options: object): { outputFiles: { text: string }[] } };
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const out = esbuild.buildSync({
      entryPoints: [entry],
      write: false,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      packages: 'external',
      alias: { '@sextant/core': join(root, 'core/src/index.ts') },
      logLevel: 'silent',
    });
    bundled = { code: out.outputFiles[0]!.text };
    return bundled;
  } catch {
    return undefined;
  }
}
