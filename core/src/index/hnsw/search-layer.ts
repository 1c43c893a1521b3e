import type { BatchRanker } from './batch-ranker.js';
import type { HnswGraph } from './hnsw-graph.js';

/**
 * Greedy walk from `start` on levels `fromLevel` down to `toLevel` (inclusive), moving to any closer neighbour
 * until none is closer: hnswlib's upper-layer descent with a beam of one. Returns the closest node found; its
 * distance is left in `g.greedyDist`.
 *
 * `h` is the query's handle in the vector storage: QUERY for a loaded query, or a stored id (insert).
 */
export function greedyClosest(
  g: HnswGraph,
  h: number,
  start: number,
  fromLevel: number,
  toLevel: number,
  vs: Pick<BatchRanker, 'batchIds' | 'batchOut' | 'rankBatch'> = g.vectors,
): number {
  const ids = vs.batchIds;
  const out = vs.batchOut;
  const levels = g.levels;
  let cur = start;
  ids[0] = cur;
  vs.rankBatch(h, 1);
  let curDist = out[0]!;
  for (let level = fromLevel; level >= toLevel; level--) {
    let changed = true;
    while (changed) {
      changed = false;
      const links = level === 0 ? g.links0 : g.upperPool;
      const base = level === 0 ? cur * g.stride0 : g.upperAt[cur]! + (level - 1) * g.strideU;
      const count = links[base]!;
      let n = 0;
      for (let j = 1; j <= count; j++) {
        const nb = links[base + j]!;
        if (levels[nb]! >= level) ids[n++] = nb; // else removed (-1), or a stale link to a node re-inserted lower
      }
      if (n === 0) continue;
      vs.rankBatch(h, n);
      for (let j = 0; j < n; j++) {
        const d = out[j]!;
        if (d < curDist) {
          curDist = d;
          cur = ids[j]!;
          changed = true;
        }
      }
    }
  }
  g.greedyDist = curDist;
  return cur;
}

/**
 * A walk's filter. `twoHop: true` says the test is a cheap look-up (a byte set), so the walk may call it on
 * neighbours of neighbours: see `searchLayer`. `bits`, when set, is that byte set: for every node of the graph,
 * `accept(id)` is exactly `bits[id] === 1` (ids past its end are rejected), and the walk reads the byte instead of
 * calling (on 100k x 128 at 10%, the two-hop walk spent most of its JS time in those calls).
 */
export interface AcceptFn {
  (id: number): boolean;
  twoHop?: boolean;
  bits?: Uint8Array;
}

/**
 * Beam search on one level (hnswlib's searchBaseLayerST). Leaves the best `ef` accepted nodes in `g.results`, a
 * max-heap keyed by the negated distance (top = worst kept). Nodes `accept` rejects are still expanded, so the
 * walk goes through them to reach accepted regions, but never enter the results; while results are not yet full
 * the walk keeps expanding, which is what keeps recall up under selective filters.
 *
 * With `accept.twoHop`, a rejected neighbour is neither ranked nor queued: the walk looks straight through it at
 * its own neighbours and ranks the accepted ones (ACORN-1's two-hop expansion). The walk then expands only
 * accepted nodes, so its cost follows the accepted set instead of everything nearer than the ef-th match, which at
 * 10% selectivity is ten times more nodes. Each expansion ranks at most M0 / 2 ids plus its accepted neighbours. It
 * needs a filter cheap enough to test up to ~M0^2 ids per expansion.
 *
 * Per expanded node, the unvisited live neighbours are gathered first and ranked in one batch (one SIMD call
 * over rows the CPU can fetch in parallel), then fed to the heaps in link order, as the pairwise loop would.
 */
