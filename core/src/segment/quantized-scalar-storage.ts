import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import { WasmU8Arena, type WasmU8ArenaView } from '../distance/wasm-u8-arena.js';
import { newBuffer, sharedThreads } from '../executor/shared-memory.js';
import type { U8Metric } from '../distance/wasm-u8-kernels.js';
import type { DenseVectors } from './vector-storage.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';
import { quantizeQuery, scalarRanks } from './quantized-codes.js';

export const SCALAR_PARAMS_MAGIC = 0x53515331; // "SQS1"
const PARAMS_VERSION = 1;

/**
 * The int8 codes as a search thread ranks them (see executor/shared-codes.ts): the shared arena, the fit and the
 * row sums (shared memory). `epoch` names one consistent set: it changes when the fit changes (every row
 * re-encoded), when the row sums move to a larger array, or when the codes leave the shared arena.
 */
export interface ScalarCodesView {
  kind: 'scalar';
  epoch: number;
  arena: WasmU8ArenaView;
  dim: number;
  distance: DenseVectors['distance'];
  lo: number;
  alpha: number;
  rowSums: Float32Array;
}

/** The values sampled to find the clip range: enough for a stable quantile, few enough to sort fast. */
const SAMPLE = 100_000;

/**
 * Qdrant's scalar (int8) quantization of one dense vector storage (float32 or float16): every component is clipped
 * to [lo, hi] (the central `quantile` of the values) and stored as one byte `c` with x ~ lo + alpha * c,
 * alpha = (hi - lo) / 255.
 *
 * Derived data, never persisted: built from the float arena at open, maintained on writes (`set`), and re-fitted
 * when the live count has doubled since the last fit (the clip range of a few first vectors is a poor guess for
 * many). Ranks are asymmetric: the query stays float, shifted and scaled into code units once per query, so each
 * row costs one pass over `dim` bytes and the result is an approximation of the float `rankKernel` key in the
 * same units (-dot, squared L2, L1), comparable to the float ranks that rescoring computes.
 *
 * When the float storage runs SIMD (a large arena), the codes live in a WasmU8Arena and ranks are symmetric
 * instead: the query is quantized too and the u8 kernels sum integers 16 lanes at a time; the affine terms are
 * added back per row (dot needs each row's code sum, kept in `rowSums`). Rows are `stride` = dim rounded up to
 * 16 bytes in both forms, zero-padded.
 *
 * Same batch protocol as DenseVectorStorage (`loadQuery`, `batchIds`, `rankBatch`, `batchOut`), so an HNSW walk
 * or an exact scan can run on it unchanged. Liveness (`has`) is the float storage's: the two share ids.
 */
export class ScalarQuantizedStorage {
  private codes: Uint8Array;
  private rowSums: Float32Array;
  private wasm: WasmU8Arena | undefined;
  private readonly stride: number;
  private lo = 0;
  private alpha = 0;
  /** Live count at the last fit; -1 when never fitted (no vectors then). */
  private fittedAt = -1;
  /** See ScalarCodesView: bumped whenever a thread's copy of the fit or of the row sums would be stale. */
  private codesEpoch = 0;
  private view: ScalarCodesView | undefined;
  /** The query in code units (Euclid/Manhattan: (q - lo) / alpha; Dot/Cosine: q itself). */
  private readonly qs: Float32Array;
  /** Dot/Cosine: lo * sum(q), the per-query constant of the dot product (SIMD: sum of the query's codes). */
  private qShift = 0;
  /** Ids of the next `rankBatch`; a view into WebAssembly memory when SIMD runs (re-read after writes). */
  batchIds: Uint32Array = new Uint32Array(BATCH_CAPACITY);
  batchOut: Float32Array = new Float32Array(BATCH_CAPACITY);

