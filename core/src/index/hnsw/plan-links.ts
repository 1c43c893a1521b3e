import type { HnswGraph } from './hnsw-graph.js';
import { greedyClosest, searchLayer } from './search-layer.js';
import { selectNeighbors, sortPairs } from './select-neighbors.js';

/**
 * A batch of nodes whose links a build thread plans while the owner keeps the graph (batch-parallel insertion).
 *
 * `ids` lists nodes in the order the owner will link them: first the nodes it links while this batch is planned
 * (the previous batch), then this batch. A thread plans `ids[from..to)`; for node `ids[i]` every `ids[j]`, j < i,
 * may be missing from the graph the thread walks (not linked yet, or linked while it walked), so the thread scores
 * those exactly and treats them as candidates on the levels they reach (`levels[j]`), as the serial insert would
 * have found them (those already visible in the graph when the walk ends are left to the walk: a node linked while
 * the walk ran may be missed, the price of not scoring whole batches). All typed arrays are shared with the owner;
 * a thread writes only its own blocks of `out`.
 *
 * Output: for node i in [from, to), `levels[i] + 1` link blocks of `1 + m` u32 (count, then ids), layer 0 first,
 * from `out[at[i]]`: the neighbours chosen by the heuristic, before the owner drops those that left meanwhile.
 */
export interface LinkBatch {
  ids: Uint32Array;
  levels: Int8Array;
  from: number;
  to: number;
  at: Uint32Array;
  out: Uint32Array;
}

/**
 * A build thread's share of a batch (see LinkBatch): for each node, greedy descent and an ef_construct beam per level
 * over the graph as it is (read only, while the owner writes), plus exact ranks of the earlier batch nodes, then
 * hnswlib's heuristic over the merged candidates. `g` is a walker (`HnswGraph.attach`) whose ranker ranks from a
 * stored row (`rankBatch(id, n)`). False when the graph has no usable entry point (empty, or its entry leaving):
 * the owner then links the batch itself.
 *
 * Allocates nothing per node: candidates live in the walker's scratch (`candIds` / `candDists`).
 */
export function planLinks(g: HnswGraph, batch: LinkBatch): boolean {
  const entry = g.entry;
  if (entry < 0 || entry >= g.levels.length) return false;
  const top = g.levels[entry]!;
  if (top < 0) return false;
  const { ids, levels, out, at } = batch;
  const m = g.m;
  const stride = 1 + m;
  for (let i = batch.from; i < batch.to; i++) {
    const id = ids[i]!;
    const level = levels[i]!;
    let ep = entry;
    let epDist: number;
    if (level < top) {
      ep = greedyClosest(g, id, entry, top, level + 1);
      epDist = g.greedyDist;
    } else {
      epDist = g.between(id, entry);
    }
    for (let l = level; l >= 0; l--) {
      let n = 0;
      if (l <= top) {
        searchLayer(g, id, ep, epDist, l, g.efConstruct);
        n = drainResults(g);
        if (n > 0) {
          ep = g.candIds[0]!;
          epDist = g.candDists[0]!;
        }
      }
      n = addEarlier(g, batch, i, l, n);
      const base = at[i]! + l * stride;
      if (n === 0) out[base] = 0;
      else selectNeighbors(g, g.candIds, g.candDists, n, m, out, base);
    }
  }
  return true;
}

/** Moves the beam's results into `candIds` / `candDists`, closest first; returns how many. */
function drainResults(g: HnswGraph): number {
  const res = g.results;
  const n = res.size;
  g.ensureCandScratch(n);
  const cids = g.candIds;
  const cd = g.candDists;
  for (let k = n - 1; k >= 0; k--) {
    cids[k] = res.topId();
    cd[k] = -res.topKey();
    res.pop();
  }
  return n;
}

/**
 * Adds the batch nodes before `i` that reach level `l` and are not among the `n` candidates already, ranked exactly
 * against node `ids[i]`; keeps the best ef_construct of all, sorted. Returns the new count.
 */
function addEarlier(g: HnswGraph, batch: LinkBatch, i: number, l: number, n: number): number {
  if (i === 0) return n;
  const { ids, levels } = batch;
  const id = ids[i]!;
  const ef = g.efConstruct;
  // Candidates already held are marked with a fresh visit generation, so an earlier node found by the walk is
  // not counted twice (the walk's own marks also cover nodes it saw but could not rank, so they cannot be reused).
  const gen = g.newVisit();
  const visited = g.visited;
  const graphLevels = g.levels;
  const cids = g.candIds;
  for (let k = 0; k < n; k++) visited[cids[k]!] = gen;
  const worst = n >= ef ? g.candDists[n - 1]! : Infinity;
  const vs = g.vectors;
  const batchIds = vs.batchIds;
  const cap = batchIds.length;
  let total = n;
  for (let j = 0; j < i; ) {
    let c = 0;
    for (; j < i && c < cap; j++) {
      const w = ids[j]!;
      // A node already visible in the graph was there for the walk to find, as it would be for a serial insert
      // (the owner sets a node's level after its links); only the ones it links later are scored here.
      if (levels[j]! < l || w >= visited.length || visited[w] === gen || graphLevels[w]! >= 0) continue;
      batchIds[c++] = w;
    }
    if (c === 0) continue;
    vs.rankBatch(id, c);
    const ranks = vs.batchOut;
    g.ensureCandScratch(total + c);
    for (let k = 0; k < c; k++) {
      const d = ranks[k]!;
      if (d >= worst) continue;
      g.candIds[total] = batchIds[k]!;
      g.candDists[total++] = d;
    }
  }
  if (total === n) return n;
  sortPairs(g.candIds, g.candDists, total);
  return Math.min(total, ef);
}
