import type { TurboSpec } from '../collection/quantization-config.js';
import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import { newBuffer, sharedThreads } from '../executor/shared-memory.js';
import { BackgroundFit } from './background-fit.js';
import { grown, sampleLiveRows } from './quantized-sample.js';
import { TURBO_LEVELS, TURBO_SEED, type TurboCoding, TurboQuery, turboRanks } from './turbo-codes.js';
import { powerOfTwoAtLeast } from './turbo-rotation.js';
import type { DenseVectors } from './vector-storage.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

export const TURBO_PARAMS_MAGIC = 0x53515431; // "SQT1"
const PARAMS_VERSION = 1;
const SEED = TURBO_SEED;
/** Vectors the per-coordinate calibration samples (fewer for very wide vectors: at most 4M sampled values). */
const TRAIN = 4096;
const SAMPLE_VALUES = 4 << 20;

const LEVELS = TURBO_LEVELS;
/** Phi(-outermost level): the tail probability the calibration anchors each coordinate's quantiles at. */
const P_OUTER: Record<1 | 2 | 4, number> = { 1: 0.21246, 2: 0.06547, 4: 0.003142 };

/**
 * Turbo codes as a search thread ranks them (executor/shared-codes.ts): the rows (shared memory) and the fit, its
 * calibration copied. `epoch` changes when a fit starts or ends and when the rows move to larger arrays.
 */
export interface TurboCodesView extends TurboCoding {
  kind: 'turbo';
  epoch: number;
  codes: Uint8Array;
  factor: Float32Array;
  norm2: Float32Array;
}

/** Row arrays, in shared memory while search threads are on. */
const newBytes = (n: number): Uint8Array => new Uint8Array(newBuffer(n, sharedThreads() > 0));
const newFloats = (n: number): Float32Array => new Float32Array(newBuffer(n * 4, sharedThreads() > 0));

/**
 * Qdrant 1.18+'s TurboQuant of one dense vector storage (float32 or float16), after its article: every vector is
 * normalized, zero-padded to P = a power of two, rotated by a seeded random orthogonal rotation (sign flips +
 * Walsh-Hadamard, see RandomRotation) and scaled by sqrt(P), so each coordinate is about N(0, 1); each of the first
 * M coordinates is then stored as the index of its nearest Lloyd-Max level at `bits` bits (bits4: 4, bits2: 2,
 * bits1: 1; bits1_5: 1 bit over M = 1.5 P coordinates, those of the rotation and the first half of a second,
 * independent one: Qdrant's "1 bit with x1.5 dimension padding" without leaving the powers of two).
 * What else it keeps (Qdrant's extensions, rebuilt here from their description):
 * - per-coordinate calibration: a (shift, scale) per coordinate, fitted on a seeded sample so the empirical
 *   quantiles at the outermost level's tail probability land on that level; codes hold (z + shift) * scale;
 * - per-vector length renormalization (RaBitQ's estimator): rho = |z|^2 / <z, z_hat> with z_hat the decoded
 *   coordinates, so <q, x> ~ rho <q, z_hat> / M is unbiased and exact for q = x; stored times |x| as `factor`;
 * - |x|^2 per vector, so Euclid is |q|^2 + |x|^2 - 2 <q, x>, Dot -<q, x>, Cosine -<q, x> of unit vectors.
 *   Manhattan is not preserved by a rotation: as Qdrant does, it decodes the row and rotates it back (slow).
 * A query is rotated once and folded with the calibration into a table of `rowBytes x 256` partial sums (one
 * entry per code byte value), so a row costs one look-up per code byte. Rows are 4/2/1 bits x M bits + 8 bytes.
 *
 * The calibration, the per-row factors and the codes are saved with the segment and restored at open; the
 * rotation is re-derived from its seed. Same batch protocol as DenseVectorStorage; JS only. A fit runs in slices
 * (`fitSome`), searches ranking the floats until `ready`, as ProductQuantizedStorage's does. The query's
 * rotation, table and ranks are TurboQuery / turboRanks (turbo-codes.ts), which search threads run too.
 */