export function searchLayer(
  g: HnswGraph,
  h: number,
  ep: number,
  epDist: number,
  level: number,
  ef: number,
  accept?: AcceptFn,
  vs: Pick<BatchRanker, 'batchIds' | 'batchOut' | 'rankBatch'> = g.vectors,
): void {
  const ids = vs.batchIds;
  const out = vs.batchOut;
  const levels = g.levels;
  const visited = g.visited;
  const gen = g.newVisit();
  const cand = g.candidates;
  const res = g.results;
  cand.clear();
  res.clear();

  visited[ep] = gen;
  cand.push(epDist, ep);
  let worst = Infinity; // distance of the worst kept result once `res` is full; Infinity while it fills
  const bits = accept?.bits;
  if (accept === undefined || (bits !== undefined ? bits[ep] === 1 : accept(ep))) {
    res.push(-epDist, ep);
    if (ef === 1) worst = epDist;
  }

  const links0 = g.links0;
  const stride0 = g.stride0;
  const strideU = g.strideU;
  const twoHop = accept !== undefined && accept.twoHop === true;
  let sink = 0;
  while (cand.size > 0) {
    const cd = cand.topKey();
    if (cd > worst) break;
    const c = cand.topId();
    cand.pop();
    const links = level === 0 ? links0 : g.upperPool;
    const base = level === 0 ? c * stride0 : g.upperAt[c]! + (level - 1) * strideU;
    const count = links[base]!;
    let n = 0;
    if (!twoHop) {
      for (let j = 1; j <= count; j++) {
        const nb = links[base + j]!;
        if (visited[nb] === gen) continue;
        visited[nb] = gen;
        if (levels[nb]! >= level) ids[n++] = nb;
      }
    } else {
      // 1. Accepted neighbours first; rejected ones are parked at the far end of the batch as bridges.
      let bridges = 0;
      for (let j = 1; j <= count; j++) {
        const nb = links[base + j]!;
        if (visited[nb] === gen || levels[nb]! < level) continue;
        if (bits !== undefined ? bits[nb] === 1 : accept(nb)) {
          visited[nb] = gen;
          ids[n++] = nb;
        } else ids[ids.length - 1 - bridges++] = nb;
      }
      // 2. Through the bridges, until the batch holds half the ids an unfiltered expansion ranks (M0 / 2, or
      //    M / 2 up top): at 50% the first hop fills it, at 10% the second hop does. Half, not all: measured on
      //    100k x 128 at 10%, ~15% more queries/s for recall 0.983 instead of 0.989. A bridge left unused stays
      //    unvisited, so a later expansion may still cross it.
      const budget = (level === 0 ? stride0 - 1 : strideU - 1) >> 1;
      // Touch every bridge's link count first: independent loads the CPU overlaps, where the loop below waits for
      // each list in turn (~25% more two-hop queries/s at 10% of 100k x 128, same nodes visited).
      if (level === 0) for (let b = 0; b < bridges; b++) sink ^= links0[ids[ids.length - 1 - b]! * stride0]!;
      for (let b = 0; b < bridges && n < budget; b++) {
        const nb = ids[ids.length - 1 - b]!;
        if (visited[nb] === gen) continue;
        visited[nb] = gen;
        const links2 = level === 0 ? links0 : g.upperPool;
        const base2 = level === 0 ? nb * stride0 : g.upperAt[nb]! + (level - 1) * strideU;
        const count2 = links2[base2]!;
        for (let i = 1; i <= count2 && n < budget; i++) {
          const nb2 = links2[base2 + i]!;
          if (visited[nb2] === gen || levels[nb2]! < level || !(bits !== undefined ? bits[nb2] === 1 : accept(nb2))) continue;
          visited[nb2] = gen;
          ids[n++] = nb2;
        }
      }
    }
    if (n === 0) continue;
    // Read the next candidate's link count now, so its cache miss overlaps the batch (hnswlib prefetches it).
    if (level === 0 && cand.size > 0) sink ^= links0[cand.topId() * stride0]!;
    vs.rankBatch(h, n);
    for (let j = 0; j < n; j++) {
      const d = out[j]!;
      if (d < worst) {
        const nb = ids[j]!;
        cand.push(d, nb);
        if (accept === undefined || twoHop || (bits !== undefined ? bits[nb] === 1 : accept(nb))) {
          if (res.size < ef) {
            res.push(-d, nb);
          } else {
            res.replaceTop(-d, nb);
          }
          if (res.size === ef) worst = -res.topKey();
        }
      }
    }
  }
  g.sink = sink; // keeps the touch above from being optimised away
}
