import type { HnswGraph } from './hnsw-graph.js';
import { selectNeighbors, sortPairs } from './select-neighbors.js';

/**
 * Takes node `x` out of the graph and repairs around it.
 *
 * The graph keeps out-links only, so x's in-neighbours are unknown; links are mostly mutual, so we repair
 * x's out-neighbours that link back: each such n re-selects its list (heuristic) from its own links plus x's
 * links. That reconnects n to the nodes it used to reach through x, so they stay reachable. Any other node still
 * holding a link to x keeps a stale entry, which walks skip (levels[x] = -1) and `linkTo` drops when it next
 * prunes that list.
 *
 * Never computes a distance to x itself: on an update the storage already holds x's new vector.
 */
export function removeNode(g: HnswGraph, x: number): void {
  const top = g.levels[x]!;
  if (top < 0) return;
  g.levels[x] = -1;
  const levels = g.levels;
  const visited = g.visited;
  const ids = g.pruneIds;
  const dists = g.pruneDists;

  for (let l = top; l >= 0; l--) {
    const xl = g.linkArray(x, l);
    const xb = g.linkBase(x, l);
    const xc = xl[xb]!;
    for (let j = 1; j <= xc; j++) {
      const n = xl[xb + j]!;
      if (levels[n]! < l) continue;
      const nl = g.linkArray(n, l);
      const nb = g.linkBase(n, l);
      const nc = nl[nb]!;
      let linksBack = false;
      for (let k = 1; k <= nc; k++) {
        if (nl[nb + k] === x) {
          linksBack = true;
          break;
        }
      }
      if (!linksBack) continue;

      const gen = g.newVisit();
      visited[n] = gen;
      visited[x] = gen;
      let cnt = 0;
      for (let k = 1; k <= nc; k++) {
        const c = nl[nb + k]!;
        if (visited[c] === gen || levels[c]! < l) continue;
        visited[c] = gen;
        ids[cnt] = c;
        dists[cnt++] = g.between(n, c);
      }
      for (let k = 1; k <= xc; k++) {
        const c = xl[xb + k]!;
        if (visited[c] === gen || levels[c]! < l) continue;
        visited[c] = gen;
        ids[cnt] = c;
        dists[cnt++] = g.between(n, c);
      }
      sortPairs(ids, dists, cnt);
      selectNeighbors(g, ids, dists, cnt, g.maxLinks(l), nl, nb);
    }
  }

  g.links0[x * g.stride0] = 0;
  g.freeUpper(x, top);
  g.nodes--;
  if (g.entry === x) pickEntry(g);
}

/** The new entry point after the old one left: any node of the highest level (a scan; this is rare). */
function pickEntry(g: HnswGraph): void {
  let best = -1;
  let bestLevel = -1;
  const levels = g.levels;
  for (let id = 0; id < levels.length; id++) {
    if (levels[id]! > bestLevel) {
      bestLevel = levels[id]!;
      best = id;
    }
  }
  g.entry = best;
  g.maxLevel = bestLevel;
}
