import type { DenseVectors } from '../segment/vector-storage.js';
import { ColdDenseStorage } from '../segment/dense-cold-storage.js';
import { datatypeBytes } from './config.js';
import { HnswIndex } from '../index/hnsw/hnsw-index.js';
import type { BatchRanker } from '../index/hnsw/batch-ranker.js';
import { exactSearch } from '../index/hnsw/exact-search.js';
import type { AcceptFn } from '../index/hnsw/search-layer.js';
import type { ScoredIds } from '../index/hnsw/hnsw-index.js';
import { type PendingSource, THREADED_MIN_GRAPH, ThreadedBuild } from '../executor/build-batches.js';
import { buildThreads } from '../executor/build-threads.js';

/** Pending vectors from which the graph build reads originals on disk back into RAM first (see indexSome). */
const WARM_PENDING = 32;

/** Fixed seed: the same writes build the same graph, so tests and replays are reproducible. */
const HNSW_SEED = 0x5eed;

/**
 * The HNSW graph of one dense vector name plus the ids not linked into it yet, as Qdrant's optimizer does it:
 * a vector is stored at once but joins the graph only once the vector name holds more than `indexing_threshold`
 * KB of vectors, and then in the background (`indexSome`), never on the write path. Until then the planner scans
 * exactly (below `full_scan_threshold` it would anyway), so small collections never pay for a graph.
 *
 * Invariant: every live vector is either in the graph or flagged pending, never both. A search through the graph
 * also scores the pending ids exactly and merges, so results never miss a point that is not indexed yet.
 * The pending list is not persisted: after decoding, it is "every stored vector the graph does not hold".
 *
 * With build threads registered (`buildOnThreads`) and a graph past THREADED_MIN_GRAPH nodes in shared memory, its
 * vectors too (float32, float16 or uint8 rows: `originalsTarget`), the background slices link batches whose
 * neighbours the threads planned (executor/build-batches.ts). A batch's ids
 * stay pending (flag 2: in flight) until each is linked, so searches keep scoring them exactly meanwhile.
 */
export class DenseIndex implements PendingSource {
  /** Pending ids in insertion order; only `[cursor, length)` may still be pending (flag says which still are). */
  private pending: Uint32Array = new Uint32Array(64);
  private length = 0;
  private cursor = 0;
  /** Next position a threaded build takes ids from (`[cursor, scan)` may hold ids in flight). */
  private scan = 0;
  /** Per id: 1 pending, 2 pending and in a threaded build's batch, 0 neither. */
  private flag: Uint8Array = new Uint8Array(64);
  private pendingTotal = 0;
  private threaded: ThreadedBuild | undefined;

  private constructor(
    readonly storage: DenseVectors,
    /** Absent when `m` is 0 (Qdrant's switch to turn the graph off): searches always scan. */
    readonly graph: HnswIndex | undefined,
    private thresholdPoints: number,
  ) {}

  static create(storage: DenseVectors, m: number, efConstruct: number, indexingThresholdKb: number): DenseIndex {
    const graph = m > 0 ? new HnswIndex(storage, { m, efConstruct, seed: HNSW_SEED }) : undefined;
    return new DenseIndex(storage, graph, thresholdPoints(indexingThresholdKb, storage));
  }

  /** Rebinds a decoded graph (never rebuilt) and marks what it lacks as pending. */
  static decode(storage: DenseVectors, graph: HnswIndex | undefined, indexingThresholdKb: number): DenseIndex {
    const index = new DenseIndex(storage, graph, thresholdPoints(indexingThresholdKb, storage));
    for (let id = 0; id < storage.idLimit; id++) if (storage.has(id) && !(graph?.has(id) ?? false)) index.add(id);
    return index;
  }

  setIndexingThreshold(kb: number): void {
    this.thresholdPoints = thresholdPoints(kb, this.storage);
  }

  get pendingCount(): number {
    return this.pendingTotal;
  }

  /** Vectors linked into the graph (CollectionInfo.indexed_vectors_count). */
  get indexedCount(): number {
    return this.graph?.size ?? 0;
  }

  /** A vector was stored under `id` (a fresh id: ids are never reused before compaction). */
  add(id: number): void {
    if (this.length === this.pending.length) this.pending = grow(this.pending, this.length * 2);
    if (id >= this.flag.length) {
      const flag = new Uint8Array(Math.max(id + 1, this.flag.length * 2));
      flag.set(this.flag);
      this.flag = flag;
    }
    this.pending[this.length++] = id;
    this.flag[id] = 1;
    this.pendingTotal++;
  }

  /** The vector of `id` is going away: unlink it, or just forget it if it never got linked. */
  remove(id: number): void {
    if (id < this.flag.length && this.flag[id] !== 0) {
      this.flag[id] = 0;
      this.pendingTotal--;
    } else {
      this.graph?.remove(id);
    }
  }

  /** Whether background work is due: there is a graph, something pending, and enough vectors to index at all. */
  wantsIndexing(): boolean {
    return this.graph !== undefined && this.pendingTotal > 0 && this.storage.count >= this.thresholdPoints;
  }

