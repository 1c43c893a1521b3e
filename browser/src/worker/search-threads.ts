import {
  MAX_SEARCH_THREADS,
  buildOnThreads,
  shareWithThreads,
  sharedMemorySupported,
  SearchDispatch,
  type DispatchLane,
  type LinkBatch,
  type OffloadPolicy,
  type PlanRequest,
  type ScoredIds,
  type SearchExecutor,
  type SearchReply,
  type SearchRequest,
  type SharedScanTarget,
  type SharedSearchTarget,
  type WalkFilterBits,
} from '@sextant/core';

/** What the owner's engine runs searches on; see `BrowserDatabase.threads`. */
export interface ThreadReport {
  /** The engine's worker is cross-origin isolated: SharedArrayBuffer and shared WebAssembly memory are usable. */
  isolated: boolean;
  /** Search workers running; 0: every search runs in the engine's worker. */
  searchThreads: number;
  /**
   * Graph walks and exact scans the search workers answered since the engine opened (those they handed back are not
   * counted).
   */
  offloaded: number;
  /**
   * Shares of index-build batches the search workers planned since the engine opened (core's build-batches.ts: past
   * THREADED_MIN_GRAPH nodes of a shared graph, the workers plan the links, the engine's worker applies them).
   */
  planned: number;
}

/** A share of an index build's batch for a search worker to plan (core's PlanRequest), answered `{ planned, ok }`. */
export interface PlanMessage extends PlanRequest {
  plan: number;
}

interface Thread extends DispatchLane {
  worker: Worker;
  /** Requests of the current task, sent as one message at its end. */
  outbox: SearchRequest[];
}

/**
 * The browser's search threads: Web Workers started by the engine's worker, each running core's SharedSearcher over
 * the shared vector arenas and HNSW graphs, so graph walks leave the worker that applies writes. The bookkeeping
 * (least-loaded choice, searches in flight, which graphs a worker holds, failure, close) is core's `SearchDispatch`,
 * shared with the server's worker_threads pool (server/src/search/search-pool.ts); this file is the transport: a
 * worker gets a graph's arrays with its first search of it and again after they grew (a new epoch); the query
 * crosses as a copy (one row), ids and scores come back transferred. Searches of one task (a batch request) leave
 * together in one message, a task later (`nextTask`). The workers also plan the links of index builds' batches
 * (`planLinks`, core's build-batches.ts), one share of a batch per message, answered on its own.
 *
 * Needs cross-origin isolation (a page served with COOP same-origin and COEP require-corp): without it browsers
 * give no SharedArrayBuffer, `start` returns undefined and nothing changes. A worker that fails (its script did not
 * load, it crashed) stops taking searches, and its searches in flight resolve undefined: the engine walks in-thread.
 */
export class WebSearchPool implements SearchExecutor {
  private readonly dispatch: SearchDispatch<Thread>;
  /** Build batch shares on the workers, by plan id (searches and plans share a worker's queue, one message at a time). */
  private readonly plans = new Map<number, { thread: Thread; resolve: (ok: boolean) => void }>();
  private nextPlan = 1;
  private plannedOk = 0;

  private constructor(
    script: URL,
    readonly threads: number,
  ) {
    this.dispatch = new SearchDispatch<Thread>({
      send: (t) => {
        const batch = t.outbox;
        t.outbox = [];
        if (t.alive) t.worker.postMessage({ batch });
      },
      forget: (t, key) => t.worker.postMessage({ forget: key }),
      defer: nextTask(),
      stop: (t) => t.worker.terminate(),
    });
    for (let slot = 1; slot <= threads; slot++) this.dispatch.lanes.push(this.spawn(script, slot));
  }

  /**
   * Starts `threads` search workers (undefined: `hardwareConcurrency - 1`, at least 1; 0: none) and makes every
   * vector arena and graph created from now on shared with them: call it before the engine opens. Undefined, and
   * nothing shared, when threads are off or cannot run (not cross-origin isolated, no Worker in this scope).
   * `script`: the search worker's module (sextant-search-worker.js, next to the engine's worker script).
   */
  static start(threads: number | undefined, script: URL): WebSearchPool | undefined {
    if (threads === 0 || !isolated() || typeof Worker !== 'function') return undefined;
    const count = Math.min(MAX_SEARCH_THREADS, threads ?? defaultThreads());
    if (count < 1) return undefined;
    shareWithThreads(count);
    try {
      return new WebSearchPool(script, count);
    } catch {
      // A Worker constructor can throw (a content security policy refusing blob: workers): stay in-thread, and
      // share nothing more.
      shareWithThreads(0);
      return undefined;
    }
  }

