import { type Distance, normalizeInPlace, rankToScore } from '../distance/distance.js';
import { f16Table, f32ToF16, isStoredUnitF16, rankBatchF16 } from '../distance/half-float.js';
import { WasmF16Arena, type WasmF16ArenaView } from '../distance/wasm-f16-arena.js';
import { sharedThreads } from '../executor/shared-memory.js';
import type { WasmMetric } from '../distance/wasm-kernels.js';
import { DenseRows, type DenseVectorStorageOptions, QUERY, decodeFrame, hasMagic } from './dense-rows.js';

const MAGIC = 0x36485653; // "SVH6"
const VERSION = 1;

/** The half-float rows as a search thread ranks them (executor/shared-codes.ts); `epoch` changes with the arena. */
export interface F16RowsView {
  kind: 'f16';
  epoch: number;
  arena: WasmF16ArenaView;
  dim: number;
  distance: Distance;
}


/**
 * Dense vectors of the `float16` datatype: two bytes per component, as Qdrant stores them. A write is normalized
 * in float32 first (Cosine), then each component is rounded to the nearest half (ties to even); queries are
 * rounded the same way (Qdrant converts the query to the storage's element type), so scores are those of the
 * rounded values and `get` returns the rounded values, as Qdrant's `with_vector` does.
 *
 * Rows are `dim` half-float bit patterns at `id * stride` (dim rounded up to 8, zero-padded) of one Uint16Array
 * that grows by doubling. A large storage keeps them in a WasmF16Arena and ranks with SIMD kernels that decode 8
 * halves at a time (wasm-f16-kernels.ts); a small one, or an engine without SIMD, decodes through a table in JS
 * (half-float.ts). Either way ranks are f32 sums of the float query against the decoded rows, in the `rankKernel`
 * units of the float storage; a stored id as the handle is decoded into a float scratch first.
 *
 * Float view (`data` / `offset`): `offset(id)` decodes row `id` into a one-row scratch and returns 0; the next
 * call overwrites it. `prepareFloatQuery` is `prepareQuery`: the rounded values are already the float form.
 */
export class Float16VectorStorage extends DenseRows<Uint16Array, WasmF16Arena> {
  readonly datatype = 'float16';
  private readonly query: Float32Array;
  /** Stored id decoded in `handleRow` (-1: none), so a graph insert's many batches decode it once. */
  private handleId = -1;
  private readonly handleRow: Float32Array;
  private readonly scratch: Float32Array;
  private readonly view: Float32Array;
  private readonly oneId = new Uint32Array(1);
  private readonly oneOut = new Float32Array(1);
  private arenaEpoch = 0;
  private shared: F16RowsView | undefined;

  constructor(dim: number, distance: Distance, initialCapacity = 16, options: DenseVectorStorageOptions = {}) {
    super(dim, distance, (dim + 7) & ~7, Math.max(1, initialCapacity), options.simd);
    this.query = new Float32Array(dim);
    this.handleRow = new Float32Array(dim);
    this.scratch = new Float32Array(dim);
    this.view = new Float32Array(dim);
    this.initRows();
  }

  protected newRows(length: number): Uint16Array {
    return new Uint16Array(length);
  }

  protected createArena(capacity: number): WasmF16Arena | undefined {
    const metric: WasmMetric = this.distance === 'Euclid' ? 'l2' : this.distance === 'Manhattan' ? 'l1' : 'dot';
    return WasmF16Arena.create(this.dim, metric, capacity, sharedThreads());
  }

  // The handle row is decoded into the arena's (or the JS) scratch: a new or dropped arena forgets it.
  protected override bindArena(w: WasmF16Arena): void {
    super.bindArena(w);
    this.handleId = -1;
    this.arenaEpoch++;
  }

  protected override unbindArena(): void {
    super.unbindArena();
    this.handleId = -1;
    this.arenaEpoch++;
  }

  /** See F16RowsView; changes when a search thread must be handed `sharedView()` again. */
  get epoch(): number {
    return this.arenaEpoch;
  }

  /** The rows as search threads rank them, or undefined while they are not in a shared arena. */
  sharedView(): F16RowsView | undefined {
    const w = this.wasm;
    if (w === undefined || !w.shared) return undefined;
    if (this.shared?.epoch !== this.arenaEpoch) this.shared = { kind: 'f16', epoch: this.arenaEpoch, arena: w.view(), dim: this.dim, distance: this.distance };
    return this.shared;
  }

  /** Bytes held per slot: two per component (padded to 8 components) and the live flag. */
  get bytesPerVector(): number {
    return this.stride * 2 + 1;
  }

  /** Normalizes (Cosine) in float32, then stores each component as the nearest half. */
  set(id: number, vector: ArrayLike<number>): void {
    this.ensure(id);
    const v = this.scratch;
    for (let i = 0; i < this.dim; i++) v[i] = vector[i]!;
    if (this.distance === 'Cosine' && !isStoredUnitF16(v)) normalizeInPlace(v, 0, this.dim);
    const off = id * this.stride;
    for (let i = 0; i < this.dim; i++) this.rows[off + i] = f32ToF16(v[i]!);
    if (id === this.handleId) this.handleId = -1;
    this.markSet(id);
  }

