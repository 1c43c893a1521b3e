import { type Distance, distanceCode, distanceFromCode, normalizeInPlace, rankToScore } from '../distance/distance.js';
import { f16Table, f32ToF16, rankBatchF16 } from '../distance/half-float.js';
import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import { QUERY } from './dense-vector-storage.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x36485653; // "SVH6"
const VERSION = 1;

/**
 * Whether `v` is already a stored Cosine row: every component a half and the norm within the rounding of a unit
 * vector (each component is off by at most 2^-11 relative, so |v|^2 by about 2^-10). Such a vector comes back when a
 * point moves (compaction, an update of another vector name, a sync page): normalizing it again would move some
 * components to a neighbouring half, so copies would drift a little on every move.
 */
function isStoredUnit(v: Float32Array): boolean {
  const t = f16Table();
  let n2 = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (t[f32ToF16(x)] !== x) return false;
    n2 += x * x;
  }
  return Math.abs(n2 - 1) <= 2 ** -9;
}

/**
 * Dense vectors of the `float16` datatype: two bytes per component, as Qdrant stores them. A write is normalized
 * in float32 first (Cosine), then each component is rounded to the nearest half (ties to even); queries are
 * rounded the same way (Qdrant converts the query to the storage's element type), so scores are those of the
 * rounded values and `get` returns the rounded values, as Qdrant's `with_vector` does.
 *
 * Rows are `dim` half-float bit patterns at `id * dim` of one Uint16Array that grows by doubling. Ranks are
 * computed in float32 (JS numbers) from the float query and the rows decoded through a table (half-float.ts), in
 * the `rankKernel` units of the float storage; a stored id as the handle is decoded into a scratch first.
 *
 * Float view (`data` / `offset`): `offset(id)` decodes row `id` into a one-row scratch and returns 0; the next
 * call overwrites it. `prepareFloatQuery` is `prepareQuery`: the rounded values are already the float form.
 */
export class Float16VectorStorage {
  readonly datatype = 'float16';
  private rows: Uint16Array;
  private present: Uint8Array;
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
  readonly batchIds = new Uint32Array(BATCH_CAPACITY);
  readonly batchOut = new Float32Array(BATCH_CAPACITY);
  /** Batches run as JS over the decode table (no WebAssembly half-float path yet). */
  readonly simdActive = false;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    initialCapacity = 16,
  ) {
    const cap = Math.max(1, initialCapacity);
    this.rows = new Uint16Array(cap * dim);
    this.present = new Uint8Array(cap);
    this.query = new Float32Array(dim);
    this.handleRow = new Float32Array(dim);
    this.scratch = new Float32Array(dim);
    this.view = new Float32Array(dim);
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

  /** Bytes held per slot: two per component and the live flag. */
  get bytesPerVector(): number {
    return this.dim * 2 + 1;
  }

  private ensure(id: number): void {
    if (id < this.present.length) return;
    let cap = this.present.length * 2;
    while (cap <= id) cap *= 2;
    const present = new Uint8Array(cap);
    present.set(this.present);
    this.present = present;
    const rows = new Uint16Array(cap * this.dim);
    rows.set(this.rows);
    this.rows = rows;
  }

  /** Normalizes (Cosine) in float32, then stores each component as the nearest half. */
  set(id: number, vector: ArrayLike<number>): void {
    this.ensure(id);
    const v = this.scratch;
    for (let i = 0; i < this.dim; i++) v[i] = vector[i]!;
    if (this.distance === 'Cosine' && !isStoredUnit(v)) normalizeInPlace(v, 0, this.dim);
    const off = id * this.dim;
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
    const off = id * this.dim;
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
    if (this.distance === 'Cosine') normalizeInPlace(q, 0, this.dim);
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
    rankBatchF16(this.distance, query, this.rows, this.dim, this.oneId, 0, 1, this.oneOut);
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
    this.query.set(query.length === this.dim ? query : query.subarray(0, this.dim));
    return QUERY;
  }

  rankBatch(h: number, count: number): void {
    rankBatchF16(this.distance, this.queryOf(h), this.rows, this.dim, this.batchIds, 0, count, this.batchOut);
  }

  rankRange(h: number, from: number, count: number): void {
    rankBatchF16(this.distance, this.queryOf(h), this.rows, this.dim, undefined, from, count, this.batchOut);
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
    const bits = this.rows.subarray(0, this.limit * this.dim);
    w.array(new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength));
    return w.finish();
  }

  static is(bytes: Uint8Array): boolean {
    return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === MAGIC;
  }

  static decode(bytes: Uint8Array): Float16VectorStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, VERSION, 'float16 vector storage');
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const limit = r.u32();
    const present = r.u8Array();
    const raw = r.u8Array();
    const s = new Float16VectorStorage(dim, distance, Math.max(limit, 16));
    s.present.set(present);
    // u8Array copied into a fresh, aligned buffer, so it can be viewed as half-float bits directly.
    s.rows.set(new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength >> 1));
    s.limit = limit;
    let live = 0;
    for (let i = 0; i < limit; i++) live += present[i]!;
    s.live = live;
    return s;
  }
}
