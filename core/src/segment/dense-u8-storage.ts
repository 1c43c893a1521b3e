import { type Distance, distanceCode, distanceFromCode, rankToScore } from '../distance/distance.js';
import { sumBatchU8, toU8 } from '../distance/u8-rows.js';
import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import { WasmU8Arena } from '../distance/wasm-u8-arena.js';
import type { U8Metric } from '../distance/wasm-u8-kernels.js';
import { type DenseVectorStorageOptions, QUERY, SIMD_MIN_BYTES } from './dense-vector-storage.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x38555653; // "SVU8"
const VERSION = 1;

/**
 * Dense vectors of the `uint8` datatype: one byte per component, as Qdrant stores them. Writes and queries are
 * cast as Qdrant casts them (`toU8`: 3.7 -> 3, 300 -> 255, -1 -> 0) and every score is computed on those integers:
 * Dot is the integer dot product, Euclid / Manhattan the integer distances, and Cosine is NOT normalized on write
 * (a byte cannot hold a unit vector): it is dot / (|a| |b|) with each row's 1 / |row| kept in `invNorms`
 * (0 for a zero row, so its cosine with anything is 0, as Qdrant answers).
 *
 * Rows are `stride` = dim rounded up to 16 bytes, zero-padded, at `id * stride`; a large storage keeps them in a
 * WasmU8Arena and ranks with the integer SIMD kernels of scalar quantization (exact sums, 16 lanes at a time),
 * a small one in a Uint8Array with the same sums in JS. Ranks are `rankKernel` keys in the float units: -dot,
 * -cosine, squared L2, L1.
 *
 * Two forms of a query: `prepareQuery` gives the cast integers (what `loadQuery`, `score` and `rank` take, and
 * what `get` returns for a stored vector); `prepareFloatQuery` gives the float view's form (Cosine: scaled to
 * unit length) that pairs with `data` / `offset`, where each `offset(id)` decodes row `id` into a one-row scratch.
 */