export class TurboQuantizedStorage extends BackgroundFit {
  readonly bits: 1 | 2 | 4;
  /** Coordinates kept (codes per row) and the rotation's size. */
  readonly m: number;
  readonly p: number;
  readonly rowBytes: number;
  /** The rotations and the loaded query's table; its `z` is the rotated row or query. */
  private readonly q: TurboQuery;
  private readonly levels: Float32Array;
  /** Midpoints between consecutive levels (the encode's decision thresholds). */
  private readonly mids: Float64Array;
  /** See loadDecoded. */
  private readonly decoded: Float64Array;
  private readonly shift: Float32Array;
  private readonly scale: Float32Array;
  private codes: Uint8Array;
  /** rho |x| per row (see the class comment). */
  private factor: Float32Array;
  /** |x|^2 per row. */
  private norm2: Float32Array;
  /** The rotated row or query (the Manhattan path decodes rows into it). */
  private readonly scratch: Float32Array;
  /** The prepared query as given, for the Manhattan path. */
  private readonly rawQuery: Float32Array;
  private view: TurboCodesView | undefined;
  /** The layout and the calibration (the same arrays, rewritten in place by a fit) as TurboQuery reads them. */
  private readonly coding: TurboCoding;
  batchIds: Uint32Array = new Uint32Array(BATCH_CAPACITY);
  batchOut: Float32Array = new Float32Array(BATCH_CAPACITY);

  constructor(
    vectors: DenseVectors,
    readonly spec: TurboSpec,
    fitted?: { at: number; shift: Float32Array; scale: Float32Array; factor: Float32Array; norm2: Float32Array; codes: Uint8Array },
  ) {
    super(vectors, TRAIN, 256);
    const dim = vectors.dim;
    ({ bits: this.bits, p: this.p, m: this.m } = turboLayout(dim, spec));
    this.rawQuery = new Float32Array(dim);
    this.rowBytes = (this.m * this.bits) / 8;
    this.q = new TurboQuery(this);
    this.scratch = this.q.z;
    this.levels = LEVELS[this.bits];
    this.mids = new Float64Array(this.levels.length - 1);
    for (let c = 0; c < this.mids.length; c++) this.mids[c] = (this.levels[c]! + this.levels[c + 1]!) / 2;
    this.shift = new Float32Array(this.m);
    this.scale = new Float32Array(this.m).fill(1);
    const { bits, p, m, rowBytes, shift, scale } = this;
    this.coding = { dim, distance: vectors.distance, bits, p, m, rowBytes, shift, scale };
    this.decoded = new Float64Array(this.m * this.levels.length);
    const cap = Math.max(16, vectors.capacity);
    this.codes = newBytes(cap * this.rowBytes);
    this.factor = newFloats(cap);
    this.norm2 = newFloats(cap);
    // Unfitted (a new companion, or a saved image taken before its fit ended): `fitSome` / `refresh` fit it.
    if (fitted === undefined || fitted.at <= 0) return;
    this.shift.set(fitted.shift);
    this.scale.set(fitted.scale);
    this.loadDecoded();
    this.fittedAt = fitted.at;
    // Rows the saved image holds keep their codes; rows written after it (replayed ops) are encoded by `set`.
    this.ensureRows(fitted.factor.length);
    this.codes.set(fitted.codes);
    this.factor.set(fitted.factor);
    this.norm2.set(fitted.norm2);
  }

  /** Calibration, live count at fitting, and every row's factors and codes, for the segment image. */
  encodeParams(): Uint8Array {
    const n = this.vectors.idLimit;
    const w = new ByteWriter(64 + 8 * this.m + n * (8 + this.rowBytes));
    w.u32(TURBO_PARAMS_MAGIC).u32(PARAMS_VERSION).u32(this.m).u32(this.bits).u32(this.vectors.dim).i32(this.savedFittedAt);
    w.array(this.shift).array(this.scale).array(this.factor.subarray(0, n)).array(this.norm2.subarray(0, n));
    return w.array(this.codes.subarray(0, n * this.rowBytes)).finish();
  }

