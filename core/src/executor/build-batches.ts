import type { HnswIndex } from '../index/hnsw/hnsw-index.js';
import type { LinkBatch } from '../index/hnsw/plan-links.js';
import type { SearchExecutor } from './executor.js';
import { originalsTarget } from './executor.js';
import { newBuffer } from './shared-memory.js';

/** Nodes per build thread in one batch: big enough that a message is cheap beside it, small enough that the exact
 * pass over the batch's earlier nodes (up to two batches of them per node) stays a small part of a node's walk. */
export const BATCH_PER_THREAD = 128;
/** Nodes per message to a build thread. */
export const CHUNK = 32;
/** Below this many nodes in the graph, inserts stay serial: early batches would see too little of each other. */
export const THREADED_MIN_GRAPH = 2048;

/** Where a build takes its work: the index's pending ids (see DenseIndex). */
export interface PendingSource {
  /** Up to `n` pending ids in insertion order, now in flight (still pending to searches until claimed). */
  takePending(n: number): Uint32Array;
  /** An in-flight id is about to be linked: true when it still should be (not deleted meanwhile); it stops being pending. */
  claim(id: number): boolean;
}

interface Batch {
  /** Previous batch then this one, in link order (shared with the threads); this batch is `ids[start..]`. */
  batch: LinkBatch;
  start: number;
  /** Per node of this batch: 1 when a thread planned it (else the owner links it with the serial search). */
  planned: Uint8Array;
  done: boolean;
  promise: Promise<void>;
  /** Next node of `ids` to link. */
  next: number;
}

/**
 * A batch-parallel HNSW build over an executor's threads. Each batch's nodes are readied (level drawn, blocks given)
 * on the owner, their neighbours are planned on the threads against the graph as it is (plan-links.ts), and the
 * owner links them in order (link-planned.ts) in its own slices. While the owner links batch k, the threads plan
 * batch k+1, whose nodes therefore also score batch k's exactly.
 *
 * Only the owner writes the graph, so a delete or a search between slices sees the graph as after a serial insert,
 * and dropping the build at any point (close, compaction, `drain`) leaves it consistent: unlinked nodes were never
 * visible, and stay pending until linked.
 */
export class ThreadedBuild {
  private readonly batches: Batch[] = [];

  constructor(
    private readonly graph: HnswIndex,
    private readonly executor: SearchExecutor,
    private readonly source: PendingSource,
  ) {}

  /** Nodes handed out and not linked yet. */
  get inFlight(): boolean {
    return this.batches.length > 0;
  }

  /** Resolves when the threads' answer the owner waits for has come; undefined when there is work to do now. */
  wait(): Promise<void> | undefined {
    const head = this.batches[0];
    return head !== undefined && !head.done ? head.promise : undefined;
  }

  /**
   * Links what the threads planned until `deadline` (Date.now ms), keeping one batch in planning meanwhile. False
   * when no batch could start (nothing pending, or the graph is not shared): the caller links serially.
   */
  step(deadline: number): boolean {
    if (this.batches.length === 0) return this.dispatch(undefined);
    const head = this.batches[0]!;
    if (!head.done) return true;
    if (this.batches.length === 1) this.dispatch(head);
    const { ids, levels, at, out } = head.batch;
    let n = 0;
    while (head.next < ids.length) {
      const i = head.next++;
      const id = ids[i]!;
      const level = levels[i]!;
      if (!this.source.claim(id)) this.graph.discardPrepared(id, level);
      else if (head.planned[i - head.start] === 1) this.graph.linkPrepared(id, level, out, at[i]!);
      else this.graph.linkPrepared(id, level);
      if ((++n & 7) === 0 && Date.now() >= deadline) break;
    }
    if (head.next === ids.length) this.batches.shift();
    return true;
  }

