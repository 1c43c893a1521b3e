import type { Distance } from '../distance/distance.js';
import type { WasmArenaView } from '../distance/wasm-arena.js';
import type { HnswIndex, ScoredIds } from '../index/hnsw/hnsw-index.js';
import type { SharedGraphView } from '../index/hnsw/hnsw-graph.js';
import type { LinkBatch } from '../index/hnsw/plan-links.js';
import { DenseVectorStorage } from '../segment/dense-vector-storage.js';
import { ColdDenseStorage } from '../segment/dense-cold-storage.js';
import type { WalkFilterBits } from './shared-searcher.js';
import type { CodesView } from './shared-codes.js';

/**
 * Runs searches on other threads over the one shared copy of the vectors and the graph (ARCHITECTURE.md's optional
 * `Executor`). Core owns the contract and the code both sides run (`SharedSearcher` on the threads, the offload of
 * query leaves on the owner's side, offload-query.ts); a platform implements the transport: the server with
 * worker_threads, a browser could with Web Workers.
 *
 * Contract of `searchGraph`:
 * - it walks `target`'s graph for a prepared query (`DenseVectorStorage.prepareQuery`) with a beam of max(ef, k),
 *   ranking with the target's arena or `codes` exactly as the owner's ranker of them does, accepting every node
 *   or, with `filter`, the ids its bits name (walked two hops when it says so), and resolves to internal ids and
 *   Qdrant scores, best first: what `HnswIndex.search` returns for the same graph and ranker;
 * - it resolves to undefined too when the codes the thread holds ended before an id the walk met (they grew since
 *   it was handed them): the caller walks in-thread;
 * - the walk runs while the owner keeps writing, so it sees the graph at some moment during the call: ids may
 *   have been deleted meanwhile, and points added meanwhile may be missing. The caller re-checks ids against the
 *   live set (see offload-query.ts); ids are always below the graph's capacity and never of another graph;
 * - it resolves to undefined when the thread could not walk (the graph was replaced or its entry point was moving):
 *   the caller then searches in-thread.
 */
export interface SearchExecutor {
  /** Threads the searches spread over. */
  readonly threads: number;
  searchGraph(target: SharedSearchTarget, query: Float32Array, k: number, ef: number, filter?: WalkFilterBits): Promise<ScoredIds | undefined>;
  /**
   * Optional: an exact scan on a thread. Ranks the rows `0 .. limit` of `target` (only those set in `live`, when given)
   * against a prepared query with the kernel the owner's storage ranks them with, and resolves to the best `k` as
   * internal ids and Qdrant scores, best first, equal ranks by lower id: `exactSearch(storage, query, k, accept)`'s
   * answer for an accept that holds exactly for those rows (index/hnsw/exact-search.ts `scanRows`, which the thread
   * runs). `limit` must count only rows written before the call (ids are never reused before a compaction, so their
   * rows do not change under the scan). Undefined when the thread could not (no thread, closed, the rows it holds
   * ended before `limit`): the caller scans in-thread. The caller re-checks the answer's ids against the live set.
   */
  scanRows?(target: SharedScanTarget, query: Float32Array, k: number, limit: number, live?: WalkFilterBits): Promise<ScoredIds | undefined>;
  /**
   * Whether the search asked now should go to a thread at all (see dispatch.ts's `OffloadPolicy`); false: the caller
   * answers it in-thread, now. Absent: always try a thread.
   */
  offloadNow?(): boolean;
  /**
   * Whether filtered walks (and walks of queries that exclude ids) hop too: the owner then plans the search, evaluates
   * the accept into shared bits and replays the plan with the threads' answers (capture-walks.ts). That costs the
   * owner a probe run of the plan besides the walk it saves, which measured as a loss at every selectivity under
   * concurrent load (20k x 128, 16 in-process clients on 2 cores, threads on against off: 50% 8,100-9,700 vs
   * 15,000-15,700 q/s, 20% 3,400-3,900 vs 7,000-8,200, 10% level, 2% 19,400-21,300 vs 23,900-28,900), so only the
   * `always` policy does it. Absent: no.
   */
  offloadFiltered?(): boolean;
  /**
   * Optional: plans the links of `batch.ids[from..to)` on a thread for a batch-parallel index build (see
   * index/hnsw/plan-links.ts and build-planner.ts, which the thread runs): the thread walks `target`'s graph read
   * only, ranking with its originals (the float32 `arena`, or float16 / uint8 rows in `codes`: `originalsTarget`),
   * and fills its blocks of `batch.out`, then this resolves true. False when it could not (no thread, closed,
   * the graph's entry point moving): the owner links those nodes itself. The batch's arrays are shared memory.
   */
  planLinks?(target: SharedSearchTarget, batch: LinkBatch, efConstruct: number): Promise<boolean>;
  /** Stops the threads; searches in flight resolve to undefined. */
  close(): Promise<void>;
}

/**
 * One graph and what its walks rank with, as a search thread attaches to them: the float32 arena, or other rows
 * (`codes`: float16 / uint8 vectors, exact; or quantized codes, whose approximate scores the walk returns for the
 * owner to rescore). `key` names the pair
 * across calls; `epoch` changes whenever a thread must be handed the graph or the codes again (their arrays grew,
 * the codes were re-fitted).
 */