  /** Walks the search workers answered so far. */
  get offloaded(): number {
    return this.dispatch.offloaded;
  }

  /** Searches go here when at least one worker is still running. */
  get running(): number {
    return this.dispatch.running;
  }

  private spawn(script: URL, slot: number): Thread {
    const worker = startWorker(script, `sextant-search-${slot}`);
    const thread: Thread = { worker, busy: 0, known: new Map(), alive: true, queued: 0, outbox: [], plans: 0, planKeys: new Set() };
    worker.onmessage = (event: MessageEvent<SearchReply[] | { planned: number; ok: boolean }>) => {
      const data = event.data;
      if (!Array.isArray(data)) return this.settlePlan(data.planned, data.ok);
      // A reply with `retry` is expected now and then (an entry point moving): the engine walks that one itself.
      for (const reply of data) this.dispatch.settle(reply.id, 'retry' in reply ? undefined : { ids: reply.ids, scores: reply.scores });
    };
    const fail = (why: string) => {
      for (const [id, p] of this.plans) if (p.thread === thread) this.settlePlan(id, false);
      if (!this.dispatch.fail(thread)) return;
      worker.terminate();
      if (!this.dispatch.closed) console.error(`sextant: search worker ${slot} stopped (${why}); its searches run in the engine's worker`);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      fail(event.message || 'its script failed to load');
    };
    worker.onmessageerror = () => fail('a reply could not be read');
    // Messages queue until the script runs, so the slot arrives before any search.
    worker.postMessage({ slot });
    return thread;
  }

  searchGraph(target: SharedSearchTarget, query: Float32Array, k: number, ef: number, filter?: WalkFilterBits): Promise<ScoredIds | undefined> {
    const thread = this.dispatch.pick();
    if (thread === undefined) return Promise.resolve(undefined);
    const lacks = this.dispatch.attach(thread, target);
    return this.dispatch.enqueue(thread, (id) => {
      const request: SearchRequest = { id, key: target.key, distance: target.distance, query, k, ef };
      if (lacks === 'new') request.arena = target.arena;
      if (lacks !== undefined) request.graph = target.graph;
      // Quantized walks: the codes (their arena, fit and row sums) again whenever the pair's epoch moved.
      if (lacks !== undefined && target.codes !== undefined) request.codes = target.codes;
      if (filter !== undefined) request.filter = filter; // its bits are shared memory: the clone is a handle
      thread.outbox.push(request);
    });
  }

  /** An exact scan of the rows below `limit` (SearchExecutor's contract): the rows again whenever their epoch moved. */
  scanRows(target: SharedScanTarget, query: Float32Array, k: number, limit: number, live?: WalkFilterBits): Promise<ScoredIds | undefined> {
    const thread = this.dispatch.pick();
    if (thread === undefined) return Promise.resolve(undefined);
    const lacks = this.dispatch.attach(thread, target);
    return this.dispatch.enqueue(thread, (id) => {
      const request: SearchRequest = { id, key: target.key, distance: target.distance, query, k, ef: 0, limit };
      if (lacks !== undefined) (request.arena = target.arena), (request.codes = target.codes);
      if (live !== undefined) request.filter = live; // shared memory: the clone is a handle
      thread.outbox.push(request);
    });
  }

  /**
   * A share of an index build's batch, planned on the worker with the least work of both kinds, so the shares of one
   * batch spread over the workers (SearchExecutor's contract). The batch's arrays, the arena and the graph are shared
   * memory: the message carries handles, not copies.
   */
  planLinks(target: SharedSearchTarget, batch: LinkBatch, efConstruct: number): Promise<boolean> {
    const thread = this.dispatch.pickPlanner();
    // The graph's originals: the float32 arena, or float16 / uint8 rows (`codes`).
    const { key, distance, arena, codes, graph } = target;
    if (thread === undefined || (arena === undefined && codes === undefined)) return Promise.resolve(false);
    const plan = this.nextPlan++;
    thread.plans++;
    // A graph gone tells the workers that planned for it to forget it, as those that searched it.
    this.dispatch.notePlan(thread, target);
    const message: PlanMessage = { plan, key, distance, arena, codes, graph, efConstruct, batch };
    return new Promise((resolve) => {
      this.plans.set(plan, { thread: thread!, resolve });
      thread!.worker.postMessage(message);
    });
  }

