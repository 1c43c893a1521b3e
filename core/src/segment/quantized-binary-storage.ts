import type { BinarySpec } from '../collection/quantization-config.js';
import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import type { BitPlanes } from '../distance/wasm-bit-kernels.js';
import { WasmU8Arena, type WasmU8ArenaView } from '../distance/wasm-u8-arena.js';
import { sharedThreads } from '../executor/shared-memory.js';
import type { DenseVectors } from './vector-storage.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';
import { type BinaryCoding, binaryRanks, encodeBits, loadBinaryQuery } from './quantized-codes.js';

export const BINARY_PARAMS_MAGIC = 0x53514231; // "SQB1"
const PARAMS_VERSION = 1;


/**
 * The bit codes as a search thread ranks them (see executor/shared-codes.ts): the shared arena and the coding, its
 * statistics copied. `epoch` names one fit: it changes when the statistics change (every row re-encoded) or the
 * codes leave the shared arena.
 */
export interface BinaryCodesView extends BinaryCoding {
  kind: 'binary';
  epoch: number;
  arena: WasmU8ArenaView;
}

/**
 * Qdrant's binary quantization of one dense vector storage (float32 or float16): each dimension becomes bits, rows
 * rank by XOR-popcount.
 *
 * Encodings (`spec.encoding`), for `dim` dimensions:
 * - one_bit: bit i = x_i > 0 (`dim` bits);
 * - two_bits: per-dimension z-score against the live vectors' mean and (sample) standard deviation: z <= -2/3 -> 00,
 *   |z| < 2/3 -> 10, z >= 2/3 -> 11; the first bit of dimension i at i, the second at dim + i (2 dim bits);
 * - one_and_half_bits: as two_bits, with the second bits of dimensions 2j and 2j+1 OR-ed into one at dim + j.
 * A dimension whose deviation is ~0 codes by sign alone, as Qdrant does.
 *
 * Queries (`spec.queryEncoding`): `default` / `binary` encode the query as the rows (symmetric; a rank is the
 * Hamming distance); `scalar4bits` / `scalar8bits` keep more of it (asymmetric): the query, extended as the
 * encoding extends the rows (two_bits: twice; 1.5 bits: then the max of each pair), is quantized to 4 / 8 bits over
 * [-max|q|, max|q|], and per bit the row pays the query value where it has a 0 and its complement where it has a
 * 1, over 2^bits - 1. Either way `count` approximates a distance; ranks are Qdrant's quantized scores turned into
 * lower-is-closer keys: Cosine / Dot -(dim - 2 count), Euclid / Manhattan `count`. They order candidates; only a
 * rescore with the floats gives real scores.
 *
 * Derived data, as the int8 companion: built from the float arena, maintained on writes, re-fitted (statistics and
 * every row) when the live count has doubled since the last fit, for the encodings that use statistics. The fit
 * (`encodeParams`) is saved with the segment and `restore`d at open, so a reopened segment (or a synced replica)
 * encodes every row with the same statistics, hence the same bits, as before; the rows themselves are re-derived.
 * Rows are `rowBytes` = the bits rounded up to 16 bytes, zero-padded (the query's padding is zero too, so it adds
 * nothing).
 * With a SIMD float storage the rows live in a WasmU8Arena and rank through the bit kernels; else JS popcounts.
 * Same batch protocol as DenseVectorStorage, so the HNSW walk and the exact scan run on it unchanged.
 */
export class BinaryQuantizedStorage {
  private codes!: Uint8Array;
  private words!: Uint32Array;
  private wasm: WasmU8Arena | undefined;
  /** Bits per row before padding: dim, 2 dim or dim + ceil(dim / 2). */
  readonly bits: number;
  readonly rowBytes: number;
  /** Query bit planes: 1 (symmetric) or 4 / 8 (scalar query). */
  readonly planes: BitPlanes;
  private readonly mean: Float32Array;
  private readonly std: Float32Array;
  private readonly usesStats: boolean;
  /** Live count at the last fit; -1 when never fitted. */
  private fittedAt = -1;
  private codesEpoch = 0;
  private readonly coding: BinaryCoding;
  private view: BinaryCodesView | undefined;
  /** The query planes, interleaved per 16 bytes (see wasm-bit-kernels.ts); a view into WebAssembly memory under SIMD. */
  private query!: Uint8Array;
  private queryWords!: Uint32Array;
  private readonly extended: Float32Array;
  private readonly rowScratch: Uint8Array;
  batchIds: Uint32Array = new Uint32Array(BATCH_CAPACITY);
  batchOut: Float32Array = new Float32Array(BATCH_CAPACITY);

