import { type Distance, distanceCode, distanceFromCode } from '../distance/distance.js';
import { BATCH_CAPACITY } from '../distance/wasm-memory.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

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

/** The rows of a dense storage: one typed array of `stride` elements a slot. */
export type RowArray = Float32Array | Uint16Array | Uint8Array;

/** What DenseRows needs of a WebAssembly arena (WasmArena, WasmF16Arena, WasmU8Arena). */
export interface RowArena<R extends RowArray> {
  rows: R;
  ids: Uint32Array;
  out: Float32Array;
  /** Makes room for `capacity` rows in place; false when the memory cannot grow. */
  grow(capacity: number): boolean;
}

/**
 * The row bookkeeping the dense storages of every datatype (float32, float16, uint8) share: slot `id` at `rows[id * stride ..]`, the live flags, the live count and id limit, growth
 * by doubling, and the move into a WebAssembly arena once the rows are worth SIMD (or back to JS arrays when the
 * memory will not grow). What differs per datatype (encoding a write, ranking, per-row extras) stays in the
 * subclass; hot paths (`rankBatch` / `rankRange` / `rank`) are the subclass's own methods over `rows` / `wasm`,
 * so this base adds no call per distance.
 *
 * Subclasses call `initRows` at the end of their constructor (their fields, used by the hooks, are set by then).
 * `batchIds` / `batchOut` are the arena's views while SIMD is on: re-read them after writes.
 */
export abstract class DenseRows<R extends RowArray, W extends RowArena<R>> {
  protected rows!: R;
  protected present: Uint8Array;
  protected wasm: W | undefined;
  protected live = 0;
  protected limit = 0;
  private readonly simd: boolean | undefined;
  /** Ids of the next `rankBatch` (at most BATCH_CAPACITY). */
  batchIds: Uint32Array = new Uint32Array(BATCH_CAPACITY);
  /** Ranks written by `rankBatch` / `rankRange`. */
  batchOut: Float32Array = new Float32Array(BATCH_CAPACITY);

  protected constructor(
    readonly dim: number,
    readonly distance: Distance,
    /** Elements per slot: dim, padded to what the SIMD kernels step by. */
    readonly stride: number,
    capacity: number,
    simd: boolean | undefined,
  ) {
    this.simd = simd;
    this.present = new Uint8Array(capacity);
  }

  /** A zeroed row array of `length` elements. */
  protected abstract newRows(length: number): R;
  /** A WebAssembly arena of `capacity` rows, or undefined when the engine will not give one. */
  protected abstract createArena(capacity: number): W | undefined;
  /** Points the batch views at a (new or grown) arena; subclasses also drop what they cached of its views. */
  protected bindArena(w: W): void {
    this.batchIds = w.ids;
    this.batchOut = w.out;
  }
  /** The arena is gone (its memory would not grow): batches continue in JS arrays. */
  protected unbindArena(): void {
    this.batchIds = new Uint32Array(BATCH_CAPACITY);
    this.batchOut = new Float32Array(BATCH_CAPACITY);
  }
  /** Grows per-slot extras (e.g. inverse norms) to `capacity` slots. */
  protected growExtras(_capacity: number): void {}

  protected initRows(): void {
    const cap = this.present.length;
    this.rows = this.wantsSimd(cap) ? this.toWasm(cap, undefined) : this.newRows(cap * this.stride);
  }

  private wantsSimd(capacity: number): boolean {
    // The float32 storage's threshold in points (its bytes at 4 a component), so that choosing a compact datatype
    // never leaves a collection on the slower JS kernels that float32 would have run as SIMD.
    return this.simd ?? capacity * this.dim * 4 >= SIMD_MIN_BYTES;
  }

  /** Moves the rows into a fresh arena of `capacity` rows, or returns JS rows if that fails. */
  private toWasm(capacity: number, old: R | undefined): R {
    const w = this.createArena(capacity);
    if (w === undefined) {
      const rows = this.newRows(capacity * this.stride);
      if (old !== undefined) rows.set(old);
      return rows;
    }
    if (old !== undefined) w.rows.set(old);
    this.wasm = w;
    this.bindArena(w);
    return w.rows;
  }

