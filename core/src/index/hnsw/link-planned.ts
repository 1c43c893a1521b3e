import type { HnswGraph } from './hnsw-graph.js';
import { linkTo } from './insert-node.js';

/**
 * The owner's half of a batch-parallel insert (see plan-links.ts): links node `id`, readied by `prepareNode` at
 * `level`, to the neighbours a build thread chose (`level + 1` blocks of `1 + m` u32 from `plan[at]`), then adds
 * the reverse links with the usual pruning, as the serial insert does after its searches. Neighbours that left the
 * graph since the thread chose them (deleted, or a batch node that was never linked) are dropped. The node becomes
 * visible to walks last.
 */
export function linkPlanned(g: HnswGraph, id: number, level: number, plan: Uint32Array, at: number): void {
  const stride = 1 + g.m;
  const levels = g.levels;
  for (let l = 0; l <= level; l++) {
    const src = at + l * stride;
    const count = plan[src]!;
    const links = g.linkArray(id, l);
    const base = g.linkBase(id, l);
    let kept = 0;
    for (let j = 1; j <= count; j++) {
      const nb = plan[src + j]!;
      if (nb !== id && levels[nb]! >= l) links[base + 1 + kept++] = nb;
    }
    links[base] = kept;
  }
  for (let l = 0; l <= level; l++) {
    const links = g.linkArray(id, l);
    const base = g.linkBase(id, l);
    const kept = links[base]!;
    for (let j = 0; j < kept; j++) linkTo(g, links[base + 1 + j]!, id, l);
  }
  levels[id] = level;
  g.nodes++;
  if (g.entry < 0 || level > g.maxLevel) {
    g.maxLevel = level;
    g.entry = id;
  }
}
