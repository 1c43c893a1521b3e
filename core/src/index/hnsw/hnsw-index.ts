import type { DenseVectors } from '../../segment/vector-storage.js';
import { type Distance, rankToScore } from '../../distance/distance.js';
import { decodeGraph, encodeGraph } from './hnsw-codec.js';
import { HnswGraph, type HnswParams, type SharedGraphView } from './hnsw-graph.js';
import { insertNode, linkNode, prepareNode } from './insert-node.js';
import { linkPlanned } from './link-planned.js';
import { removeNode } from './remove-node.js';
import type { BatchRanker } from './batch-ranker.js';
import { type AcceptFn, greedyClosest, searchLayer } from './search-layer.js';

export type { HnswParams } from './hnsw-graph.js';

/** Search results, best first, with Qdrant scores (similarity for Cosine/Dot, distance for Euclid/Manhattan). */
export interface ScoredIds {
  ids: Uint32Array;
  scores: Float32Array;
}

export const HNSW_DEFAULTS: Readonly<HnswParams> = { m: 16, efConstruct: 100 };

/**
 * An HNSW graph over the vectors of one dense storage, any datatype (same internal ids). The index holds no copy of the
 * vectors: it reads the storage's arena, so a vector must be in the storage before `insert`, and a deleted one
 * must be `remove`d here before its id is reused.
 *
 * Not re-entrant: one search or insert at a time per index (scratch buffers are shared).
 */
export class HnswIndex {
  private readonly g: HnswGraph;

  constructor(vectors: DenseVectors, params: HnswParams);
  constructor(vectors: DenseVectors, params: HnswParams, graph?: HnswGraph);
  constructor(
    readonly vectors: DenseVectors,
    params: HnswParams,
    graph?: HnswGraph,
  ) {
    this.g = graph ?? new HnswGraph(vectors, params, vectors.capacity);
  }

  /** Nodes in the graph (inserted and not removed). */
  get size(): number {
    return this.g.nodes;
  }

  get params(): HnswParams {
    return { m: this.g.m, efConstruct: this.g.efConstruct };
  }

  has(id: number): boolean {
    return id < this.g.levels.length && this.g.levels[id]! >= 0;
  }

  /** Links `id` (vector already in storage); an id already in the graph is relinked for its new vector. */
  insert(id: number): void {
    insertNode(this.g, id);
  }

  /**
   * First half of a batch insert (see plan-links.ts): draws `id`'s level (the serial insert's draw, so the level
   * sequence is the same) and readies its link blocks without making it visible. Returns the level; the id must
   * then be passed to `linkPrepared` or `discardPrepared`.
   */
  prepare(id: number): number {
    const g = this.g;
    g.ensure(id);
    if (g.levels[id]! >= 0) removeNode(g, id);
    const level = g.randomLevel();
    prepareNode(g, id, level);
    return level;
  }

  /** Links a prepared id: to the neighbours a build thread planned (`plan` from `at`), or by the serial search. */
  linkPrepared(id: number, level: number, plan?: Uint32Array, at = 0): void {
    if (plan === undefined) linkNode(this.g, id, level);
    else linkPlanned(this.g, id, level, plan, at);
  }

  /** A prepared id that will not be linked (its vector was deleted meanwhile): its upper blocks are reused. */
  discardPrepared(id: number, level: number): void {
    this.g.freeUpper(id, level);
  }

  /** Unlinks `id` and repairs its neighbours' links; later searches never return it. No-op if absent. */
  remove(id: number): void {
    if (id < this.g.levels.length) removeNode(this.g, id);
  }

  /**
   * The `k` nearest accepted nodes to a prepared query (`DenseVectors.prepareQuery`), searching with a
   * beam of max(ef, k). `accept` filters during the walk: rejected nodes are routed through, never returned.
   *
   * `ranker` walks the same graph with other ranks of the same ids, e.g. a ScalarQuantizedStorage: the scores
   * are then its approximations, for the caller to rescore.
   */
  search(query: Float32Array, k: number, ef: number, accept?: AcceptFn, ranker: BatchRanker = this.vectors): ScoredIds {
    const g = this.g;
    if (g.entry < 0 || k <= 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
    return walkGraph(g, g.entry, g.maxLevel, query, k, ef, accept, ranker, this.vectors.distance);
  }

  /**
   * The graph as search threads read it, or undefined while it is not in shared memory (sharing was off when it
   * was made). Its `epoch` changes when the graph grows: a thread must be handed the new view then.
   */
  sharedView(): SharedGraphView | undefined {
    return this.g.shared ? this.g.view() : undefined;
  }

  encode(): Uint8Array {
    return encodeGraph(this.g);
  }

  static decode(bytes: Uint8Array, vectors: DenseVectors): HnswIndex {
    const g = decodeGraph(bytes, vectors);
    return new HnswIndex(vectors, { m: g.m, efConstruct: g.efConstruct }, g);
  }
}

/**
 * One k-nn walk from `entry` (whose top level is `top`): greedy descent, then a beam of max(ef, k) on layer 0,
 * best first with Qdrant scores. Shared by the owner's `search` and the search threads' walkers (`HnswGraph.attach`),
 * so both return exactly the same answer for the same graph and query.
 */
export function walkGraph(
  g: HnswGraph,
  entry: number,
  top: number,
  query: Float32Array,
  k: number,
  ef: number,
  accept: AcceptFn | undefined,
  ranker: Pick<BatchRanker, 'batchIds' | 'batchOut' | 'rankBatch' | 'loadQuery'>,
  distance: Distance,
): ScoredIds {
  const h = ranker.loadQuery(query);
  const ep = greedyClosest(g, h, entry, top, 1, ranker);
  searchLayer(g, h, ep, g.greedyDist, 0, Math.max(ef, k), accept, ranker);
  const res = g.results;
  while (res.size > k) res.pop();
  const n = res.size;
  const ids = new Uint32Array(n);
  const scores = new Float32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    ids[i] = res.topId();
    scores[i] = rankToScore(distance, -res.topKey());
    res.pop();
  }
  return { ids, scores };
}
