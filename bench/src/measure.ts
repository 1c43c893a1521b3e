import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BuiltPeer } from './peer.js';

setFlagsFromString('--expose-gc');
const gcFn = runInNewContext('gc') as () => void;

/** Collects garbage twice (weak refs and finalizers need a second pass) so memory deltas mean something. */
export function settle(): void {
  gcFn();
  gcFn();
}

/**
 * Memory in use by the process, the same measure for JS, WebAssembly and native libraries: resident memory, less
 * the V8 heap's resident pages, plus the bytes its live objects take (after `settle`). The pages the heap keeps
 * free for later (its young generation grows to megabytes during any build) are not the index's. Native
 * allocations, wasm memories and ArrayBuffer stores are outside the V8 heap and count as resident.
 */
export function memoryNow(): number {
  let physical = 0;
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    physical += space.physical_space_size;
    used += space.space_used_size;
  }
  return process.memoryUsage.rss() - physical + used;
}

const CHUNK = 25;

export interface QueryRun {
  recall: number;
  qps: number;
  queries: number;
}

/**
 * Runs queries one after another on this thread until all are done or `budgetMs` has passed, after a short
 * warm-up so the JIT has compiled the hot loop. Recall@k is over the queries that ran.
 *
 * QPS is the best rate over chunks of CHUNK queries, not the overall mean: the bench shares the machine, and
 * the fastest chunk is the least disturbed one. Every peer is measured the same way.
 * The warm-up is short for slow (exact) peers: at most a tenth of the budget.
 */
export async function runQueries(peer: BuiltPeer, truth: Uint32Array[], k: number, ef: number, budgetMs: number): Promise<QueryRun> {
  const total = truth.length;
  const warm = Math.min(total, 30);
  const warmStart = performance.now();
  for (let q = 0; q < warm && performance.now() - warmStart < budgetMs / 10; q++) await peer.search(q, k, ef);
  let hits = 0;
  let done = 0;
  const start = performance.now();
  let elapsed = 0;
  let chunkStart = start;
  let best = 0;
  while (done < total) {
    let got = peer.search(done, k, ef);
    // Awaited only when it is a promise: a synchronous peer's loop takes no microtask turn per query.
    if (got instanceof Promise) got = await got;
    const want = truth[done]!;
    for (let i = 0; i < got.length; i++) {
      const id = got[i]!;
      for (let j = 0; j < want.length; j++) {
        if (want[j] === id) {
          hits++;
          break;
        }
      }
    }
    done++;
    if (done % CHUNK === 0) {
      const now = performance.now();
      best = Math.max(best, CHUNK / ((now - chunkStart) / 1000));
      chunkStart = now;
      if ((elapsed = now - start) > budgetMs) break;
    }
  }
  elapsed = performance.now() - start;
  // Too few queries for one chunk (slow peers): the mean is all there is.
  if (best === 0) best = done / (elapsed / 1000);
  return { recall: hits / (done * k), qps: best, queries: done };
}