  /** Links every node handed out, with the serial search, now; plans still on threads are ignored when they land. */
  drain(): void {
    for (const b of this.batches) {
      const { ids, levels } = b.batch;
      for (; b.next < ids.length; b.next++) {
        const id = ids[b.next]!;
        if (this.source.claim(id)) this.graph.linkPrepared(id, levels[b.next]!);
        else this.graph.discardPrepared(id, levels[b.next]!);
      }
    }
    this.batches.length = 0;
  }

  private dispatch(prev: Batch | undefined): boolean {
    const plan = this.executor.planLinks;
    const threads = this.executor.threads;
    if (plan === undefined || threads < 1 || originalsTarget(this.graph) === undefined) return false;
    const fresh = this.source.takePending(BATCH_PER_THREAD * threads);
    if (fresh.length === 0) return false;
    const before = prev === undefined ? 0 : prev.batch.ids.length - prev.start;
    const total = before + fresh.length;
    const ids = new Uint32Array(newBuffer(total * 4, true));
    const levels = new Int8Array(newBuffer(total, true));
    const at = new Uint32Array(newBuffer(total * 4, true));
    if (prev !== undefined) {
      ids.set(prev.batch.ids.subarray(prev.start));
      levels.set(prev.batch.levels.subarray(prev.start));
    }
    const stride = 1 + this.graph.params.m;
    let outLen = 0;
    for (let j = 0; j < fresh.length; j++) {
      const id = fresh[j]!;
      const level = this.graph.prepare(id);
      ids[before + j] = id;
      levels[before + j] = level;
      at[before + j] = outLen;
      outLen += (level + 1) * stride;
    }
    const out = new Uint32Array(newBuffer(outLen * 4, true));
    const batch: Batch = { batch: { ids, levels, from: before, to: total, at, out }, start: before, planned: new Uint8Array(fresh.length), done: false, promise: Promise.resolve(), next: before };
    this.batches.push(batch);
    // Taken after the nodes were readied: their blocks may have grown the graph into a new array set.
    const target = originalsTarget(this.graph);
    if (target === undefined) {
      batch.done = true;
      return true;
    }
    const efConstruct = this.graph.params.efConstruct;
    // Shares of CHUNK nodes, one in flight per thread, the next to whichever answers first: a thread that is slow
    // (descheduled on a busy machine, or walking searches) holds the batch up by one share, not by half the batch.
    let cursor = before;
    const lane = async (): Promise<void> => {
      while (cursor < total) {
        const from = cursor;
        const to = Math.min(total, from + CHUNK);
        cursor = to;
        let ok = false;
        try {
          ok = await plan.call(this.executor, target, { ids, levels, from, to, at, out }, efConstruct);
        } catch {
          // a thread that failed: those nodes are linked in-thread, as when it says false
        }
        if (ok) batch.planned.fill(1, from - before, to - before);
      }
    };
    batch.promise = Promise.all(Array.from({ length: threads }, lane)).then(() => {
      batch.done = true;
    });
    return true;
  }
}

/**
 * Links `ids` (vectors already stored) into `graph` with `executor`'s threads planning the batches, as fast as it
 * goes (no slices: for a build nothing else waits on, such as a benchmark or a bulk load). The first
 * THREADED_MIN_GRAPH nodes, and everything when the graph is not in shared memory, are inserted serially.
 */
export async function linkOnThreads(graph: HnswIndex, ids: Uint32Array, executor: SearchExecutor): Promise<void> {
  let next = 0;
  while (next < ids.length && graph.size < THREADED_MIN_GRAPH) graph.insert(ids[next++]!);
  const source: PendingSource = {
    takePending(n) {
      const out = ids.subarray(next, Math.min(ids.length, next + n));
      next += out.length;
      return out;
    },
    claim: () => true,
  };
  const build = new ThreadedBuild(graph, executor, source);
  for (;;) {
    const wait = build.wait();
    if (wait !== undefined) await wait;
    else if (!build.step(Infinity) && !build.inFlight) break;
  }
  while (next < ids.length) graph.insert(ids[next++]!);
}
