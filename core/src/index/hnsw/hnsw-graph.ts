import type { Kernel } from '../../distance/distance.js';
import { rankKernel } from '../../distance/distance.js';
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
 * The HNSW graph's memory layout and the scratch state its algorithms share.
 *
 * - Layer-0 links of node `id` are `links0[id*stride0]` (count) followed by up to `m0` neighbour ids, in one
 *   Uint32Array, so a search walks one flat array.
 * - A node that reaches level L >= 1 owns `upper[id]`, L blocks of `1 + m` slots (count then ids); layer l is
 *   at `(l-1) * strideU`. Only about 1/m of the nodes have one.
 * - `levels[id]` is the node's top level, or -1 when the id is not in the graph (never inserted or removed).
 *   A link may still point at a removed id (only out-links are repaired on removal, in-links are unknown), so
 *   every walk skips neighbours whose level is -1; if the id is later inserted again the link is simply valid.
 * - `visited` marks with a 16-bit generation counter: a new walk bumps `visitGen` instead of clearing the array.
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
  upper: (Uint32Array | undefined)[] = [];
  levels: Int8Array;
  entry = -1;
  maxLevel = -1;
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
  ) {
    this.m = Math.max(2, params.m | 0);
    this.m0 = 2 * this.m;
    this.stride0 = 1 + this.m0;
    this.strideU = 1 + this.m;
    this.efConstruct = Math.max(this.m, params.efConstruct | 0);
    this.levelMult = 1 / Math.log(this.m);
    this.rank = rankKernel(vectors.distance);
    this.rngState = (params.seed ?? 100) >>> 0;
    const cap = Math.max(16, capacity);
    this.links0 = new Uint32Array(cap * this.stride0);
    this.levels = new Int8Array(cap).fill(-1);
    this.visited = new Uint16Array(cap);
    // A pruned list holds the node's links plus one newcomer, or the repair union of two lists.
    this.pruneIds = new Uint32Array(2 * this.m0 + 2);
    this.pruneDists = new Float64Array(2 * this.m0 + 2);
  }

  /** Makes the candidate scratch hold at least `n` entries. */
  ensureCandScratch(n: number): void {
    if (n <= this.candIds.length) return;
    let cap = this.candIds.length * 2;
    while (cap < n) cap *= 2;
    this.candIds = new Uint32Array(cap);
    this.candDists = new Float64Array(cap);
  }

  get capacity(): number {
    return this.levels.length;
  }

  ensure(id: number): void {
    if (id < this.levels.length) return;
    let cap = this.levels.length * 2;
    while (cap <= id) cap *= 2;
    const links0 = new Uint32Array(cap * this.stride0);
    links0.set(this.links0);
    this.links0 = links0;
    const levels = new Int8Array(cap).fill(-1);
    levels.set(this.levels);
    this.levels = levels;
    const visited = new Uint16Array(cap);
    visited.set(this.visited);
    this.visited = visited;
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
  linkArray(id: number, level: number): Uint32Array {
    return level === 0 ? this.links0 : this.upper[id]!;
  }

  linkBase(id: number, level: number): number {
    return level === 0 ? id * this.stride0 : (level - 1) * this.strideU;
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
