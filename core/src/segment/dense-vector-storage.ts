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
import { BATCH_CAPACITY, WasmArena, type WasmArenaView } from '../distance/wasm-arena.js';
import { sharedThreads } from '../executor/shared-memory.js';
import type { WasmMetric } from '../distance/wasm-kernels.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x53445653; // "SVDS"
const VERSION = 1;

/** Arenas from this many bytes up live in WebAssembly memory with SIMD kernels; smaller ones stay plain JS. */
export const SIMD_MIN_BYTES = 1 << 20;

/** The handle of the query loaded by `loadQuery`; handles >= 0 are stored vectors (their ids). */
export const QUERY = -1;

export interface DenseVectorStorageOptions {
  /**
   * true: put the arena in WebAssembly memory from the start (when the engine has SIMD); false: never.
   * Left out: from SIMD_MIN_BYTES of vectors on, so that many small collections do not each reserve a memory.
   */
  simd?: boolean;
}

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
export class DenseVectorStorage {
  readonly datatype = 'float32';
  private arena: Float32Array;
  private present: Uint8Array;
  private live = 0;
  private limit = 0;
  private readonly rankFn: Kernel;
  private readonly scoreFn: Kernel;
  private wasm: WasmArena | undefined;
  private readonly simd: boolean | undefined;
  private jsQuery: Float32Array;
  /** Ids of the next `rankBatch` (at most BATCH_CAPACITY). */
  batchIds: Uint32Array;
  /** Ranks written by `rankBatch` / `rankRange`. */
  batchOut: Float32Array;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    initialCapacity = 16,
    options: DenseVectorStorageOptions = {},
  ) {
    const cap = Math.max(1, initialCapacity);
    this.rankFn = rankKernel(distance);
    this.scoreFn = scoreKernel(distance);
    this.simd = options.simd;
    this.jsQuery = new Float32Array(dim);
    this.batchIds = new Uint32Array(BATCH_CAPACITY);
    this.batchOut = new Float32Array(BATCH_CAPACITY);
    this.present = new Uint8Array(cap);
    this.arena = this.wantsSimd(cap) ? this.toWasm(cap, undefined) : new Float32Array(cap * dim);
  }

  private wantsSimd(capacity: number): boolean {
    return this.simd ?? capacity * this.dim * 4 >= SIMD_MIN_BYTES;
  }

  /** Moves the arena into a fresh WebAssembly arena of `capacity` rows, or returns a JS one if that fails. */
  private toWasm(capacity: number, old: Float32Array | undefined): Float32Array {
    const w = WasmArena.create(this.dim, wasmMetric(this.distance), capacity, sharedThreads());
    if (w === undefined) {
      const arena = new Float32Array(capacity * this.dim);
      if (old !== undefined) arena.set(old);
      return arena;
    }
    if (old !== undefined) w.rows.set(old);
    this.wasm = w;
    this.bindViews(w);
    return w.rows;
  }

  private bindViews(w: WasmArena): void {
    this.batchIds = w.ids;
    this.batchOut = w.out;
    this.jsQuery = w.query;
  }

  /** The arena. A view: replaced when the storage grows, so re-read it after any `set`. */
  get data(): Float32Array {
    return this.arena;
  }

  /** Whether batches run as WebAssembly SIMD (else as JS). */
  /**
   * The arena as search threads attach to it, or undefined while it is not in shared WebAssembly memory (small
   * arenas stay in JS arrays; sharing was off when it was made; or the memory would not grow). Re-ask after writes:
   * an arena moves into WebAssembly memory once it is large enough.
   */
  sharedView(): WasmArenaView | undefined {
    const w = this.wasm;
    return w !== undefined && w.shared ? w.view() : undefined;
  }

  get simdActive(): boolean {
    return this.wasm !== undefined;
  }

  /** Number of live vectors. */
  get count(): number {
    return this.live;
  }

  /** One past the highest id ever set: iterate `0 .. idLimit` and test `has` to visit every live vector. */
  get idLimit(): number {
    return this.limit;
  }

  /** Slots the arena holds before it must grow. */
  get capacity(): number {
    return this.present.length;
  }

  offset(id: number): number {
    return id * this.dim;
  }

  /** Bytes held per slot: four per component and the live flag. */
  get bytesPerVector(): number {
    return this.dim * 4 + 1;
  }

  private ensure(id: number): void {
    if (id < this.present.length) return;
    let cap = this.present.length * 2;
    while (cap <= id) cap *= 2;
    const present = new Uint8Array(cap);
    present.set(this.present);
    this.present = present;
    const w = this.wasm;
    if (w !== undefined && w.grow(cap)) {
      this.arena = w.rows;
      this.bindViews(w);
      return;
    }
    const old = w !== undefined ? w.rows : this.arena;
    if (w !== undefined) {
      // The memory would not grow (32-bit limit or the engine said no): continue in JS arrays.
      this.wasm = undefined;
      this.batchIds = new Uint32Array(BATCH_CAPACITY);
      this.batchOut = new Float32Array(BATCH_CAPACITY);
      this.jsQuery = new Float32Array(this.dim);
    } else if (this.wantsSimd(cap)) {
      this.arena = this.toWasm(cap, old);
      return;
    }
    const arena = new Float32Array(cap * this.dim);
    arena.set(old);
    this.arena = arena;
  }

  /** Copies `vector` (length `dim`, checked at the boundary) into slot `id`; normalizes for Cosine. */
  set(id: number, vector: ArrayLike<number>): void {
    this.ensure(id);
    const off = id * this.dim;
    const arena = this.arena;
    for (let i = 0; i < this.dim; i++) arena[off + i] = vector[i]!;
    if (this.distance === 'Cosine') normalizeInPlace(arena, off, this.dim);
    if (this.present[id] === 0) {
      this.present[id] = 1;
      this.live++;
    }
    if (id >= this.limit) this.limit = id + 1;
  }

  /** A view of the stored (possibly normalized) vector; invalid (possibly empty) after the arena grows. */
  get(id: number): Float32Array {
    const off = id * this.dim;
    return this.arena.subarray(off, off + this.dim);
  }

  has(id: number): boolean {
    return id < this.present.length && this.present[id] === 1;
  }

  delete(id: number): void {
    if (!this.has(id)) return;
    this.present[id] = 0;
    this.live--;
  }

  /** A fresh Float32Array copy of a query, normalized for Cosine, ready for `score` / HNSW search. */
  prepareQuery(vector: ArrayLike<number>): Float32Array {
    const q = Float32Array.from(vector as ArrayLike<number>);
    if (this.distance === 'Cosine') normalizeInPlace(q, 0, this.dim);
    return q;
  }

  /** The query in the form `data` holds vectors: here the same as `prepareQuery`. */
  prepareFloatQuery(vector: ArrayLike<number>): Float32Array {
    return this.prepareQuery(vector);
  }

  /** Qdrant's score of a prepared query against stored vector `id` (similarity or distance, see Distance). */
  score(query: Float32Array, id: number): number {
    return this.scoreFn(query, 0, this.arena, id * this.dim, this.dim);
  }

  /** Lower-is-closer order key of `query` against `id` (see `rankKernel`); `rankToScore` turns it into a score. */
  rank(query: Float32Array, id: number): number {
    return this.rankFn(query, 0, this.arena, id * this.dim, this.dim);
  }

  /** Lower-is-closer order key between two stored vectors. */
  rankBetween(a: number, b: number): number {
    return this.rankFn(this.arena, a * this.dim, this.arena, b * this.dim, this.dim);
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
    const q = h < 0 ? this.jsQuery : this.arena;
    rankBatchJs(this.distance, q, h < 0 ? 0 : h * this.dim, this.arena, this.dim, this.batchIds, 0, count, this.batchOut);
  }

  /** `batchOut[i] = rank(h, from + i)` for i < count (<= BATCH_CAPACITY): the exact scan's contiguous form. */
  rankRange(h: number, from: number, count: number): void {
    const w = this.wasm;
    if (w !== undefined) {
      w.range(h < 0 ? w.queryPtr : w.base + h * w.rowBytes, from, count, w.outPtr, w.base, w.rowBytes);
      return;
    }
    const q = h < 0 ? this.jsQuery : this.arena;
    rankBatchJs(this.distance, q, h < 0 ? 0 : h * this.dim, this.arena, this.dim, undefined, from, count, this.batchOut);
  }

  encode(): Uint8Array {
    const w = new ByteWriter(64 + this.limit * (this.dim * 4 + 1));
    w.u32(MAGIC).u32(VERSION).u32(this.dim).u32(distanceCode(this.distance)).u32(this.limit);
    w.array(this.present.subarray(0, this.limit));
    w.array(this.arena.subarray(0, this.limit * this.dim));
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
    s.present.set(present);
    s.arena.set(arena);
    s.limit = limit;
    let live = 0;
    for (let i = 0; i < limit; i++) live += present[i]!;
    s.live = live;
    return s;
  }
}

function wasmMetric(distance: Distance): WasmMetric {
  return distance === 'Euclid' ? 'l2' : distance === 'Manhattan' ? 'l1' : 'dot';
}