  /** The companion with a saved fit and codes; undefined when they were made for other bits or another size. */
  static restore(vectors: DenseVectors, spec: TurboSpec, bytes: Uint8Array): TurboQuantizedStorage | undefined {
    const r = new ByteReader(bytes);
    r.expectMagic(TURBO_PARAMS_MAGIC, PARAMS_VERSION, 'turbo quantization');
    const m = r.u32();
    const bits = r.u32();
    if (r.u32() !== vectors.dim) return undefined;
    const at = r.i32();
    const fitted = { at, shift: r.f32Array(), scale: r.f32Array(), factor: r.f32Array(), norm2: r.f32Array(), codes: r.u8Array() };
    const layout = turboLayout(vectors.dim, spec);
    if (layout.m !== m || layout.bits !== bits) return undefined;
    return new TurboQuantizedStorage(vectors, spec, fitted);
  }

  get simdActive(): boolean {
    return false;
  }

  get dim(): number {
    return this.vectors.dim;
  }

  get distance(): DenseVectors['distance'] {
    return this.vectors.distance;
  }

  /** Bytes of quantized data per stored slot: the packed codes plus the factor and the squared norm. */
  get bytesPerVector(): number {
    return this.rowBytes + 8;
  }

  has(id: number): boolean {
    return this.vectors.has(id);
  }

  get idLimit(): number {
    return this.vectors.idLimit;
  }

  protected ensureRows(rows: number): void {
    const { codes, factor } = this;
    this.codes = grown(codes, rows * this.rowBytes, newBytes);
    this.factor = grown(factor, rows, newFloats);
    this.norm2 = grown(this.norm2, rows, newFloats);
    // New arrays: a thread ranking the old ones reads the rows it was handed (and retries past their end).
    if (this.codes !== codes || this.factor !== factor) this.codesEpoch++;
  }

  /**
   * The rows as search threads rank them, or undefined when they are not in shared memory (sharing off when they
   * were made), not `ready`, or Manhattan (which decodes and rotates rows back: it stays in-thread). The
   * calibration is copied once per epoch (a fit rewrites it in place).
   */
  sharedView(): TurboCodesView | undefined {
    if (!this.ready || this.distance === 'Manhattan' || !(this.codes.buffer instanceof SharedArrayBuffer)) return undefined;
    if (this.view?.epoch !== this.codesEpoch) {
      const { codes, factor, norm2 } = this;
      this.view = { ...this.coding, kind: 'turbo', epoch: this.codesEpoch, shift: this.shift.slice(), scale: this.scale.slice(), codes, factor, norm2 };
    }
    return this.view;
  }

  /** See TurboQuery.rotate (into `scratch`). */
  private rotate(src: Float32Array, off: number): number {
    return this.q.rotate(src, off, this.vectors.dim);
  }

  /** Per-coordinate (shift, scale): the sample's quantiles at P_OUTER and 1 - P_OUTER land on -/+ the outer level. */
  protected *train(): Generator<void, void> {
    const v = this.vectors;
    const m = this.m;
    const { rows, n } = sampleLiveRows(v, Math.min(TRAIN, Math.max(16, Math.floor(SAMPLE_VALUES / m))), SEED);
    const cols = new Float32Array(m * n);
    for (let r = 0; r < n; r++) {
      this.rotate(rows, r * v.dim);
      for (let i = 0; i < m; i++) cols[i * n + r] = this.scratch[i]!;
      if ((r & 255) === 255) yield;
    }
    const outer = this.levels[this.levels.length - 1]!;
    const cut = Math.floor(P_OUTER[this.bits] * (n - 1));
    for (let i = 0; i < m; i++) {
      const col = cols.subarray(i * n, i * n + n).sort();
      const lo = col[cut]!;
      const hi = col[n - 1 - cut]!;
      // A coordinate that barely varies keeps the codebook's own scale, centred.
      this.scale[i] = hi - lo > 1e-9 ? (2 * outer) / (hi - lo) : 1;
      this.shift[i] = -(hi + lo) / 2;
      if ((i & 3) === 3) yield;
    }
    this.loadDecoded();
  }

  /** levels[c] / scale[i] - shift[i] for every coordinate i and level c (what a code decodes to), after a fit. */
  private loadDecoded(): void {
    const l = this.levels.length;
    for (let i = 0; i < this.m; i++) for (let c = 0; c < l; c++) this.decoded[i * l + c] = this.levels[c]! / this.scale[i]! - this.shift[i]!;
  }