  constructor(
    readonly vectors: DenseVectors,
    /** Central fraction of values kept unclipped, in [0.5, 1]; 1 = the whole range. */
    readonly quantile: number,
    fitted?: { at: number; lo: number; alpha: number },
  ) {
    this.qs = new Float32Array(vectors.dim);
    this.stride = (vectors.dim + 15) & ~15;
    const cap = Math.max(16, vectors.capacity);
    const threads = sharedThreads();
    this.wasm = vectors.simdActive ? WasmU8Arena.create(vectors.dim, u8Metric(vectors.distance), cap, undefined, threads) : undefined;
    if (this.wasm !== undefined) {
      this.codes = this.wasm.rows;
      this.batchIds = this.wasm.ids;
      this.batchOut = this.wasm.out;
    } else {
      this.codes = new Uint8Array(cap * this.stride);
    }
    this.rowSums = new Float32Array(newBuffer(cap * 4, this.wasm?.shared === true));
    if (fitted === undefined || fitted.at <= 0) {
      this.fit();
      return;
    }
    this.lo = fitted.lo;
    this.alpha = fitted.alpha;
    this.fittedAt = fitted.at;
    this.codesEpoch++;
    this.encodeAll();
  }

  /** The fit (its quantile, live count at fitting, clip start and step) for the segment image. */
  encodeParams(): Uint8Array {
    const w = new ByteWriter(40);
    w.u32(SCALAR_PARAMS_MAGIC).u32(PARAMS_VERSION).f64(this.quantile).i32(this.fittedAt).f64(this.lo).f64(this.alpha);
    return w.finish();
  }

  /** The companion encoded with a saved fit; undefined when that fit was for another quantile. */
  static restore(vectors: DenseVectors, quantile: number, bytes: Uint8Array): ScalarQuantizedStorage | undefined {
    const r = new ByteReader(bytes);
    r.expectMagic(SCALAR_PARAMS_MAGIC, PARAMS_VERSION, 'scalar quantization');
    if (r.f64() !== quantile) return undefined;
    const at = r.i32();
    const lo = r.f64();
    const alpha = r.f64();
    return new ScalarQuantizedStorage(vectors, quantile, { at, lo, alpha });
  }

  /** Whether ranks run as WebAssembly SIMD over the codes (else JS). */
  get simdActive(): boolean {
    return this.wasm !== undefined;
  }

  /** See ScalarCodesView; changes when a search thread must be handed `sharedView()` again. */
  get epoch(): number {
    return this.codesEpoch;
  }

  /**
   * The codes as search threads rank them, or undefined when they are not in shared memory (sharing off when they
   * were made, no SIMD, or the arena would not grow) or not fitted yet. Call `refresh` first, as a search does.
   */
  sharedView(): ScalarCodesView | undefined {
    const w = this.wasm;
    if (w === undefined || !w.shared || this.fittedAt < 0) return undefined;
    // One object per epoch: everything in it changes only with the epoch (a search asks for it every time).
    if (this.view?.epoch !== this.codesEpoch) {
      const { codesEpoch: epoch, lo, alpha, rowSums } = this;
      this.view = { kind: 'scalar', epoch, arena: w.view(), dim: this.vectors.dim, distance: this.vectors.distance, lo, alpha, rowSums };
    }
    return this.view;
  }

  /** Makes room for `cap` rows (codes and row sums), in place in WebAssembly memory when it can grow. */
  private ensure(cap: number): void {
    if (cap <= this.rowSums.length) return;
    let n = this.rowSums.length;
    while (n < cap) n *= 2;
    const w = this.wasm;
    // A new array: a thread ranking with the old one reads the sums it had (see ScalarCodesView).
    const sums = new Float32Array(newBuffer(n * 4, w?.shared === true));
    sums.set(this.rowSums);
    this.rowSums = sums;
    this.codesEpoch++;
    if (w !== undefined && w.grow(n)) {
      this.codes = w.rows;
      this.batchIds = w.ids;
      this.batchOut = w.out;
      return;
    }
    if (w !== undefined) {
      // The memory would not grow: continue in JS (asymmetric) with a copy of the codes.
      this.wasm = undefined;
      this.batchIds = new Uint32Array(BATCH_CAPACITY);
      this.batchOut = new Float32Array(BATCH_CAPACITY);
    }
    const codes = new Uint8Array(n * this.stride);
    codes.set(this.codes.subarray(0, Math.min(this.codes.length, codes.length)));
    this.codes = codes;
  }

