import { type Distance, rankToScore } from '../distance/distance.js';
import { sumBatchU8, toU8 } from '../distance/u8-rows.js';
import { WasmU8Arena, type WasmU8ArenaView } from '../distance/wasm-u8-arena.js';
import { newBuffer, sharedThreads } from '../executor/shared-memory.js';
import type { U8Metric } from '../distance/wasm-u8-kernels.js';
import { DenseRows, type DenseVectorStorageOptions, QUERY, decodeFrame, hasMagic } from './dense-rows.js';

const MAGIC = 0x38555653; // "SVU8"
const VERSION = 1;

/**
 * The uint8 rows as a search thread ranks them (executor/shared-codes.ts): the arena and, for Cosine, the rows'
 * inverse norms (shared memory). `epoch` changes with the arena and when the norms move to a larger array.
 */
export interface U8RowsView {
  kind: 'u8';
  epoch: number;
  arena: WasmU8ArenaView;
  dim: number;
  distance: Distance;
  invNorms: Float32Array;
}

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
export class Uint8VectorStorage extends DenseRows<Uint8Array, WasmU8Arena> {
  readonly datatype = 'uint8';
  private invNorms: Float32Array;
  private readonly metric: U8Metric;
  /** The loaded query's integers (JS path) and 1 / |query| (Cosine). */
  private readonly jsQuery: Float32Array;
  private queryInv = 0;
  private readonly view: Float32Array;
  private readonly pairQuery: Float32Array;
  private readonly oneId = new Uint32Array(1);
  private readonly oneOut = new Float32Array(1);
  private arenaEpoch = 0;
  private shared: U8RowsView | undefined;

  constructor(dim: number, distance: Distance, initialCapacity = 16, options: DenseVectorStorageOptions = {}) {
    const cap = Math.max(1, initialCapacity);
    super(dim, distance, (dim + 15) & ~15, cap, options.simd);
    this.metric = distance === 'Euclid' ? 'u8l2' : distance === 'Manhattan' ? 'u8l1' : 'u8dot';
    this.jsQuery = new Float32Array(dim);
    this.view = new Float32Array(dim);
    this.pairQuery = new Float32Array(dim);
    this.invNorms = new Float32Array(distance === 'Cosine' ? cap : 0);
    this.initRows();
  }

  protected newRows(length: number): Uint8Array {
    return new Uint8Array(length);
  }

  protected createArena(capacity: number): WasmU8Arena | undefined {
    return WasmU8Arena.create(this.dim, this.metric, capacity, undefined, sharedThreads());
  }

  protected override growExtras(capacity: number): void {
    if (this.distance !== 'Cosine') return;
    // A new array (shared while threads are on): a thread ranking with the old one has the norms it was handed.
    const inv = new Float32Array(newBuffer(capacity * 4, sharedThreads() > 0));
    inv.set(this.invNorms);
    this.invNorms = inv;
    this.arenaEpoch++;
  }

  protected override bindArena(w: WasmU8Arena): void {
    super.bindArena(w);
    // Norms made before the arena (a small storage's JS arrays) move to shared memory with it.
    if (w.shared && this.distance === 'Cosine' && !(this.invNorms.buffer instanceof SharedArrayBuffer)) {
      const inv = new Float32Array(newBuffer(this.invNorms.length * 4, true));
      inv.set(this.invNorms);
      this.invNorms = inv;
    }
    this.arenaEpoch++;
  }

  protected override unbindArena(): void {
    super.unbindArena();
    this.arenaEpoch++;
  }

  /** See U8RowsView; changes when a search thread must be handed `sharedView()` again. */
  get epoch(): number {
    return this.arenaEpoch;
  }

  /** The rows as search threads rank them, or undefined while they are not in a shared arena. */
  sharedView(): U8RowsView | undefined {
    const w = this.wasm;
    if (w === undefined || !w.shared) return undefined;
    if (this.shared?.epoch !== this.arenaEpoch) {
      this.shared = { kind: 'u8', epoch: this.arenaEpoch, arena: w.view(), dim: this.dim, distance: this.distance, invNorms: this.invNorms };
    }
    return this.shared;
  }

  /** Bytes held per slot: the padded row, the live flag and, for Cosine, the row's inverse norm. */
  get bytesPerVector(): number {
    return this.stride + 1 + (this.distance === 'Cosine' ? 4 : 0);
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
    this.markSet(id);
  }

  /** A fresh copy of the stored integers (what Qdrant returns for `with_vector`). */
  get(id: number): Float32Array {
    const out = new Float32Array(this.dim);
    const off = id * this.stride;
    for (let i = 0; i < this.dim; i++) out[i] = this.rows[off + i]!;
    return out;
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
    u8Ranks(this.distance, h < 0 ? this.queryInv : this.invNorms[h]!, this.invNorms, this.batchOut, ids, from, count);
  }

  encode(): Uint8Array {
    return this.encodeRows(MAGIC, VERSION);
  }

  /** Whether `bytes` is an encoded uint8 storage (tells the dense storages apart when a segment opens). */
  static is(bytes: Uint8Array): boolean {
    return hasMagic(bytes, MAGIC);
  }

  static decode(bytes: Uint8Array, options: DenseVectorStorageOptions = {}): Uint8VectorStorage {
    const f = decodeFrame(bytes, MAGIC, VERSION, 'uint8 vector storage');
    const s = new Uint8VectorStorage(f.dim, f.distance, Math.max(f.limit, 16), options);
    s.restoreRows(f, f.raw);
    if (f.distance === 'Cosine') {
      for (let id = 0; id < f.limit; id++) {
        let n2 = 0;
        const off = id * s.stride;
        for (let i = 0; i < f.dim; i++) n2 += s.rows[off + i]! * s.rows[off + i]!;
        s.invNorms[id] = n2 > 0 ? 1 / Math.sqrt(n2) : 0;
      }
    }
    return s;
  }
}

/**
 * Integer sums in `out[0..count)` -> ranks, in place: -dot, -dot x `qi` / |row| for Cosine (`qi`: the query's
 * 1 / |q|); L2^2 and L1 are the sums themselves. Rows are `ids[i]`, or `from + i`. Search threads rank with it too.
 */
export function u8Ranks(distance: Distance, qi: number, inv: Float32Array, out: Float32Array, ids: Uint32Array | undefined, from: number, count: number): void {
  if (distance === 'Dot') {
    for (let i = 0; i < count; i++) out[i] = -out[i]!;
  } else if (distance === 'Cosine') {
    for (let i = 0; i < count; i++) out[i] = -(out[i]! * qi * inv[ids === undefined ? from + i : ids[i]!]!);
  }
}

export function invNorm(q: Float32Array): number {
  let n2 = 0;
  for (let i = 0; i < q.length; i++) n2 += q[i]! * q[i]!;
  return n2 > 0 ? 1 / Math.sqrt(n2) : 0;
}
