import type { DenseSlot } from '../collection/local-segment.js';
import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import { exampleLayout, type ExampleQuery } from './example-layout.js';
import type { Hit } from './run-plan.js';
import { TopK } from './top-k.js';

/**
 * Exact top-`limit` of an example query (recommend best_score / sum_scores, discover, context, relevance
 * feedback) over every accepted dense vector, ranked in batches: for each stretch of BATCH_CAPACITY rows, each
 * example is ranked against the whole stretch with the storage's batch kernel (WebAssembly SIMD on large arenas),
 * and only then are the per-point formulas applied. That is one kernel call per (example, stretch) instead of one
 * JS similarity per (example, point).
 *
 * The storage's rank keys are "lower is closer" and are exactly minus Qdrant's raw similarity for every distance
 * (-dot for Cosine and Dot, squared L2, L1), so `sim = -rank`. Ranks are f32, as Qdrant's similarities are.
 */
export function denseExampleScan(
  slot: DenseSlot,
  q: ExampleQuery,
  accept: (id: number) => boolean,
  limit: number,
  threshold: number | undefined,
): Hit[] {
  const storage = slot.storage;
  const layout = exampleLayout(q);
  const prepared = layout.rows.map((v) => storage.prepareQuery(v as number[]));
  const count = prepared.length;
  const top = new TopK(limit, true);
  // sims of one stretch, example-major: row e of point i at e * BATCH_CAPACITY + i.
  const stretch = new Float32Array(count * BATCH_CAPACITY);
  const sims = new Float64Array(count);
  const end = storage.idLimit;
  for (let from = 0; from < end; from += BATCH_CAPACITY) {
    const n = Math.min(BATCH_CAPACITY, end - from);
    for (let e = 0; e < count; e++) {
      const h = storage.loadQuery(prepared[e]!);
      storage.rankRange(h, from, n);
      // batchOut is a view that a later call may move; read it right after the kernel.
      stretch.set(storage.batchOut.subarray(0, n), e * BATCH_CAPACITY);
    }
    for (let i = 0; i < n; i++) {
      const id = from + i;
      if (!storage.has(id) || !accept(id)) continue;
      for (let e = 0; e < count; e++) sims[e] = -stretch[e * BATCH_CAPACITY + i]!;
      const score = layout.combine(sims);
      if (threshold === undefined || score >= threshold) top.push(id, score);
    }
  }
  const { ids, scores } = top.result();
  return Array.from(ids, (id, i) => ({ id, score: scores[i]! }));
}