  get dim(): number {
    return this.vectors.dim;
  }

  get distance(): DenseVectors['distance'] {
    return this.vectors.distance;
  }

  /** Bytes of quantized data per stored slot (codes padded to 16, plus the row sum). */
  get bytesPerVector(): number {
    return this.stride + 4;
  }

  has(id: number): boolean {
    return this.vectors.has(id);
  }

  get idLimit(): number {
    return this.vectors.idLimit;
  }

  /** Re-fits when the vectors have at least doubled since the last fit (or were never fitted); call before a search. */
  refresh(): void {
    const live = this.vectors.count;
    if (live > 0 && (this.fittedAt <= 0 || live >= 2 * this.fittedAt)) this.fit();
  }

  /** Encodes slot `id` from the float storage (after `vectors.set(id, ...)`). */
  set(id: number): void {
    this.ensure(id + 1);
    if (this.fittedAt < 0) {
      this.fit();
      return;
    }
    this.encodeRow(id);
  }

  /** Clip range from the quantile of a strided sample of live values, then every row re-encoded. */
  private fit(): void {
    const v = this.vectors;
    const dim = v.dim;
    const limit = v.idLimit;
    if (v.count === 0) {
      this.fittedAt = -1;
      return;
    }
    const total = v.count * dim;
    const step = Math.max(1, Math.floor(total / SAMPLE));
    const sample = new Float32Array(Math.min(total, SAMPLE + dim));
    let n = 0;
    let k = 0;
    for (let id = 0; id < limit && n < sample.length; id++) {
      if (!v.has(id)) continue;
      // `offset` before `data`: a compact datatype decodes the row into its scratch there.
      const off = v.offset(id);
      const data = v.data;
      for (let i = 0; i < dim && n < sample.length; i++, k++) if (k % step === 0) sample[n++] = data[off + i]!;
    }
    const sorted = sample.subarray(0, n).sort();
    const cut = Math.min(Math.floor(((1 - this.quantile) / 2) * n), (n - 1) >> 1);
    this.lo = sorted[cut]!;
    const hi = sorted[n - 1 - cut]!;
    // A constant range (all values equal) still needs a non-zero step.
    this.alpha = hi > this.lo ? (hi - this.lo) / 255 : 1;
    this.fittedAt = v.count;
    this.codesEpoch++;
    // Made while the vectors were too few for SIMD (a first search on a young collection): every row is
    // re-encoded now anyway, so the codes move to the SIMD form (and to shared memory, for search threads).
    if (this.wasm === undefined && v.simdActive) this.toWasm();
    this.encodeAll();
  }

  private toWasm(): void {
    const cap = this.rowSums.length;
    const w = WasmU8Arena.create(this.vectors.dim, u8Metric(this.vectors.distance), cap, undefined, sharedThreads());
    if (w === undefined) return;
    this.wasm = w;
    this.codes = w.rows;
    this.batchIds = w.ids;
    this.batchOut = w.out;
    const sums = new Float32Array(newBuffer(cap * 4, w.shared));
    sums.set(this.rowSums);
    this.rowSums = sums;
  }

  private encodeAll(): void {
    const v = this.vectors;
    this.ensure(v.capacity);
    const limit = v.idLimit;
    for (let id = 0; id < limit; id++) if (v.has(id)) this.encodeRow(id);
  }

  private encodeRow(id: number): void {
    const dim = this.vectors.dim;
    const off = this.vectors.offset(id);
    const data = this.vectors.data;
    const row = id * this.stride;
    const inv = 1 / this.alpha;
    const lo = this.lo;
    const codes = this.codes;
    let sum = 0;
    for (let i = 0; i < dim; i++) {
      const c = Math.round((data[off + i]! - lo) * inv);
      sum += codes[row + i] = c < 0 ? 0 : c > 255 ? 255 : c;
    }
    this.rowSums[id] = sum;
  }

