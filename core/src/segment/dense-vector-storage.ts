import {
  type Distance,
  type Kernel,
  distanceCode,
  distanceFromCode,
  normalizeInPlace,
  rankKernel,
  rankToScore,
  scoreKernel,
} from '../distance/distance.js';
import { rankBatchJs } from '../distance/js-batch.js';
import { WasmArena, type WasmArenaView } from '../distance/wasm-arena.js';
import { sharedThreads } from '../executor/shared-memory.js';
import type { WasmMetric } from '../distance/wasm-kernels.js';
import { DenseRows, type DenseVectorStorageOptions, QUERY } from './dense-rows.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

export { type DenseVectorStorageOptions, QUERY, SIMD_MIN_BYTES } from './dense-rows.js';

const MAGIC = 0x53445653; // "SVDS"
const VERSION = 1;

/**
 * Dense vectors of one vector name, indexed by internal id (dense uint32 from the id tracker).
 *
 * Invariants:
 * - vector `id` lives at `data[id*dim .. id*dim+dim)` of one Float32Array arena that grows by doubling;
 * - Cosine vectors are stored normalized, so Cosine scoring is a plain dot product;
 * - `present[id]` is 1 for a live vector; `delete` only clears it (the floats stay until the id is set again,
 *   so an HNSW graph can still route through the old position until it is repaired).
 *
 * Hot paths rank in batches: load a query (`loadQuery`, or use a stored id as the handle), write ids into
 * `batchIds`, call `rankBatch`, read `batchOut`. A large arena lives in WebAssembly memory (see WasmArena) and
 * the batch runs as SIMD there; a small one, or one on an engine without SIMD, runs the JS kernels. Both give
 * the `rankKernel` keys, as f32 (the SIMD sums are f32, as in Qdrant; the JS ones round at the end).
 * `batchIds` / `batchOut` / `data` are views that a `set` may replace: re-read them after writes.
 */
export class DenseVectorStorage extends DenseRows<Float32Array, WasmArena> {
  readonly datatype = 'float32';
  private readonly rankFn: Kernel;
  private readonly scoreFn: Kernel;
  private jsQuery: Float32Array;

  constructor(dim: number, distance: Distance, initialCapacity = 16, options: DenseVectorStorageOptions = {}) {
    super(dim, distance, dim, Math.max(1, initialCapacity), options.simd);
    this.rankFn = rankKernel(distance);
    this.scoreFn = scoreKernel(distance);
    this.jsQuery = new Float32Array(dim);
    this.initRows();
  }

  protected newRows(length: number): Float32Array {
    return new Float32Array(length);
  }

  protected createArena(capacity: number): WasmArena | undefined {
    return WasmArena.create(this.dim, wasmMetric(this.distance), capacity, sharedThreads());
  }

  // The query scratch is the arena's own (the kernels read it there), or a JS one without the arena.
  protected override bindArena(w: WasmArena): void {
    super.bindArena(w);
    this.jsQuery = w.query;
  }

  protected override unbindArena(): void {
    super.unbindArena();
    this.jsQuery = new Float32Array(this.dim);
  }

  /** The arena. A view: replaced when the storage grows, so re-read it after any `set`. */
  get data(): Float32Array {
    return this.rows;
  }

  /**
   * The arena as search threads attach to it, or undefined while it is not in shared WebAssembly memory (small
   * arenas stay in JS arrays; sharing was off when it was made; or the memory would not grow). Re-ask after writes:
   * an arena moves into WebAssembly memory once it is large enough.
   */
  sharedView(): WasmArenaView | undefined {
    const w = this.wasm;
    return w !== undefined && w.shared ? w.view() : undefined;
  }

  offset(id: number): number {
    return id * this.dim;
  }

  /** Bytes held per slot: four per component and the live flag. */
  get bytesPerVector(): number {
    return this.dim * 4 + 1;
  }

  /** Copies `vector` (length `dim`, checked at the boundary) into slot `id`; normalizes for Cosine. */
  set(id: number, vector: ArrayLike<number>): void {
    this.ensure(id);
    const off = id * this.dim;
    const arena = this.rows;
    for (let i = 0; i < this.dim; i++) arena[off + i] = vector[i]!;
    if (this.distance === 'Cosine') normalizeInPlace(arena, off, this.dim);
    this.markSet(id);
  }

