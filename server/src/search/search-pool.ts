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
  type ScoredIds,
  type SearchExecutor,
  type SearchReply,
  type SearchRequest,
  type SharedSearchTarget,
} from '@sextant/core';

interface Thread {
  worker: Worker;
  /** Searches sent and not answered yet. */
  busy: number;
  /** Per graph key, the epoch of the graph arrays this thread holds (or will, once its outbox is sent). */
  known: Map<number, number>;
  alive: boolean;
  /** Requests waiting for the end of this event-loop turn, sent as one message. */
  outbox: SearchRequest[];
}

interface Waiting {
  thread: Thread;
  resolve: (found: ScoredIds | undefined) => void;
}

/**
 * The server's search threads: `worker_threads` running core's SharedSearcher over the shared vector arenas and
 * HNSW graphs, so graph walks leave the event loop that serves HTTP and gRPC. Each search goes to the thread with
 * the fewest in flight. A thread gets a graph's arrays with its first search of it and again after they grew
 * (a new epoch); the query crosses as a copy (one row), ids and scores come back transferred.
 *
 * A message between threads costs more than a walk's answer (measured: postMessage was the main thread's largest
 * item once walks left it), so the searches a turn of the event loop produces (one per request that arrived in
 * it) leave together at its end (`setImmediate`), and come back in one message per batch.
 *
 * Threads are unref'd while idle, so an embedded process can exit; any search in flight refs them.
 */
export class SearchPool implements SearchExecutor {
  private readonly pool: Thread[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private closed = false;
  private warned = false;
  private readonly gone = new FinalizationRegistry<number>((key) => this.forget(key));
  private readonly registered = new Set<number>();
  private flushing = false;

  private constructor(script: WorkerScript, readonly threads: number) {
    for (let slot = 1; slot <= threads; slot++) this.pool.push(this.spawn(script, slot));
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
    const options = { workerData: { slot }, name: `sextant-search-${slot}` };
    const worker = script instanceof URL ? new Worker(script, options) : new Worker(script.code, { ...options, eval: true });
    const thread: Thread = { worker, busy: 0, known: new Map(), alive: true, outbox: [] };
    worker.unref();
    worker.on('message', (replies: SearchReply[]) => {
      for (const reply of replies) this.answer(reply);
    });
    const fail = (why: string) => {
      if (!thread.alive) return;
      thread.alive = false;
      this.warn(`search thread ${slot} stopped (${why}); its searches run on the main thread`);
      for (const [id, w] of this.waiting) if (w.thread === thread) this.settle(id, undefined);
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    return thread;
  }

  searchGraph(target: SharedSearchTarget, query: Float32Array, k: number, ef: number): Promise<ScoredIds | undefined> {
    const thread = this.pick();
    if (thread === undefined) return Promise.resolve(undefined);
    const id = this.nextId++;
    const request: SearchRequest = { id, key: target.key, distance: target.distance, query, k, ef };
    const epoch = thread.known.get(target.key);
    if (epoch === undefined) request.arena = target.arena;
    if (epoch !== target.graph.epoch) {
      request.graph = target.graph;
      thread.known.set(target.key, target.graph.epoch);
    }
    if (!this.registered.has(target.key)) {
      this.registered.add(target.key);
      this.gone.register(target.index, target.key);
    }
    return new Promise((resolve) => {
      this.waiting.set(id, { thread, resolve });
      if (thread.busy++ === 0) thread.worker.ref();
      thread.outbox.push(request);
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushing = false;
    for (const t of this.pool) {
      if (t.outbox.length === 0) continue;
      const batch = t.outbox;
      t.outbox = [];
      // A thread that died meanwhile already settled these requests (in-thread fallback).
      if (t.alive) t.worker.postMessage({ batch });
    }
  }

  private pick(): Thread | undefined {
    if (this.closed) return undefined;
    let best: Thread | undefined;
    for (const t of this.pool) if (t.alive && (best === undefined || t.busy < best.busy)) best = t;
    return best;
  }

  private answer(reply: SearchReply): void {
    if ('retry' in reply) {
      // Expected now and then (an entry point moving); a message per request would flood the log.
      this.settle(reply.id, undefined);
      return;
    }
    this.settle(reply.id, { ids: reply.ids, scores: reply.scores });
  }

  private settle(id: number, found: ScoredIds | undefined): void {
    const w = this.waiting.get(id);
    if (w === undefined) return;
    this.waiting.delete(id);
    if (--w.thread.busy === 0 && w.thread.alive) w.thread.worker.unref();
    w.resolve(found);
  }

  /** A graph was garbage-collected: threads drop their walkers of it. */
  private forget(key: number): void {
    this.registered.delete(key);
    for (const t of this.pool) {
      if (!t.known.delete(key) || !t.alive) continue;
      t.worker.postMessage({ forget: key });
    }
  }

  private warn(message: string): void {
    if (this.warned || this.closed) return;
    this.warned = true;
    console.error(`sextant: ${message}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.waiting.keys()]) this.settle(id, undefined);
    await Promise.all(this.pool.map((t) => ((t.alive = false), t.worker.terminate())));
  }
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