  /** A fresh float copy of the stored (rounded, Cosine: normalized) vector. */
  get(id: number): Float32Array {
    const out = new Float32Array(this.dim);
    this.decode(id, out);
    return out;
  }

  private decode(id: number, out: Float32Array): void {
    const t = f16Table();
    const off = id * this.stride;
    for (let i = 0; i < this.dim; i++) out[i] = t[this.rows[off + i]!]!;
  }

  /** The query as stored vectors are: normalized for Cosine, then every component rounded to a half. */
  prepareQuery(vector: ArrayLike<number>): Float32Array {
    const q = new Float32Array(vector.length);
    q.set(vector); // a native copy, where `Float32Array.from` goes through the iterator
    // A stored row used as the query (recommend by id, lookup_from) keeps its halves, as in `set`.
    if (this.distance === 'Cosine' && !isStoredUnitF16(q)) normalizeInPlace(q, 0, this.dim);
    const t = f16Table();
    for (let i = 0; i < this.dim; i++) q[i] = t[f32ToF16(q[i]!)]!;
    return q;
  }

  prepareFloatQuery(vector: ArrayLike<number>): Float32Array {
    return this.prepareQuery(vector);
  }

  /** The float view: a one-row scratch that `offset(id)` fills with row `id`. */
  get data(): Float32Array {
    return this.view;
  }

  offset(id: number): number {
    this.decode(id, this.view);
    return 0;
  }

  score(query: Float32Array, id: number): number {
    return rankToScore(this.distance, this.rank(query, id));
  }

  rank(query: Float32Array, id: number): number {
    this.oneId[0] = id;
    rankBatchF16(this.distance, query, this.rows, this.stride, this.dim, this.oneId, 0, 1, this.oneOut);
    return this.oneOut[0]!;
  }

  rankBetween(a: number, b: number): number {
    this.decode(a, this.scratch);
    return this.rank(this.scratch, b);
  }

  rankToScore(rank: number): number {
    return rankToScore(this.distance, rank);
  }

  loadQuery(query: Float32Array): number {
    const q = query.length === this.dim ? query : query.subarray(0, this.dim);
    // The SIMD scratch is padded with zeros beyond dim, never written there.
    if (this.wasm !== undefined) this.wasm.query.set(q);
    else this.query.set(q);
    return QUERY;
  }

  rankBatch(h: number, count: number): void {
    const w = this.wasm;
    if (w !== undefined) w.batch(this.queryPtr(w, h), w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
    else rankBatchF16(this.distance, this.queryOf(h), this.rows, this.stride, this.dim, this.batchIds, 0, count, this.batchOut);
  }

  rankRange(h: number, from: number, count: number): void {
    const w = this.wasm;
    if (w !== undefined) w.range(this.queryPtr(w, h), from, count, w.outPtr, w.base, w.rowBytes);
    else rankBatchF16(this.distance, this.queryOf(h), this.rows, this.stride, this.dim, undefined, from, count, this.batchOut);
  }

  /**
   * The SIMD query for handle `h`: the loaded query, or stored row `h` decoded into the handle scratch. A graph
   * ranks pairs of stored rows with a new handle per call (neighbour selection: every candidate against the kept
   * ones), so the row is decoded by the SIMD kernel, 8 halves a step (the JS table took 0.8 s of a 50k x 128
   * build's 1.5 s of linking): the same f32 values, so the same ranks as a loaded query of `get(h)`.
   */
  private queryPtr(w: WasmF16Arena, h: number): number {
    if (h < 0) return w.queryPtr;
    if (h !== this.handleId) {
      w.decode(w.base + h * w.rowBytes, w.handlePtr, w.padded);
      this.handleId = h;
    }
    return w.handlePtr;
  }

  private queryOf(h: number): Float32Array {
    if (h < 0) return this.query;
    if (h !== this.handleId) {
      this.decode(h, this.handleRow);
      this.handleId = h;
    }
    return this.handleRow;
  }

  encode(): Uint8Array {
    return this.encodeRows(MAGIC, VERSION);
  }

  static is(bytes: Uint8Array): boolean {
    return hasMagic(bytes, MAGIC);
  }

  static decode(bytes: Uint8Array, options: DenseVectorStorageOptions = {}): Float16VectorStorage {
    const f = decodeFrame(bytes, MAGIC, VERSION, 'float16 vector storage');
    const s = new Float16VectorStorage(f.dim, f.distance, Math.max(f.limit, 16), options);
    // u8Array copied into a fresh, aligned buffer, so it can be viewed as half-float bits directly.
    s.restoreRows(f, new Uint16Array(f.raw.buffer, f.raw.byteOffset, f.raw.byteLength >> 1));
    return s;
  }
}