  protected encodeRow(id: number): void {
    const off = this.vectors.offset(id);
    const norm = this.rotate(this.vectors.data, off);
    const z = this.scratch;
    const mids = this.mids;
    const top = mids.length;
    const decoded = this.decoded;
    const shift = this.shift;
    const scale = this.scale;
    const codes = this.codes;
    const bits = this.bits;
    const perByteLog = bits === 4 ? 1 : bits === 2 ? 2 : 3;
    const lowMask = (1 << perByteLog) - 1;
    const row = id * this.rowBytes;
    codes.fill(0, row, row + this.rowBytes);
    let zz = 0;
    let zh = 0;
    for (let i = 0; i < this.m; i++) {
      const u = (z[i]! + shift[i]!) * scale[i]!;
      // Nearest level: the levels ascend, so the code is the count of midpoints below u (binary search).
      let lo = 0;
      let hi = top;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (u > mids[mid]!) lo = mid + 1;
        else hi = mid;
      }
      codes[row + (i >> perByteLog)] |= lo << ((i & lowMask) * bits);
      zz += z[i]! * z[i]!;
      zh += z[i]! * decoded[i * (top + 1) + lo]!;
    }
    this.factor[id] = zh > 0 ? (zz / zh) * norm : 0;
    this.norm2[id] = norm * norm;
  }

  /** Rotates the query and folds it into the per-byte table (see the class comment); returns the QUERY handle. */
  loadQuery(query: Float32Array): number {
    this.rawQuery.set(query.subarray(0, this.vectors.dim));
    this.q.load(this.coding, query);
    return -1;
  }

  rankBatch(_h: number, count: number): void {
    this.rank(this.batchIds, 0, count);
  }

  rankRange(_h: number, from: number, count: number): void {
    this.rank(undefined, from, count);
  }

  private rank(ids: Uint32Array | undefined, from: number, count: number): void {
    const metric = this.vectors.distance;
    if (metric === 'Manhattan') return this.rankL1(ids, from, count);
    turboRanks(metric, this.q, this.codes, this.factor, this.norm2, this.rowBytes, ids, from, count, this.batchOut);
  }

  /** L1 against each row decoded and rotated back (a rotation keeps L2, not L1). */
  private rankL1(ids: Uint32Array | undefined, from: number, count: number): void {
    const dim = this.vectors.dim;
    const q = this.rawQuery;
    const a = this.scratch;
    const bits = this.bits;
    const perByte = 8 / bits;
    const mask = (1 << bits) - 1;
    const out = this.batchOut;
    const rowsHeld = this.factor.length;
    for (let r = 0; r < count; r++) {
      const id = ids === undefined ? from + r : ids[r]!;
      if (id >= rowsHeld) {
        out[r] = 0;
        continue;
      }
      const off = id * this.rowBytes;
      const f = this.factor[id]! / Math.sqrt(this.p);
      // The first P coordinates are one whole rotation: decode those and rotate back.
      for (let i = 0; i < this.p; i++) {
        const c = (this.codes[off + Math.floor(i / perByte)]! >> ((i % perByte) * bits)) & mask;
        a[i] = f * (this.levels[c]! / this.scale[i]! - this.shift[i]!);
      }
      this.q.rotation.invert(a);
      let s = 0;
      for (let i = 0; i < dim; i++) s += Math.abs(q[i]! - a[i]!);
      out[r] = s;
    }
  }
}

/**
 * Bits per code, rotation size and codes per row of a turbo spec at `dim`: P = the power of two >= dim, M = P
 * coordinates (bits1_5: 1.5 P, the P of one rotation and half of a second one's).
 */
function turboLayout(dim: number, spec: TurboSpec): { bits: 1 | 2 | 4; p: number; m: number } {
  const bits = spec.bits === 'bits4' ? 4 : spec.bits === 'bits2' ? 2 : 1;
  const p = powerOfTwoAtLeast(dim);
  return { bits, p, m: spec.bits === 'bits1_5' ? p + p / 2 : p };
}