  /** Build batch shares the workers planned (answered true). */
  get plannedShares(): number {
    return this.plannedOk;
  }

  private settlePlan(plan: number, ok: boolean): void {
    const p = this.plans.get(plan);
    if (p === undefined) return;
    this.plans.delete(plan);
    p.thread.plans--;
    if (ok) this.plannedOk++;
    p.resolve(ok);
  }

  /** When searches hop to the workers (default `busy`: only while the engine's worker already has search work). */
  get policy(): OffloadPolicy {
    return this.dispatch.policy;
  }

  set policy(policy: OffloadPolicy) {
    this.dispatch.policy = policy;
  }

  offloadNow(): boolean {
    return this.dispatch.offloadNow();
  }

  offloadFiltered(): boolean {
    return this.dispatch.offloadFiltered();
  }

  close(): Promise<void> {
    for (const id of [...this.plans.keys()]) this.settlePlan(id, false);
    return this.dispatch.close();
  }
}

/**
 * `run` as a task after the ones already queued (message events from the page among them): searches the page sent
 * together then meet in one batch, and the dispatch sees them as one turn of load. (A microtask would end the turn
 * with each message.)
 */
function nextTask(): (run: () => void) => void {
  let pending: (() => void) | undefined;
  let channel: MessageChannel | undefined;
  return (run) => {
    pending = run;
    if (channel === undefined) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const r = pending;
        pending = undefined;
        r?.();
      };
    }
    channel.port2.postMessage(null);
  };
}

/** This scope may share memory with workers: cross-origin isolated (or a runtime without that notion) and able to. */
export function isolated(): boolean {
  const flag = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  return flag !== false && sharedMemorySupported();
}

function defaultThreads(): number {
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 2;
  return Math.max(1, cores - 1);
}

/**
 * A same-origin blob module that imports the search worker. Two reasons: a worker script of another origin is
 * refused (a page of origin A importing the SDK from server B runs the engine in a blob worker of origin A), and
 * Chromium does not pass a dedicated worker's own script request through the service worker, while a blob worker's
 * `import` is an ordinary request that the page's offline cache (the demo's) can answer. A blob worker inherits its
 * creator's cross-origin isolation.
 */
function startWorker(script: URL, name: string): Worker {
  const shim = new Blob([`import ${JSON.stringify(script.href)};`], { type: 'text/javascript' });
  const url = URL.createObjectURL(shim);
  try {
    return new Worker(url, { type: 'module', name });
  } finally {
    // The worker has the URL already; the shim is fetched from the blob store when it starts, which a revoke here
    // would race, so it is released once the worker had time to load it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/** An engine whose searches may run on search workers (core's EmbeddedClient). */
interface ThreadedEngine {
  executor: SearchExecutor | undefined;
  close(): Promise<void>;
}

/**
 * Opens the engine with `open`, its plain graph walks and its index builds' batches on search workers when
 * `threads` allows and the scope is cross-origin isolated (see `WebSearchPool.start`). The workers start first, so
 * the arenas and graphs the engine makes while opening are already shared; closing the engine stops them. The
 * engine gains `threads()`, the report the page reads.
 */
export async function withSearchThreads<E extends ThreadedEngine>(
  threads: number | undefined,
  script: URL,
  open: () => Promise<E>,
): Promise<E & { threads(): ThreadReport }> {
  const pool = WebSearchPool.start(threads, script);
  let engine: E;
  try {
    engine = await open();
  } catch (error) {
    await pool?.close();
    throw error;
  }
  const report = (): ThreadReport => ({
    isolated: isolated(),
    searchThreads: pool?.running ?? 0,
    offloaded: pool?.offloaded ?? 0,
    planned: pool?.plannedShares ?? 0,
  });
  if (pool === undefined) return Object.assign(engine, { threads: report });
  engine.executor = pool;
  // Background index builds plan their batches on the same workers (core's ThreadedBuild), as the server's do. The
  // registration is per realm: this worker runs one engine.
  buildOnThreads(pool);
  const close = engine.close.bind(engine);
  engine.close = async () => {
    try {
      await close();
    } finally {
      engine.executor = undefined;
      buildOnThreads(undefined);
      await pool.close();
    }
  };
  return Object.assign(engine, { threads: report });
}
