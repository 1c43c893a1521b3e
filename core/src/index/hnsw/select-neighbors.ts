import type { HnswGraph } from './hnsw-graph.js';

/**
 * hnswlib's neighbour selection heuristic (getNeighborsByHeuristic2): walk the candidates from closest to
 * farthest and keep one only if it is closer to the base node than to every neighbour kept so far. This keeps
 * links spread across directions instead of all pointing into the nearest cluster, which is what makes the graph
 * navigable on clustered data.
 *
 * `ids`/`dists` hold `n` candidates sorted ascending by distance to the base node. The result is written as a
 * link block: `out[outBase]` = count, then the ids. With fewer than `max` candidates all are kept (as hnswlib).
 * `out` must not alias `ids`.
 */
export function selectNeighbors(
  g: HnswGraph,
  ids: Uint32Array,
  dists: Float64Array,
  n: number,
  max: number,
  out: Uint32Array,
  outBase: number,
): number {
  if (n <= max) {
    for (let i = 0; i < n; i++) out[outBase + 1 + i] = ids[i]!;
    out[outBase] = n;
    return n;
  }
  // The kept list is ranked against each candidate in one batch (all of it, no early exit: one SIMD call
  // over <= max rows beats stopping at the first closer one).
  const vs = g.vectors;
  const batch = vs.batchIds;
  const ranks = vs.batchOut;
  let kept = 0;
  for (let i = 0; i < n && kept < max; i++) {
    const c = ids[i]!;
    const dc = dists[i]!;
    let good = true;
    if (kept > 0) {
      for (let j = 0; j < kept; j++) batch[j] = out[outBase + 1 + j]!;
      vs.rankBatch(c, kept);
      for (let j = 0; j < kept; j++) {
        if (ranks[j]! < dc) {
          good = false;
          break;
        }
      }
    }
    if (good) out[outBase + 1 + kept++] = c;
  }
  out[outBase] = kept;
  return kept;
}

/** Sorts the first `n` (id, dist) pairs ascending by dist; insertion sort, as the lists are short (<= 2*m0+2). */
export function sortPairs(ids: Uint32Array, dists: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const d = dists[i]!;
    const id = ids[i]!;
    let j = i - 1;
    while (j >= 0 && dists[j]! > d) {
      dists[j + 1] = dists[j]!;
      ids[j + 1] = ids[j]!;
      j--;
    }
    dists[j + 1] = d;
    ids[j + 1] = id;
  }
}