  constructor(
    readonly vectors: DenseVectors,
    readonly spec: BinarySpec,
    fitted?: { at: number; mean: Float32Array; std: Float32Array },
  ) {
    const dim = vectors.dim;
    this.bits = spec.encoding === 'two_bits' ? 2 * dim : spec.encoding === 'one_and_half_bits' ? dim + Math.ceil(dim / 2) : dim;
    this.rowBytes = (Math.ceil(this.bits / 8) + 15) & ~15;
    this.planes = spec.queryEncoding === 'scalar8bits' ? 8 : spec.queryEncoding === 'scalar4bits' ? 4 : 1;
    this.usesStats = spec.encoding !== 'one_bit';
    this.mean = new Float32Array(this.usesStats ? dim : 0);
    this.std = new Float32Array(this.usesStats ? dim : 0);
    this.extended = new Float32Array(this.bits);
    this.rowScratch = new Uint8Array(this.rowBytes);
    const cap = Math.max(16, vectors.capacity);
    const queryBytes = this.rowBytes * this.planes;
    const { mean, std, bits, planes } = this;
    this.coding = { dim, distance: vectors.distance, encoding: spec.encoding, planes, bits, mean, std };
    this.wasm = vectors.simdActive ? WasmU8Arena.create(this.rowBytes, `bit${this.planes}`, cap, queryBytes, sharedThreads()) : undefined;
    if (this.wasm !== undefined) {
      this.bindWasm(this.wasm);
    } else {
      this.codes = new Uint8Array(cap * this.rowBytes);
      this.query = new Uint8Array(queryBytes);
    }
    this.words = new Uint32Array(this.codes.buffer, this.codes.byteOffset, this.codes.length >> 2);
    this.queryWords = new Uint32Array(this.query.buffer, this.query.byteOffset, queryBytes >> 2);
    if (fitted === undefined || fitted.at <= 0) {
      this.fit();
      return;
    }
    this.mean.set(fitted.mean);
    this.std.set(fitted.std);
    this.fittedAt = fitted.at;
    this.codesEpoch++;
    this.encodeAll();
  }

  /** The fit (live count at fitting, per-dimension mean and deviation) for the segment image. */
  encodeParams(): Uint8Array {
    const w = new ByteWriter(32 + 8 * this.mean.length);
    w.u32(BINARY_PARAMS_MAGIC).u32(PARAMS_VERSION).i32(this.fittedAt).array(this.mean).array(this.std);
    return w.finish();
  }

  /** The companion encoded with a saved fit; undefined when the bytes do not fit these vectors. */
  static restore(vectors: DenseVectors, spec: BinarySpec, bytes: Uint8Array): BinaryQuantizedStorage | undefined {
    const r = new ByteReader(bytes);
    r.expectMagic(BINARY_PARAMS_MAGIC, PARAMS_VERSION, 'binary quantization');
    const at = r.i32();
    const mean = r.f32Array();
    const std = r.f32Array();
    const wants = spec.encoding === 'one_bit' ? 0 : vectors.dim;
    if (mean.length !== wants || std.length !== wants) return undefined;
    return new BinaryQuantizedStorage(vectors, spec, { at, mean, std });
  }

  private bindWasm(w: WasmU8Arena): void {
    this.codes = w.rows;
    this.query = w.query;
    this.batchIds = w.ids;
    this.batchOut = w.out;
    this.words = new Uint32Array(w.rows.buffer, w.rows.byteOffset, w.rows.length >> 2);
    this.queryWords = new Uint32Array(w.query.buffer, w.query.byteOffset, w.query.length >> 2);
  }

  /** Whether ranks run as WebAssembly SIMD over the codes (else JS). */
  get simdActive(): boolean {
    return this.wasm !== undefined;
  }

  /** See BinaryCodesView; changes when a search thread must be handed `sharedView()` again. */
  get epoch(): number {
    return this.codesEpoch;
  }

  /**
   * The codes as search threads rank them, or undefined when they are not in shared memory (sharing off when they
   * were made, no SIMD, or the arena would not grow) or not fitted yet. Call `refresh` first, as a search does.
   */
  sharedView(): BinaryCodesView | undefined {
    const w = this.wasm;
    if (w === undefined || !w.shared || this.fittedAt < 0) return undefined;
    if (this.view?.epoch !== this.codesEpoch) {
      const c = this.coding;
      this.view = { ...c, mean: c.mean.slice(), std: c.std.slice(), kind: 'binary', epoch: this.codesEpoch, arena: w.view() };
    }
    return this.view;
  }

  get dim(): number {
    return this.vectors.dim;
  }

  get distance(): DenseVectors['distance'] {
    return this.vectors.distance;
  }

  /** Bytes of quantized data per stored slot (the bit row, padded to 16). */
  get bytesPerVector(): number {
    return this.rowBytes;
  }

  has(id: number): boolean {
    return this.vectors.has(id);
  }

  get idLimit(): number {
    return this.vectors.idLimit;
  }

  /** Slots the code arena holds. */
  private get capacity(): number {
    return this.codes.length / this.rowBytes;
  }

