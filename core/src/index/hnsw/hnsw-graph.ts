import type { Kernel } from '../../distance/distance.js';
import { rankKernel } from '../../distance/distance.js';
import { newBuffer, sharedThreads } from '../../executor/shared-memory.js';
import type { DenseVectors } from '../../segment/vector-storage.js';
import { TypedHeap } from './typed-heap.js';

export interface HnswParams {
  /** Links per node on upper layers; layer 0 keeps up to 2*m. Qdrant's default is 16. */
  m: number;
  /** Beam width while building. Qdrant's default is 100. */
  efConstruct: number;
  /** Seed of the level generator, so that builds are reproducible. */
  seed?: number;
}

/** Nodes never reach a level above this; with m >= 2 the chance of needing more is below 2^-40. */
export const MAX_LEVEL = 40;

/**
 * A graph's arrays as search threads receive them (typed arrays over SharedArrayBuffers cross `postMessage`
 * without a copy). One `epoch` is one consistent set: every id in its links is below its `levels.length`, every
 * `upperAt` offset lies inside its `upperPool`. Growth never resizes in place: it copies into a new set with the
 * next epoch, so a thread still walking the old set reads a frozen, in-bounds snapshot.
 */
export interface SharedGraphView {
  m: number;
  epoch: number;
  links0: Uint32Array;
  levels: Int8Array;
  upperAt: Uint32Array;
  upperPool: Uint32Array;
  /** [entry point, max level]; one array for every epoch, so a thread always sees the current entry. */
  meta: Int32Array;
}

/**
 * The HNSW graph's memory layout and the scratch state its algorithms share.
 *
 * - Layer-0 links of node `id` are `links0[id*stride0]` (count) followed by up to `m0` neighbour ids, in one
 *   Uint32Array, so a search walks one flat array.
 * - A node that reaches level L >= 1 owns L blocks of `1 + m` slots (count then ids) in `upperPool`, from
 *   `upperAt[id]`; layer l is at `upperAt[id] + (l-1) * strideU`. Only about 1/m of the nodes have one. Blocks of
 *   removed nodes are reused by the next node of the same level.
 * - `levels[id]` is the node's top level, or -1 when the id is not in the graph (never inserted or removed).
 *   A link may still point at a removed id (only out-links are repaired on removal, in-links are unknown), so
 *   every walk skips neighbours whose level is -1; if the id is later inserted again the link is simply valid.
 * - `visited` marks with a 16-bit generation counter: a new walk bumps `visitGen` instead of clearing the array.
 * - When made after `shareWithThreads`, the arrays live in SharedArrayBuffers and `view()` hands them to search
 *   threads (`HnswGraph.attach`), which walk while this thread inserts and removes. Writes keep the walk safe:
 *   a node becomes visible (its level set) only after its links are written, link ids are always nodes that were
 *   inserted (so below capacity), and growth swaps in a new array set (see SharedGraphView).
 */
export class HnswGraph {
  readonly m: number;
  readonly m0: number;
  readonly stride0: number;
  readonly strideU: number;
  readonly efConstruct: number;
  readonly levelMult: number;
  readonly rank: Kernel;

  links0: Uint32Array;
  levels: Int8Array;
  /** Offset in `upperPool` of each node's upper blocks (meaningful while `levels[id] >= 1`). */
  upperAt: Uint32Array;
  upperPool: Uint32Array;
  /** u32 slots of `upperPool` handed out so far, and the free blocks of removed nodes by level. */
  private upperUsed = 0;
  private readonly upperFree: number[][] = [];
  /** [entry, maxLevel], in shared memory when the graph is shared. */
  private readonly meta: Int32Array;
  /** Whether the arrays are shared with search threads, and which consistent array set is current. */
  readonly shared: boolean;
  epoch = 0;
  nodes = 0;
  rngState: number;

  visited: Uint16Array;
  visitGen = 0;
  /** Where searchLayer parks the values it reads only to pull them into cache. */
  sink = 0;
  /** Distance of the node `greedyClosest` returned last (saves a recomputation). */
  greedyDist = 0;

