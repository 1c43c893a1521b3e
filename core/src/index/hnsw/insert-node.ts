import type { HnswGraph } from './hnsw-graph.js';
import { removeNode } from './remove-node.js';
import { greedyClosest, searchLayer } from './search-layer.js';
import { selectNeighbors, sortPairs } from './select-neighbors.js';

/**
 * Inserts node `id` whose vector is already in the storage (hnswlib's addPoint). Re-inserting a node that is in
 * the graph (its vector was updated) first removes it with repair, then links it afresh.
 *
 * 1. Draw a level; allocate its link blocks.
 * 2. Greedy descent from the entry point to level+1.
 * 3. On each level from min(level, maxLevel) to 0: beam search with efConstruct, pick links by the heuristic,
 *    link back from each chosen neighbour (pruning that neighbour's list with the heuristic when full).
 * 4. The node becomes visible to walks (levels[id] set) only at the end, so the searches of step 3 never
 *    meet the node itself.
 */
export function insertNode(g: HnswGraph, id: number): void {
  g.ensure(id);
  if (g.levels[id]! >= 0) removeNode(g, id);
  const level = g.randomLevel();
  prepareNode(g, id, level);
  linkNode(g, id, level);
}

/** Step 1 without the draw: empties node `id`'s layer-0 list and gives it upper blocks (it stays invisible). */
export function prepareNode(g: HnswGraph, id: number, level: number): void {
  g.links0[id * g.stride0] = 0;
  if (level > 0) g.allocUpper(id, level);
}

/** Steps 2-4 for a node that `prepareNode` readied at `level` (capacity ensured, not in the graph). */
export function linkNode(g: HnswGraph, id: number, level: number): void {
  if (g.entry < 0) {
    g.levels[id] = level;
    g.entry = id;
    g.maxLevel = level;
    g.nodes++;
    return;
  }

  // The node's own stored vector is the query: its id is its handle, nothing is copied.
  let ep = g.entry;
  let epDist: number;
  if (level < g.maxLevel) {
    ep = greedyClosest(g, id, ep, g.maxLevel, level + 1);
    epDist = g.greedyDist;
  } else {
    epDist = g.between(id, ep);
  }

  for (let l = Math.min(level, g.maxLevel); l >= 0; l--) {
    searchLayer(g, id, ep, epDist, l, g.efConstruct);
    const res = g.results;
    const n = res.size;
    g.ensureCandScratch(n);
    const ids = g.candIds;
    const dists = g.candDists;
    for (let i = n - 1; i >= 0; i--) {
      ids[i] = res.topId();
      dists[i] = -res.topKey();
      res.pop();
    }
    if (n === 0) continue;
    ep = ids[0]!;
    epDist = dists[0]!;
    const links = g.linkArray(id, l);
    const base = g.linkBase(id, l);
    const kept = selectNeighbors(g, ids, dists, n, g.m, links, base);
    for (let j = 0; j < kept; j++) linkTo(g, links[base + 1 + j]!, id, l);
  }

  g.levels[id] = level;
  g.nodes++;
  if (level > g.maxLevel) {
    g.maxLevel = level;
    g.entry = id;
  }
}

/** Adds the link `from -> to` on `level`; when `from`'s list is full, re-selects it with the heuristic. */
export function linkTo(g: HnswGraph, from: number, to: number, level: number): void {
  const links = g.linkArray(from, level);
  const base = g.linkBase(from, level);
  const count = links[base]!;
  const max = g.maxLinks(level);
  for (let j = 1; j <= count; j++) if (links[base + j] === to) return;
  if (count < max) {
    links[base + 1 + count] = to;
    links[base] = count + 1;
    return;
  }
  const ids = g.pruneIds;
  const dists = g.pruneDists;
  const vs = g.vectors;
  const batch = vs.batchIds;
  let n = 0;
  for (let j = 1; j <= count; j++) {
    const nb = links[base + j]!;
    if (g.levels[nb]! < level) continue; // drop links to removed nodes while we are here
    batch[n++] = nb;
  }
  batch[n++] = to;
  vs.rankBatch(from, n);
  const out = vs.batchOut;
  for (let j = 0; j < n; j++) {
    ids[j] = batch[j]!;
    dists[j] = out[j]!;
  }
  sortPairs(ids, dists, n);
  selectNeighbors(g, ids, dists, n, max, links, base);
}
