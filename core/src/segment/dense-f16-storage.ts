import { type Distance, distanceCode, distanceFromCode, normalizeInPlace, rankToScore } from '../distance/distance.js';
import { f16Table, f32ToF16, isStoredUnitF16, rankBatchF16 } from '../distance/half-float.js';
import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import { WasmF16Arena } from '../distance/wasm-f16-arena.js';
import type { WasmMetric } from '../distance/wasm-kernels.js';
import { type DenseVectorStorageOptions, QUERY, SIMD_MIN_BYTES } from './dense-vector-storage.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x36485653; // "SVH6"
const VERSION = 1;


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
export class Float16VectorStorage {
  readonly datatype = 'float16';
  private rows: Uint16Array;
  private present: Uint8Array;
  private wasm: WasmF16Arena | undefined;
  private readonly simd: boolean | undefined;
  readonly stride: number;
  private live = 0;
  private limit = 0;
  private readonly query: Float32Array;
  /** Stored id decoded in `handleRow` (-1: none), so a graph insert's many batches decode it once. */
  private handleId = -1;
  private readonly handleRow: Float32Array;
  private readonly scratch: Float32Array;
  private readonly view: Float32Array;
  private readonly oneId = new Uint32Array(1);
  private readonly oneOut = new Float32Array(1);
  batchIds: Uint32Array = new Uint32Array(BATCH_CAPACITY);
  batchOut: Float32Array = new Float32Array(BATCH_CAPACITY);

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    initialCapacity = 16,
    options: DenseVectorStorageOptions = {},
  ) {
    const cap = Math.max(1, initialCapacity);
    this.stride = (dim + 7) & ~7;
    this.simd = options.simd;
    this.present = new Uint8Array(cap);
    this.rows = this.wantsSimd(cap) ? this.toWasm(cap, undefined) : new Uint16Array(cap * this.stride);
    this.query = new Float32Array(dim);
    this.handleRow = new Float32Array(dim);
    this.scratch = new Float32Array(dim);
    this.view = new Float32Array(dim);
  }

  private wantsSimd(capacity: number): boolean {
    // The float32 storage's threshold in points (its bytes at 4 a component), so that choosing a compact datatype
    // never leaves a collection on the slower JS kernels that float32 would have run as SIMD.
    return this.simd ?? capacity * this.dim * 4 >= SIMD_MIN_BYTES;
  }

  private toWasm(capacity: number, old: Uint16Array | undefined): Uint16Array {
    const metric: WasmMetric = this.distance === 'Euclid' ? 'l2' : this.distance === 'Manhattan' ? 'l1' : 'dot';
    const w = WasmF16Arena.create(this.dim, metric, capacity);
    if (w === undefined) {
      const rows = new Uint16Array(capacity * this.stride);
      if (old !== undefined) rows.set(old);
      return rows;
    }
    if (old !== undefined) w.rows.set(old);
    this.wasm = w;
    this.batchIds = w.ids;
    this.batchOut = w.out;
    this.handleId = -1;
    return w.rows;
  }

  /** Whether batches run as WebAssembly SIMD (else JS over the decode table). */
  get simdActive(): boolean {
    return this.wasm !== undefined;
  }

  get count(): number {
    return this.live;
  }

  get idLimit(): number {
    return this.limit;
  }

  get capacity(): number {
    return this.present.length;
  }

  /** Bytes held per slot: two per component (padded to 8 components) and the live flag. */
  get bytesPerVector(): number {
    return this.stride * 2 + 1;
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
      this.rows = w.rows;
      this.batchIds = w.ids;
      this.batchOut = w.out;
      this.handleId = -1;
      return;
    }
    const old = w !== undefined ? w.rows : this.rows;
    if (w !== undefined) {
      // The memory would not grow: continue in JS arrays.
      this.wasm = undefined;
      this.batchIds = new Uint32Array(BATCH_CAPACITY);
      this.batchOut = new Float32Array(BATCH_CAPACITY);
      this.handleId = -1;
    } else if (this.wantsSimd(cap)) {
      this.rows = this.toWasm(cap, old);
      return;
    }
    const rows = new Uint16Array(cap * this.stride);
    rows.set(old.subarray(0, Math.min(old.length, rows.length)));
    this.rows = rows;
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
    if (this.present[id] === 0) {
      this.present[id] = 1;
      this.live++;
    }
    if (id >= this.limit) this.limit = id + 1;
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

  has(id: number): boolean {
    return id < this.present.length && this.present[id] === 1;
  }

  delete(id: number): void {
    if (!this.has(id)) return;
    this.present[id] = 0;
    this.live--;
  }

  /** The query as stored vectors are: normalized for Cosine, then every component rounded to a half. */
  prepareQuery(vector: ArrayLike<number>): Float32Array {
    const q = Float32Array.from(vector as ArrayLike<number>);
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

  /** The SIMD query for handle `h`: the loaded query, or stored row `h` decoded into the handle scratch. */
  private queryPtr(w: WasmF16Arena, h: number): number {
    if (h < 0) return w.queryPtr;
    if (h !== this.handleId) {
      this.decode(h, w.handle);
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
    const w = new ByteWriter(64 + this.limit * (this.dim * 2 + 1));
    w.u32(MAGIC).u32(VERSION).u32(this.dim).u32(distanceCode(this.distance)).u32(this.limit);
    w.array(this.present.subarray(0, this.limit));
    const bits = packRows(this.rows, this.stride, this.dim, this.limit);
    w.array(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
    return w.finish();
  }

  static is(bytes: Uint8Array): boolean {
    return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === MAGIC;
  }

  static decode(bytes: Uint8Array, options: DenseVectorStorageOptions = {}): Float16VectorStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, VERSION, 'float16 vector storage');
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const limit = r.u32();
    const present = r.u8Array();
    const raw = r.u8Array();
    const s = new Float16VectorStorage(dim, distance, Math.max(limit, 16), options);
    s.present.set(present);
    // u8Array copied into a fresh, aligned buffer, so it can be viewed as half-float bits directly.
    const packed = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength >> 1);
    for (let id = 0; id < limit; id++) s.rows.set(packed.subarray(id * dim, id * dim + dim), id * s.stride);
    s.limit = limit;
    let live = 0;
    for (let i = 0; i < limit; i++) live += present[i]!;
    s.live = live;
    return s;
  }
}

/** Rows without their padding, `dim` halves each (the stored form does not depend on the SIMD stride). */
function packRows(rows: Uint16Array, stride: number, dim: number, limit: number): Uint16Array {
  if (stride === dim) return rows.subarray(0, limit * dim);
  const out = new Uint16Array(limit * dim);
  for (let id = 0; id < limit; id++) out.set(rows.subarray(id * stride, id * stride + dim), id * dim);
  return out;
}