  /** Links pending ids into the graph until `deadline` (ms, Date.now) or none is left; true if work remains. */
  indexSome(deadline: number): boolean {
    const graph = this.graph;
    if (graph === undefined) return false;
    // Originals on disk: an insert ranks thousands of rows, one positional read each; past a few pending vectors,
    // reading the file back whole (dropped again by the flush after the graph is complete) is far cheaper.
    if (this.storage instanceof ColdDenseStorage && this.storage.isCold && this.pendingTotal >= WARM_PENDING) this.storage.warm();
    if (deadline !== Infinity && this.stepThreaded(graph, deadline)) return this.pendingTotal > 0;
    // Serial from here: whatever a threaded build handed out is linked first, in order.
    this.threaded?.drain();
    this.threaded = undefined;
    this.settleCursor();
    let n = 0;
    while (this.cursor < this.length) {
      const id = this.pending[this.cursor++]!;
      if (this.flag[id] !== 1) continue;
      this.flag[id] = 0;
      this.pendingTotal--;
      graph.insert(id);
      // Date.now is cheap but not free: look at the clock every few inserts.
      if ((++n & 7) === 0 && Date.now() >= deadline) break;
    }
    if (this.cursor === this.length) this.cursor = this.length = this.scan = 0;
    // The graph is complete: originals warmed for the build go back to their row file (see ColdDenseStorage).
    if (this.pendingTotal === 0 && this.storage instanceof ColdDenseStorage) this.storage.release();
    return this.pendingTotal > 0;
  }

  /**
   * Resolves when a threaded build waits on its threads and the next slice would have nothing to do before; the
   * background loop then waits on it instead of polling. Undefined when a slice can work now.
   */
  indexingWait(): Promise<void> | undefined {
    return this.threaded?.wait();
  }

  /** One slice of a threaded build; false when this slice should link serially instead. */
  private stepThreaded(graph: HnswIndex, deadline: number): boolean {
    let build = this.threaded;
    if (build === undefined) {
      const executor = buildThreads();
      if (executor === undefined || graph.size < THREADED_MIN_GRAPH) return false;
      build = this.threaded = new ThreadedBuild(graph, executor, this);
    } else if (!build.inFlight && buildThreads() === undefined) {
      this.threaded = undefined;
      return false;
    }
    if (!build.step(deadline)) {
      if (build.inFlight) return true;
      this.threaded = undefined;
      return false;
    }
    this.settleCursor();
    return true;
  }

  takePending(n: number): Uint32Array {
    const out = new Uint32Array(Math.min(n, this.pendingTotal));
    let c = 0;
    let p = Math.max(this.scan, this.cursor);
    for (; p < this.length && c < out.length; p++) {
      const id = this.pending[p]!;
      if (this.flag[id] !== 1) continue;
      this.flag[id] = 2;
      out[c++] = id;
    }
    this.scan = p;
    return c === out.length ? out : out.subarray(0, c);
  }

  claim(id: number): boolean {
    if (this.flag[id] !== 2) return false;
    this.flag[id] = 0;
    this.pendingTotal--;
    return true;
  }

  /** Moves the cursor past ids no longer pending, so searches stop scanning them. */
  private settleCursor(): void {
    while (this.cursor < this.length && this.flag[this.pending[this.cursor]!] === 0) this.cursor++;
    if (this.cursor === this.length) this.cursor = this.length = this.scan = 0;
  }

  /**
   * Graph walk plus an exact pass over the pending ids, merged best first. `accept` must reject dead ids.
   * `ranker` (default: the float storage) ranks both, e.g. a quantized companion whose scores the caller rescores.
   */
  search(query: Float32Array, k: number, ef: number, accept: AcceptFn, ranker: BatchRanker = this.storage): ScoredIds {
    const fromGraph = this.graph!.search(query, k, ef, accept, ranker);
    const fromPending = this.searchPending(query, k, accept, ranker);
    return fromPending === undefined ? fromGraph : this.mergePending(fromGraph, fromPending, k);
  }

  /**
   * The exact pass over the pending ids alone (undefined when none are pending), for a walk that runs elsewhere (a
   * search thread, see executor/offload-query.ts): taken when the walk starts, so that ids linked into the graph
   * while it runs are still found here.
   */
  searchPending(query: Float32Array, k: number, accept: AcceptFn, ranker: BatchRanker = this.storage): ScoredIds | undefined {
    if (this.pendingTotal === 0) return undefined;
    const flag = this.flag;
    return exactSearch(ranker, query, k, (id) => flag[id] !== 0 && accept(id), this.pending.subarray(this.cursor, this.length));
  }

  /** A walk's answer merged with `searchPending`'s, best first, as `search` merges them. */
  mergePending(fromGraph: ScoredIds, fromPending: ScoredIds, k: number): ScoredIds {
    return mergeBest(fromGraph, fromPending, k, this.storage.distance === 'Cosine' || this.storage.distance === 'Dot');
  }
}

/** `indexing_threshold` is in KB of vectors (as stored: 4, 2 or 1 bytes a component); 0 turns indexing off, as in Qdrant. */
function thresholdPoints(kb: number, storage: DenseVectors): number {
  return kb <= 0 ? Infinity : (kb * 1024) / (storage.dim * datatypeBytes(storage.datatype));
}

function grow(a: Uint32Array, size: number): Uint32Array {
  const b = new Uint32Array(size);
  b.set(a);
  return b;
}

/** Merges two best-first lists of distinct ids into the best `k`. */
function mergeBest(a: ScoredIds, b: ScoredIds, k: number, higher: boolean): ScoredIds {
  const n = Math.min(k, a.ids.length + b.ids.length);
  const ids = new Uint32Array(n);
  const scores = new Float32Array(n);
  let i = 0;
  let j = 0;
  for (let o = 0; o < n; o++) {
    const takeA = j >= b.ids.length || (i < a.ids.length && (higher ? a.scores[i]! >= b.scores[j]! : a.scores[i]! <= b.scores[j]!));
    if (takeA) {
      ids[o] = a.ids[i]!;
      scores[o] = a.scores[i++]!;
    } else {
      ids[o] = b.ids[j]!;
      scores[o] = b.scores[j++]!;
    }
  }
  return { ids, scores };
}