  private ensure(cap: number): void {
    if (cap <= this.capacity) return;
    let n = this.capacity;
    while (n < cap) n *= 2;
    const w = this.wasm;
    if (w !== undefined && w.grow(n)) {
      this.bindWasm(w);
      return;
    }
    if (w !== undefined) {
      // The memory would not grow: continue in JS with copies of the codes and of the loaded query.
      this.wasm = undefined;
      this.codesEpoch++;
      this.batchIds = new Uint32Array(BATCH_CAPACITY);
      this.batchOut = new Float32Array(BATCH_CAPACITY);
      this.query = Uint8Array.from(this.query);
      this.queryWords = new Uint32Array(this.query.buffer);
    }
    const codes = new Uint8Array(n * this.rowBytes);
    codes.set(this.codes.subarray(0, Math.min(this.codes.length, codes.length)));
    this.codes = codes;
    this.words = new Uint32Array(codes.buffer);
  }

  /** Re-fits the statistics when the vectors have at least doubled since the last fit; call before a search. */
  refresh(): void {
    const live = this.vectors.count;
    if (live > 0 && (this.fittedAt <= 0 || (this.usesStats && live >= 2 * this.fittedAt))) this.fit();
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

  /** Per-dimension mean and standard deviation of the live vectors (two-bit encodings), then every row encoded. */
  private fit(): void {
    const v = this.vectors;
    if (v.count === 0) {
      this.fittedAt = -1;
      return;
    }
    const dim = v.dim;
    const limit = v.idLimit;
    if (this.usesStats) {
      // Welford's running mean and sum of squared deviations in doubles, the sample deviation (n - 1), as Qdrant's
      // VectorStats: the same vectors give the same band edges, so the same bits.
      const mean = new Float64Array(dim);
      const m2 = new Float64Array(dim);
      let n = 0;
      for (let id = 0; id < limit; id++) {
        if (!v.has(id)) continue;
        n++;
        // `offset` before `data`: a compact datatype decodes the row into its scratch there.
        const off = v.offset(id);
        const data = v.data;
        for (let i = 0; i < dim; i++) {
          const x = data[off + i]!;
          const delta = x - mean[i]!;
          mean[i] += delta / n;
          m2[i] += delta * (x - mean[i]!);
        }
      }
      for (let i = 0; i < dim; i++) {
        this.mean[i] = mean[i]!;
        this.std[i] = n > 1 ? Math.sqrt(m2[i]! / (n - 1)) : 0;
      }
    }
    this.fittedAt = v.count;
    this.codesEpoch++;
    this.encodeAll();
  }

  private encodeAll(): void {
    const v = this.vectors;
    this.ensure(v.capacity);
    const limit = v.idLimit;
    for (let id = 0; id < limit; id++) if (v.has(id)) this.encodeRow(id);
  }

  private encodeRow(id: number): void {
    const off = this.vectors.offset(id);
    this.encodeInto(this.vectors.data, off, this.rowScratch);
    this.codes.set(this.rowScratch, id * this.rowBytes);
  }

  /** The bits of `dim` values at `src[off ..]` into `out` (rowBytes, cleared first). */
  private encodeInto(src: Float32Array, off: number, out: Uint8Array): void {
    encodeBits(this.coding, src, off, out);
  }

  /** Loads a prepared query (DenseVectors.prepareQuery) for `rankBatch`; returns the QUERY handle (-1). */
  loadQuery(query: Float32Array): number {
    loadBinaryQuery(this.coding, query, this.query, this.extended);
    return -1;
  }

  /** `batchOut[i]` = approximate rank of the loaded query against `batchIds[i]` (h must be the QUERY handle). */
  rankBatch(_h: number, count: number): void {
    const w = this.wasm;
    if (w === undefined) this.rank(this.batchIds, 0, count);
    else w.batch(w.queryPtr, w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
    this.toRanks(count);
  }

  /** Contiguous form of `rankBatch` over rows `from .. from+count` (the exact scan). */
  rankRange(_h: number, from: number, count: number): void {
    const w = this.wasm;
    if (w === undefined) this.rank(undefined, from, count);
    else w.range(w.queryPtr, from, count, w.outPtr, w.base, w.rowBytes);
    this.toRanks(count);
  }

  /** Weighted XOR-popcounts -> ranks (see the class comment). */
  private toRanks(count: number): void {
    binaryRanks(this.coding, this.batchOut, count);
  }

  /** The JS kernel: the same sums as the bit kernels, 32 bits at a time. */
  private rank(ids: Uint32Array | undefined, from: number, count: number): void {
    const rowWords = this.rowBytes >> 2;
    const words = this.words;
    const qw = this.queryWords;
    const out = this.batchOut;
    const planes = this.planes;
    for (let r = 0; r < count; r++) {
      const off = (ids === undefined ? from + r : ids[r]!) * rowWords;
      let s = 0;
      for (let k = 0; k < rowWords; k++) {
        const row = words[off + k]!;
        // Word k is word k & 3 of 16-byte chunk k >> 2; plane b of that chunk starts at ((k >> 2) * planes + b) * 4.
        const qbase = (k >> 2) * planes * 4 + (k & 3);
        for (let b = 0; b < planes; b++) {
          let x = row ^ qw[qbase + b * 4]!;
          x = x - ((x >>> 1) & 0x55555555);
          x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
          x = (x + (x >>> 4)) & 0x0f0f0f0f;
          s += (Math.imul(x, 0x01010101) >>> 24) << b;
        }
      }
      out[r] = s;
    }
  }
}