export class Uint8VectorStorage {
  readonly datatype = 'uint8';
  private rows: Uint8Array;
  private present: Uint8Array;
  private invNorms: Float32Array;
  private live = 0;
  private limit = 0;
  private wasm: WasmU8Arena | undefined;
  private readonly simd: boolean | undefined;
  private readonly metric: U8Metric;
  readonly stride: number;
  /** The loaded query's integers (JS path) and 1 / |query| (Cosine). */
  private readonly jsQuery: Float32Array;
  private queryInv = 0;
  private readonly view: Float32Array;
  private readonly pairQuery: Float32Array;
  private readonly oneId = new Uint32Array(1);
  private readonly oneOut = new Float32Array(1);
  batchIds: Uint32Array;
  batchOut: Float32Array;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    initialCapacity = 16,
    options: DenseVectorStorageOptions = {},
  ) {
    const cap = Math.max(1, initialCapacity);
    this.stride = (dim + 15) & ~15;
    this.metric = distance === 'Euclid' ? 'u8l2' : distance === 'Manhattan' ? 'u8l1' : 'u8dot';
    this.simd = options.simd;
    this.jsQuery = new Float32Array(dim);
    this.view = new Float32Array(dim);
    this.pairQuery = new Float32Array(dim);
    this.batchIds = new Uint32Array(BATCH_CAPACITY);
    this.batchOut = new Float32Array(BATCH_CAPACITY);
    this.present = new Uint8Array(cap);
    this.invNorms = new Float32Array(distance === 'Cosine' ? cap : 0);
    this.rows = this.wantsSimd(cap) ? this.toWasm(cap, undefined) : new Uint8Array(cap * this.stride);
  }

  private wantsSimd(capacity: number): boolean {
    // The float32 storage's threshold in points (its bytes at 4 a component), so that choosing a compact datatype
    // never leaves a collection on the slower JS kernels that float32 would have run as SIMD.
    return this.simd ?? capacity * this.dim * 4 >= SIMD_MIN_BYTES;
  }

  private toWasm(capacity: number, old: Uint8Array | undefined): Uint8Array {
    const w = WasmU8Arena.create(this.dim, this.metric, capacity);
    if (w === undefined) {
      const rows = new Uint8Array(capacity * this.stride);
      if (old !== undefined) rows.set(old);
      return rows;
    }
    if (old !== undefined) w.rows.set(old);
    this.wasm = w;
    this.batchIds = w.ids;
    this.batchOut = w.out;
    return w.rows;
  }

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

  /** Bytes held per slot: the padded row, the live flag and, for Cosine, the row's inverse norm. */
  get bytesPerVector(): number {
    return this.stride + 1 + (this.distance === 'Cosine' ? 4 : 0);
  }

  private ensure(id: number): void {
    if (id < this.present.length) return;
    let cap = this.present.length * 2;
    while (cap <= id) cap *= 2;
    const present = new Uint8Array(cap);
    present.set(this.present);
    this.present = present;
    if (this.distance === 'Cosine') {
      const inv = new Float32Array(cap);
      inv.set(this.invNorms);
      this.invNorms = inv;
    }
    const w = this.wasm;
    if (w !== undefined && w.grow(cap)) {
      this.rows = w.rows;
      this.batchIds = w.ids;
      this.batchOut = w.out;
      return;
    }
    const old = w !== undefined ? w.rows : this.rows;
    if (w !== undefined) {
      this.wasm = undefined;
      this.batchIds = new Uint32Array(BATCH_CAPACITY);
      this.batchOut = new Float32Array(BATCH_CAPACITY);
    } else if (this.wantsSimd(cap)) {
      this.rows = this.toWasm(cap, old);
      return;
    }
    const rows = new Uint8Array(cap * this.stride);
    rows.set(old.subarray(0, Math.min(old.length, rows.length)));
    this.rows = rows;
  }

  /** Stores `vector` cast to bytes (see `toU8`) in slot `id`. */
  set(id: number, vector: ArrayLike<number>): void {
    this.ensure(id);
    const off = id * this.stride;
    const rows = this.rows;
    let n2 = 0;
    for (let i = 0; i < this.dim; i++) {
      const c = toU8(vector[i]!);
      rows[off + i] = c;
      n2 += c * c;
    }
    if (this.distance === 'Cosine') this.invNorms[id] = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
    if (this.present[id] === 0) {
      this.present[id] = 1;
      this.live++;
    }
    if (id >= this.limit) this.limit = id + 1;
  }

  /** A fresh copy of the stored integers (what Qdrant returns for `with_vector`). */
  get(id: number): Float32Array {
    const out = new Float32Array(this.dim);
    const off = id * this.stride;
    for (let i = 0; i < this.dim; i++) out[i] = this.rows[off + i]!;
    return out;
  }

  has(id: number): boolean {
    return id < this.present.length && this.present[id] === 1;
  }

  delete(id: number): void {
    if (!this.has(id)) return;
    this.present[id] = 0;
    this.live--;
  }

  /** The query cast to the stored integers (Qdrant converts queries to the storage's element type too). */
  prepareQuery(vector: ArrayLike<number>): Float32Array {
    const q = new Float32Array(this.dim);
    for (let i = 0; i < this.dim; i++) q[i] = toU8(vector[i]!);
    return q;
  }

  /** The query in the float view's form: cast, then scaled to unit length for Cosine (zero stays zero). */
  prepareFloatQuery(vector: ArrayLike<number>): Float32Array {
    const q = this.prepareQuery(vector);
    if (this.distance === 'Cosine') {
      const inv = invNorm(q);
      for (let i = 0; i < this.dim; i++) q[i] = q[i]! * inv;
    }
    return q;
  }

  /** The float view: a one-row scratch that `offset(id)` fills with row `id` (Cosine: unit length). */
  get data(): Float32Array {
    return this.view;
  }

  /** Decodes row `id` into `data` and returns where it starts (0); the next call overwrites it. */
  offset(id: number): number {
    const off = id * this.stride;
    const scale = this.distance === 'Cosine' ? this.invNorms[id]! : 1;
    for (let i = 0; i < this.dim; i++) this.view[i] = this.rows[off + i]! * scale;
    return 0;
  }

  score(query: Float32Array, id: number): number {
    return rankToScore(this.distance, this.rank(query, id));
  }

  /** Rank of a prepared (integer) query against `id`; leaves the loaded query and the batch arrays alone. */
  rank(query: Float32Array, id: number): number {
    this.oneId[0] = id;
    sumBatchU8(this.metric, query, this.rows, this.stride, this.dim, this.oneId, 0, 1, this.oneOut);
    const s = this.oneOut[0]!;
    if (this.distance === 'Dot') return -s;
    if (this.distance === 'Cosine') return -(s * invNorm(query) * this.invNorms[id]!);
    return s;
  }

  rankBetween(a: number, b: number): number {
    const off = a * this.stride;
    for (let i = 0; i < this.dim; i++) this.pairQuery[i] = this.rows[off + i]!;
    return this.rank(this.pairQuery, b);
  }

  rankToScore(rank: number): number {
    return rankToScore(this.distance, rank);
  }

  loadQuery(query: Float32Array): number {
    const w = this.wasm;
    if (w !== undefined) {
      const qb = w.query;
      for (let i = 0; i < this.dim; i++) qb[i] = query[i]!;
    } else {
      this.jsQuery.set(query.length === this.dim ? query : query.subarray(0, this.dim));
    }
    if (this.distance === 'Cosine') this.queryInv = invNorm(query);
    return QUERY;
  }

  rankBatch(h: number, count: number): void {
    const w = this.wasm;
    if (w !== undefined) w.batch(h < 0 ? w.queryPtr : w.base + h * w.rowBytes, w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
    else sumBatchU8(this.metric, this.queryOf(h), this.rows, this.stride, this.dim, this.batchIds, 0, count, this.batchOut);
    this.finish(h, this.batchIds, 0, count);
  }

  rankRange(h: number, from: number, count: number): void {
    const w = this.wasm;
    if (w !== undefined) w.range(h < 0 ? w.queryPtr : w.base + h * w.rowBytes, from, count, w.outPtr, w.base, w.rowBytes);
    else sumBatchU8(this.metric, this.queryOf(h), this.rows, this.stride, this.dim, undefined, from, count, this.batchOut);
    this.finish(h, undefined, from, count);
  }

  /** The JS path's query for handle `h`: the loaded one, or stored row `h` decoded into the query scratch. */
  private queryOf(h: number): Float32Array {
    if (h >= 0) {
      const off = h * this.stride;
      for (let i = 0; i < this.dim; i++) this.jsQuery[i] = this.rows[off + i]!;
    }
    return this.jsQuery;
  }

  /** Integer sums -> ranks: -dot, -dot / (|q| |row|) for Cosine; L2^2 and L1 are the sums themselves. */
  private finish(h: number, ids: Uint32Array | undefined, from: number, count: number): void {
    if (this.metric !== 'u8dot') return;
    const out = this.batchOut;
    if (this.distance === 'Dot') {
      for (let i = 0; i < count; i++) out[i] = -out[i]!;
      return;
    }
    const inv = this.invNorms;
    const qi = h < 0 ? this.queryInv : inv[h]!;
    for (let i = 0; i < count; i++) out[i] = -(out[i]! * qi * inv[ids === undefined ? from + i : ids[i]!]!);
  }

  encode(): Uint8Array {
    const w = new ByteWriter(64 + this.limit * (this.dim + 1));
    w.u32(MAGIC).u32(VERSION).u32(this.dim).u32(distanceCode(this.distance)).u32(this.limit);
    w.array(this.present.subarray(0, this.limit));
    w.array(packRows(this.rows, this.stride, this.dim, this.limit));
    return w.finish();
  }

  /** Whether `bytes` is an encoded uint8 storage (tells the dense storages apart when a segment opens). */
  static is(bytes: Uint8Array): boolean {
    return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === MAGIC;
  }

  static decode(bytes: Uint8Array, options: DenseVectorStorageOptions = {}): Uint8VectorStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, VERSION, 'uint8 vector storage');
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const limit = r.u32();
    const present = r.u8Array();
    const packed = r.u8Array();
    const s = new Uint8VectorStorage(dim, distance, Math.max(limit, 16), options);
    s.present.set(present);
    for (let id = 0; id < limit; id++) s.rows.set(packed.subarray(id * dim, id * dim + dim), id * s.stride);
    s.limit = limit;
    let live = 0;
    for (let id = 0; id < limit; id++) {
      live += present[id]!;
      if (distance === 'Cosine') {
        let n2 = 0;
        const off = id * s.stride;
        for (let i = 0; i < dim; i++) n2 += s.rows[off + i]! * s.rows[off + i]!;
        s.invNorms[id] = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
      }
    }
    s.live = live;
    return s;
  }
}

function invNorm(q: Float32Array): number {
  let n2 = 0;
  for (let i = 0; i < q.length; i++) n2 += q[i]! * q[i]!;
  return n2 > 0 ? 1 / Math.sqrt(n2) : 0;
}

/** Rows without their padding, `dim` bytes each (the stored form does not depend on the SIMD stride). */
function packRows(rows: Uint8Array, stride: number, dim: number, limit: number): Uint8Array {
  if (stride === dim) return rows.subarray(0, limit * dim);
  const out = new Uint8Array(limit * dim);
  for (let id = 0; id < limit; id++) out.set(rows.subarray(id * stride, id * stride + dim), id * dim);
  return out;
}