  /** A view of the stored (possibly normalized) vector; invalid (possibly empty) after the arena grows. */
  get(id: number): Float32Array {
    const off = id * this.dim;
    return this.rows.subarray(off, off + this.dim);
  }

  /** A fresh Float32Array copy of a query, normalized for Cosine, ready for `score` / HNSW search. */
  prepareQuery(vector: ArrayLike<number>): Float32Array {
    // `set` copies a plain array natively; `Float32Array.from` walks it through the iterator protocol.
    const q = new Float32Array(vector.length);
    q.set(vector);
    if (this.distance === 'Cosine') normalizeInPlace(q, 0, this.dim);
    return q;
  }

  /** The query in the form `data` holds vectors: here the same as `prepareQuery`. */
  prepareFloatQuery(vector: ArrayLike<number>): Float32Array {
    return this.prepareQuery(vector);
  }

  /** Qdrant's score of a prepared query against stored vector `id` (similarity or distance, see Distance). */
  score(query: Float32Array, id: number): number {
    return this.scoreFn(query, 0, this.rows, id * this.dim, this.dim);
  }

  /** Lower-is-closer order key of `query` against `id` (see `rankKernel`); `rankToScore` turns it into a score. */
  rank(query: Float32Array, id: number): number {
    return this.rankFn(query, 0, this.rows, id * this.dim, this.dim);
  }

  /** Lower-is-closer order key between two stored vectors. */
  rankBetween(a: number, b: number): number {
    return this.rankFn(this.rows, a * this.dim, this.rows, b * this.dim, this.dim);
  }

  rankToScore(rank: number): number {
    return rankToScore(this.distance, rank);
  }

  /** Copies a prepared query into the query scratch; returns its handle (QUERY) for `rankBatch` / `rankRange`. */
  loadQuery(query: Float32Array): number {
    this.jsQuery.set(query.length === this.dim ? query : query.subarray(0, this.dim));
    return QUERY;
  }

  /**
   * `batchOut[i] = rank(h, batchIds[i])` for i < count, where `h` is QUERY or a stored id. Ids must be below
   * `capacity` (deleted ones are fine: their floats are still there).
   */
  rankBatch(h: number, count: number): void {
    const w = this.wasm;
    if (w !== undefined) {
      w.batch(h < 0 ? w.queryPtr : w.base + h * w.rowBytes, w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
      return;
    }
    const q = h < 0 ? this.jsQuery : this.rows;
    rankBatchJs(this.distance, q, h < 0 ? 0 : h * this.dim, this.rows, this.dim, this.batchIds, 0, count, this.batchOut);
  }

  /** `batchOut[i] = rank(h, from + i)` for i < count (<= BATCH_CAPACITY): the exact scan's contiguous form. */
  rankRange(h: number, from: number, count: number): void {
    const w = this.wasm;
    if (w !== undefined) {
      w.range(h < 0 ? w.queryPtr : w.base + h * w.rowBytes, from, count, w.outPtr, w.base, w.rowBytes);
      return;
    }
    const q = h < 0 ? this.jsQuery : this.rows;
    rankBatchJs(this.distance, q, h < 0 ? 0 : h * this.dim, this.rows, this.dim, undefined, from, count, this.batchOut);
  }

  encode(): Uint8Array {
    const w = new ByteWriter(64 + this.limit * (this.dim * 4 + 1));
    w.u32(MAGIC).u32(VERSION).u32(this.dim).u32(distanceCode(this.distance)).u32(this.limit);
    w.array(this.present.subarray(0, this.limit));
    w.array(this.rows.subarray(0, this.limit * this.dim));
    return w.finish();
  }

  static decode(bytes: Uint8Array): DenseVectorStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, VERSION, 'dense vector storage');
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const limit = r.u32();
    const present = r.u8Array();
    const arena = r.f32Array();
    const s = new DenseVectorStorage(dim, distance, Math.max(limit, 16));
    s.restoreRows({ dim, distance, limit, present }, arena);
    return s;
  }
}

function wasmMetric(distance: Distance): WasmMetric {
  return distance === 'Euclid' ? 'l2' : distance === 'Manhattan' ? 'l1' : 'dot';
}