  /** Whether batches run as WebAssembly SIMD (else as JS). */
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

  /** Slots held before the rows must grow. */
  get capacity(): number {
    return this.present.length;
  }

  has(id: number): boolean {
    return id < this.present.length && this.present[id] === 1;
  }

  delete(id: number): void {
    if (!this.has(id)) return;
    this.present[id] = 0;
    this.live--;
  }

  /** Makes room for slot `id`: doubles the capacity, in place in WebAssembly memory when it can grow. */
  protected ensure(id: number): void {
    if (id < this.present.length) return;
    let cap = this.present.length * 2;
    while (cap <= id) cap *= 2;
    const present = new Uint8Array(cap);
    present.set(this.present);
    this.present = present;
    this.growExtras(cap);
    const w = this.wasm;
    if (w !== undefined && w.grow(cap)) {
      this.rows = w.rows;
      this.bindArena(w);
      return;
    }
    const old = w !== undefined ? w.rows : this.rows;
    if (w !== undefined) {
      // The memory would not grow (32-bit limit or the engine said no): continue in JS arrays.
      this.wasm = undefined;
      this.unbindArena();
    } else if (this.wantsSimd(cap)) {
      this.rows = this.toWasm(cap, old);
      return;
    }
    const rows = this.newRows(cap * this.stride);
    rows.set(old.subarray(0, Math.min(old.length, rows.length)));
    this.rows = rows;
  }

  /** Marks slot `id` live after a write. */
  protected markSet(id: number): void {
    if (this.present[id] === 0) {
      this.present[id] = 1;
      this.live++;
    }
    if (id >= this.limit) this.limit = id + 1;
  }

  /**
   * The encoded storage: magic, version, dim, distance, id limit, the live flags, then the rows without their
   * padding, `dim` elements each (the stored form does not depend on the SIMD stride).
   */
  protected encodeRows(magic: number, version: number): Uint8Array {
    const { dim, stride, limit } = this;
    const w = new ByteWriter(64 + limit * (dim * this.rows.BYTES_PER_ELEMENT + 1));
    w.u32(magic).u32(version).u32(dim).u32(distanceCode(this.distance)).u32(limit);
    w.array(this.present.subarray(0, limit));
    let packed = this.rows.subarray(0, limit * dim) as R;
    if (stride !== dim) {
      packed = this.newRows(limit * dim);
      for (let id = 0; id < limit; id++) packed.set(this.rows.subarray(id * stride, id * stride + dim), id * dim);
    }
    w.array(new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength));
    return w.finish();
  }

  /** Fills a fresh storage from `decodeFrame`'s flags and unpadded rows (viewed as this storage's elements). */
  protected restoreRows(frame: Omit<DenseFrame, 'raw'>, packed: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }): void {
    const { dim, limit, present } = frame;
    this.present.set(present);
    for (let id = 0; id < limit; id++) this.rows.set(packed.subarray(id * dim, id * dim + dim), id * this.stride);
    this.limit = limit;
    let live = 0;
    for (let i = 0; i < limit; i++) live += present[i]!;
    this.live = live;
  }
}

/** The header and live flags of an encoded float16 / uint8 storage, then the raw row bytes (float32 has its own frame). */
export interface DenseFrame {
  dim: number;
  distance: Distance;
  limit: number;
  present: Uint8Array;
  /** The unpadded rows' bytes, copied into a fresh aligned buffer (so they can be viewed as wider elements). */
  raw: Uint8Array;
}

/** Whether `bytes` starts with `magic` (tells the dense storages apart when a segment opens). */
export function hasMagic(bytes: Uint8Array, magic: number): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === magic;
}

export function decodeFrame(bytes: Uint8Array, magic: number, version: number, what: string): DenseFrame {
  const r = new ByteReader(bytes);
  r.expectMagic(magic, version, what);
  const dim = r.u32();
  const distance = distanceFromCode(r.u32());
  const limit = r.u32();
  const present = r.u8Array();
  const raw = r.u8Array();
  return { dim, distance, limit, present, raw };
}