  /** Loads a prepared query (DenseVectors.prepareQuery) for `rankBatch`; returns the QUERY handle (-1). */
  loadQuery(query: Float32Array): number {
    const dim = this.vectors.dim;
    const w = this.wasm;
    if (w !== undefined) {
      this.qShift = quantizeQuery(query, dim, this.lo, this.alpha, w.query);
      return -1;
    }
    const qs = this.qs;
    if (this.vectors.distance === 'Cosine' || this.vectors.distance === 'Dot') {
      let sum = 0;
      for (let i = 0; i < dim; i++) sum += qs[i] = query[i]!;
      this.qShift = this.lo * sum;
    } else {
      const inv = 1 / this.alpha;
      for (let i = 0; i < dim; i++) qs[i] = (query[i]! - this.lo) * inv;
    }
    return -1;
  }

  /**
   * `batchOut[i]` = approximate rank of the loaded query against `batchIds[i]`. `h` must be the QUERY handle: the
   * graph is built on float vectors, only searches run here.
   */
  rankBatch(_h: number, count: number): void {
    const w = this.wasm;
    if (w === undefined) return this.rank(this.batchIds, 0, count);
    w.batch(w.queryPtr, w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
    this.affine(w.ids, 0, count);
  }

  /** Contiguous form of `rankBatch` over rows `from .. from+count` (the exact scan). */
  rankRange(_h: number, from: number, count: number): void {
    const w = this.wasm;
    if (w === undefined) return this.rank(undefined, from, count);
    w.range(w.queryPtr, from, count, w.outPtr, w.base, w.rowBytes);
    this.affine(undefined, from, count);
  }

  /**
   * Integer sums of the u8 kernels -> ranks. With x = lo + a c and q = lo + a qc:
   * dot = a^2 sum(qc c) + a lo (sum qc + sum c) + dim lo^2; L2^2 = a^2 sum((qc - c)^2); L1 = a sum|qc - c|.
   */
  private affine(ids: Uint32Array | undefined, from: number, count: number): void {
    scalarRanks(this.vectors.distance, this.vectors.dim, this.lo, this.alpha, this.qShift, this.rowSums, this.batchOut, ids, from, count);
  }

  private rank(ids: Uint32Array | undefined, from: number, count: number): void {
    const stride = this.stride;
    const dim = this.vectors.dim;
    const qs = this.qs;
    const codes = this.codes;
    const out = this.batchOut;
    const a = this.alpha;
    switch (this.vectors.distance) {
      case 'Cosine':
      case 'Dot': {
        const shift = this.qShift;
        for (let r = 0; r < count; r++) {
          const off = (ids === undefined ? from + r : ids[r]!) * stride;
          let s0 = 0;
          let s1 = 0;
          for (let i = 0; i < dim - 1; i += 2) {
            s0 += qs[i]! * codes[off + i]!;
            s1 += qs[i + 1]! * codes[off + i + 1]!;
          }
          if (dim & 1) s0 += qs[dim - 1]! * codes[off + dim - 1]!;
          out[r] = -(a * (s0 + s1) + shift);
        }
        return;
      }
      case 'Euclid': {
        const a2 = a * a;
        for (let r = 0; r < count; r++) {
          const off = (ids === undefined ? from + r : ids[r]!) * stride;
          let s = 0;
          for (let i = 0; i < dim; i++) {
            const d = qs[i]! - codes[off + i]!;
            s += d * d;
          }
          out[r] = a2 * s;
        }
        return;
      }
      case 'Manhattan':
        for (let r = 0; r < count; r++) {
          const off = (ids === undefined ? from + r : ids[r]!) * stride;
          let s = 0;
          for (let i = 0; i < dim; i++) s += Math.abs(qs[i]! - codes[off + i]!);
          out[r] = a * s;
        }
        return;
    }
  }
}

function u8Metric(distance: DenseVectors['distance']): U8Metric {
  return distance === 'Euclid' ? 'u8l2' : distance === 'Manhattan' ? 'u8l1' : 'u8dot';
}