  /** Scratch for neighbour selection: a layer's candidates sorted by distance, and a pruned node's list. */
  candIds = new Uint32Array(256);
  candDists = new Float64Array(256);
  pruneIds: Uint32Array;
  pruneDists: Float64Array;

  /** Beam of a layer search: candidates to expand (min-heap by distance) and results (max-heap, negated keys). */
  readonly candidates = new TypedHeap(256);
  readonly results = new TypedHeap(256);

  constructor(
    readonly vectors: DenseVectors,
    params: HnswParams,
    capacity = 16,
    attachTo?: SharedGraphView,
  ) {
    this.m = Math.max(2, params.m | 0);
    this.m0 = 2 * this.m;
    this.stride0 = 1 + this.m0;
    this.strideU = 1 + this.m;
    this.efConstruct = Math.max(this.m, params.efConstruct | 0);
    this.levelMult = 1 / Math.log(this.m);
    this.rank = rankKernel(vectors.distance);
    this.rngState = (params.seed ?? 100) >>> 0;
    if (attachTo !== undefined) {
      this.shared = true;
      this.meta = attachTo.meta;
      this.links0 = attachTo.links0;
      this.levels = attachTo.levels;
      this.upperAt = attachTo.upperAt;
      this.upperPool = attachTo.upperPool;
      this.epoch = attachTo.epoch;
    } else {
      const cap = Math.max(16, capacity);
      this.shared = sharedThreads() > 0;
      this.meta = new Int32Array(newBuffer(8, this.shared)).fill(-1);
      this.links0 = new Uint32Array(newBuffer(cap * this.stride0 * 4, this.shared));
      this.levels = new Int8Array(newBuffer(cap, this.shared)).fill(-1);
      this.upperAt = new Uint32Array(newBuffer(cap * 4, this.shared));
      this.upperPool = new Uint32Array(newBuffer((Math.ceil(cap / this.m) * 2 + MAX_LEVEL) * this.strideU * 4, this.shared));
    }
    this.visited = new Uint16Array(this.levels.length);
    // A pruned list holds the node's links plus one newcomer, or the repair union of two lists.
    this.pruneIds = new Uint32Array(2 * this.m0 + 2);
    this.pruneDists = new Float64Array(2 * this.m0 + 2);
  }

  /**
   * Makes the candidate scratch hold at least `n` entries, keeping those it holds: a build thread's plan grows it
   * while its walk's candidates are in it (plan-links.ts `addEarlier`). Dropping them once left zeros there, read as
   * node 0 at rank 0: the best rank under Euclid, so early threaded plans linked node 0 several times.
   */
  ensureCandScratch(n: number): void {
    if (n <= this.candIds.length) return;
    let cap = this.candIds.length * 2;
    while (cap < n) cap *= 2;
    const ids = new Uint32Array(cap);
    ids.set(this.candIds);
    this.candIds = ids;
    const dists = new Float64Array(cap);
    dists.set(this.candDists);
    this.candDists = dists;
  }

  /**
   * A search thread's walker over a shared graph: the same arrays, its own visited marks and heaps. `ranker` ranks
   * against the shared arena (the thread's WasmArenaReader); only searches run on it, never inserts.
   */
  static attach(view: SharedGraphView, ranker: object): HnswGraph {
    return new HnswGraph(ranker as DenseVectors, { m: view.m, efConstruct: view.m }, 0, view);
  }

  /** Moves a search thread's walker to a newer array set of the same graph. */
  rebind(view: SharedGraphView): void {
    this.links0 = view.links0;
    this.levels = view.levels;
    this.upperAt = view.upperAt;
    this.upperPool = view.upperPool;
    this.epoch = view.epoch;
    if (this.visited.length < view.levels.length) {
      this.visited = new Uint16Array(view.levels.length);
      this.visitGen = 0;
    }
  }

  /** The current array set, for search threads; see SharedGraphView. */
  view(): SharedGraphView {
    const { m, epoch, links0, levels, upperAt, upperPool, meta } = this;
    return { m, epoch, links0, levels, upperAt, upperPool, meta };
  }

  get entry(): number {
    return this.meta[0]!;
  }

  set entry(id: number) {
    this.meta[0] = id;
  }

  get maxLevel(): number {
    return this.meta[1]!;
  }