export interface SharedSearchTarget {
  key: number;
  index: HnswIndex;
  distance: Distance;
  arena?: WasmArenaView;
  codes?: CodesView;
  graph: SharedGraphView;
  epoch: number;
  /** The ranker's owner when it is not the graph's own vectors (a quantized companion): the pair lives while both do. */
  ranker?: object;
}

/**
 * The rows of one dense storage as a search thread scans them (no graph): the float32 arena, or float16 / uint8 rows
 * (`codes`). `index` is the storage itself (the key lives while it does); `epoch` changes when a thread must be handed
 * the rows again (float16 / uint8 arenas and norms that grew; a float32 arena in another memory).
 */
export interface SharedScanTarget {
  key: number;
  index: object;
  distance: Distance;
  arena?: WasmArenaView;
  codes?: CodesView;
  epoch: number;
}

const keys = new WeakMap<HnswIndex, number>();
const scanKeys = new WeakMap<object, number>();
const memories = new WeakMap<object, number>();
let nextMemory = 1;

/**
 * `storage`'s rows as a search thread can scan them, or undefined when they are not in shared memory (an arena still
 * small enough for JS arrays, sharing off when it was made, cold rows on disk, another kind of storage).
 */
export function scanTarget(storage: object): SharedScanTarget | undefined {
  let arena: WasmArenaView | undefined;
  let codes: CodesView | undefined;
  let epoch: number;
  // Originals on disk stay in-thread: their arena comes and goes with the warm / cold states.
  if (storage instanceof ColdDenseStorage) return undefined;
  if (storage instanceof DenseVectorStorage) {
    arena = storage.sharedView();
    if (arena === undefined) return undefined;
    // The arena grows in place; only a move to another memory (after a failed grow) needs a new attach.
    const memory = arena.memory as object;
    epoch = memories.get(memory) ?? 0;
    if (epoch === 0) memories.set(memory, (epoch = nextMemory++));
  } else if ('sharedView' in storage && 'idLimit' in storage) {
    codes = (storage as unknown as SharedCodes).sharedView();
    if (codes === undefined || (codes.kind !== 'f16' && codes.kind !== 'u8')) return undefined;
    epoch = codes.epoch;
  } else {
    return undefined;
  }
  let key = scanKeys.get(storage);
  if (key === undefined) scanKeys.set(storage, (key = nextKey++));
  return { key, index: storage, distance: (storage as { distance: Distance }).distance, arena, codes, epoch };
}

const codeKeys = new WeakMap<HnswIndex, WeakMap<object, number>>();
let nextKey = 1;

/**
 * `index` as a search thread can walk it, or undefined when it cannot: the graph or the float32 arena it reads is
 * not in shared memory (sharing off when they were made, an arena still small enough for JS arrays, another
 * datatype's storage). The key names the graph: a graph rebuilt over the same vectors is another key, so a thread
 * never walks the old one for it. (A graph's arena, once shared, stays the same memory: it only grows in place.)
 */
export function sharedSearchTarget(index: HnswIndex): SharedSearchTarget | undefined {
  const vectors = index.vectors;
  if (!(vectors instanceof DenseVectorStorage)) return undefined;
  const arena = vectors.sharedView();
  const graph = arena === undefined ? undefined : index.sharedView();
  if (arena === undefined || graph === undefined) return undefined;
  let key = keys.get(index);
  if (key === undefined) keys.set(index, (key = nextKey++));
  return { key, index, distance: vectors.distance, arena, graph, epoch: graph.epoch };
}

/**
 * `index` as a search thread can walk it with its own vectors, whatever their datatype: the float32 arena
 * (`sharedSearchTarget`), or float16 / uint8 rows in a shared arena; undefined when they are not shared.
 */
export function originalsTarget(index: HnswIndex): SharedSearchTarget | undefined {
  const vectors = index.vectors;
  if (vectors instanceof DenseVectorStorage) return sharedSearchTarget(index);
  return 'sharedView' in vectors ? sharedCodesTarget(index, vectors as unknown as SharedCodes) : undefined;
}

/** Rows a search thread can rank other than float32: int8 / binary / product / turbo codes, float16 / uint8 vectors. */
export interface SharedCodes {
  readonly epoch: number;
  sharedView(): CodesView | undefined;
}

/**
 * `index` walked with `quantized`'s rows on a search thread, or undefined when the graph or the rows are not in
 * shared memory. For quantized codes the originals are not read on the thread (the owner rescores), so their
 * datatype does not matter. The key names the (graph, rows) pair: a rebuilt graph or a new companion is another key.
 */
export function sharedCodesTarget(index: HnswIndex, quantized: SharedCodes): SharedSearchTarget | undefined {
  const codes = quantized.sharedView();
  const graph = codes === undefined ? undefined : index.sharedView();
  if (codes === undefined || graph === undefined) return undefined;
  let byCodes = codeKeys.get(index);
  if (byCodes === undefined) codeKeys.set(index, (byCodes = new WeakMap()));
  let key = byCodes.get(quantized);
  if (key === undefined) byCodes.set(quantized, (key = nextKey++));
  return { key, index, distance: index.vectors.distance, codes, graph, epoch: pair(graph.epoch, codes.epoch), ranker: quantized };
}

/** One number for two epochs (Cantor's pairing: distinct pairs, distinct numbers). */
function pair(a: number, b: number): number {
  return ((a + b) * (a + b + 1)) / 2 + b;
}