  set maxLevel(level: number) {
    this.meta[1] = level;
  }

  get capacity(): number {
    return this.levels.length;
  }

  ensure(id: number): void {
    if (id < this.levels.length) return;
    let cap = this.levels.length * 2;
    while (cap <= id) cap *= 2;
    // Stores go to the new arrays from here on; the old set stays as it was for threads still walking it.
    const links0 = new Uint32Array(newBuffer(cap * this.stride0 * 4, this.shared));
    links0.set(this.links0);
    this.links0 = links0;
    const levels = new Int8Array(newBuffer(cap, this.shared)).fill(-1);
    levels.set(this.levels);
    this.levels = levels;
    const visited = new Uint16Array(cap);
    visited.set(this.visited);
    this.visited = visited;
    this.copyUpper(cap, this.upperPool.length);
  }

  /** New `upperAt` (for `cap` ids) and `upperPool` (of `poolLen` slots) arrays: a new epoch. */
  private copyUpper(cap: number, poolLen: number): void {
    const upperAt = new Uint32Array(newBuffer(cap * 4, this.shared));
    upperAt.set(this.upperAt.length <= cap ? this.upperAt : this.upperAt.subarray(0, cap));
    this.upperAt = upperAt;
    const pool = new Uint32Array(newBuffer(poolLen * 4, this.shared));
    pool.set(this.upperPool.subarray(0, this.upperUsed));
    this.upperPool = pool;
    this.epoch++;
  }

  /** Gives node `id` upper blocks for levels 1..level, link counts zeroed. */
  allocUpper(id: number, level: number): void {
    const free = this.upperFree[level];
    let at = free !== undefined && free.length > 0 ? free.pop()! : -1;
    if (at < 0) {
      const len = level * this.strideU;
      // MAX_LEVEL blocks of slack past the last one handed out: a search thread that reads a node's new level before
      // its new offset (weakly ordered memory) reads a stale offset's blocks at that level, still inside the pool.
      const need = this.upperUsed + len + MAX_LEVEL * this.strideU;
      if (need > this.upperPool.length) {
        let poolLen = this.upperPool.length * 2;
        while (poolLen < need) poolLen *= 2;
        this.copyUpper(this.levels.length, poolLen);
      }
      at = this.upperUsed;
      this.upperUsed += len;
    }
    for (let l = 0; l < level; l++) this.upperPool[at + l * this.strideU] = 0;
    this.upperAt[id] = at;
  }

  /** Returns the upper blocks of a node that had `level` levels to the free list. */
  freeUpper(id: number, level: number): void {
    if (level < 1) return;
    (this.upperFree[level] ??= []).push(this.upperAt[id]!);
  }

  /** Starts a new walk: every id reads as unvisited. */
  newVisit(): number {
    // 16-bit marks (hnswlib's choice): half the cache footprint of 32-bit ones on the walk's most random reads,
    // for one clear every 65535 walks.
    if (++this.visitGen === 0xffff) {
      this.visited.fill(0);
      this.visitGen = 1;
    }
    return this.visitGen;
  }

  /** The array holding node `id`'s links at `level`; pair with `linkBase`. */
  linkArray(_id: number, level: number): Uint32Array {
    return level === 0 ? this.links0 : this.upperPool;
  }

  linkBase(id: number, level: number): number {
    return level === 0 ? id * this.stride0 : this.upperAt[id]! + (level - 1) * this.strideU;
  }

  maxLinks(level: number): number {
    return level === 0 ? this.m0 : this.m;
  }

  /** Distance order key between two stored vectors (lower is closer). */
  between(a: number, b: number): number {
    // Through the batch path, so every key the graph compares comes from the same kernel (f32 SIMD or JS).
    const v = this.vectors;
    v.batchIds[0] = b;
    v.rankBatch(a, 1);
    return v.batchOut[0]!;
  }

  /** hnswlib's level draw: floor(-ln(U) / ln(m)), with a seeded mulberry32 U in (0, 1]. */
  randomLevel(): number {
    let t = (this.rngState = (this.rngState + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967296;
    return Math.min(MAX_LEVEL, Math.floor(-Math.log(u) * this.levelMult));
  }
}
