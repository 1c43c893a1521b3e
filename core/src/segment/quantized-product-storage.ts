import type { ProductSpec } from '../collection/quantization-config.js';
import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import { sampleIndices, seededRandom } from '../query/advanced/sample-random.js';
import { BackgroundFit } from './background-fit.js';
import { type ProductCoding, productRanks, productTable } from './quantized-codes.js';
import { newBuffer, sharedThreads } from '../executor/shared-memory.js';
import { grown, sampleLiveRows } from './quantized-sample.js';
import type { DenseVectors } from './vector-storage.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

export const PRODUCT_PARAMS_MAGIC = 0x53515031; // "SQP1"
const PARAMS_VERSION = 1;

/**
 * Product codes as a search thread ranks them (executor/shared-codes.ts): the code bytes (shared memory) and the
 * model, its centroids copied. `epoch` changes when a fit starts or ends and when the codes move to a larger array.
 */
export interface ProductCodesView extends ProductCoding {
  kind: 'product';
  epoch: number;
  codes: Uint8Array;
}

/** Code bytes, in shared memory while search threads are on. */
function newCodes(n: number): Uint8Array {
  return new Uint8Array(newBuffer(n, sharedThreads() > 0));
}

/** Centroids per sub-space: one byte a code. */
const CENTROIDS = 256;
/**
 * Vectors k-means trains on (a seeded sample, 8 per centroid) and its rounds: a fit costs TRAIN x 256 x dim x
 * ITERATIONS multiply-adds (2.1G at 128 dims, ~1 s in JS on an idle core); encoding N rows costs N x 256 x dim more.
 */
const TRAIN = 2048;
const ITERATIONS = 8;
const SEED = 0x5150;

/**
 * Qdrant's product quantization of one dense vector storage (float32 or float16). The vector is cut into
 * sub-vectors of `bucket` = compression / 4 consecutive dimensions (Qdrant's bucket sizes: x4 -> 1, x8 -> 2,
 * x16 -> 4, x32 -> 8, x64 -> 16; the last sub-vector is shorter when `bucket` does not divide `dim`), and each
 * sub-vector is stored as the byte index of its nearest of 256 centroids, so a row costs ceil(dim / bucket) bytes:
 * the float bytes over the compression.
 *
 * Centroids come from k-means (squared L2, whatever the metric) on a seeded sample of at most 2,048 live vectors (TRAIN),
 * initialised from distinct sample points, 8 rounds (one-dimensional sub-spaces keep their centroids sorted and
 * assign by binary search). A search loads the query once into a distance table (`table[s * 256 + c]` = the
 * metric's partial rank of sub-vector s against centroid c: -dot for Cosine / Dot, squared L2 for Euclid, L1 for
 * Manhattan), then a row's rank is the sum of one table entry per code byte (asymmetric distance, ADC). Ranks are
 * approximate float `rankKernel` keys, comparable to what rescoring computes.
 *
 * The fit (centroids) and the codes are saved with the segment (`encodeParams`) and restored at open, so a reopened
 * or synced segment ranks exactly as before without re-running k-means or re-encoding. Codes follow writes (`set`);
 * the fit is redone when the live count has doubled while it was still under the training sample size (past that,
 * a larger sample would not change the centroids much). Same batch protocol as DenseVectorStorage; JS only.
 *
 * A fit runs in slices (`fitSome`, Qdrant's optimizer quantizing in the background; `refresh` runs it whole): while
 * one is due or under way `ready` is false and searches rank the floats. Rows written meanwhile are encoded by `set`
 * once the encode pass has gone past them, else by the pass itself, so none is left without codes.
 */
export class ProductQuantizedStorage extends BackgroundFit {
  readonly bucket: number;
  readonly subspaces: number;
  private codes: Uint8Array;
  private centroids: Float32Array;
  /** Centroids fitted per sub-space: 256, or the sample size when fewer vectors exist. */
  private k = 0;
  private readonly table: Float32Array;
  private view: ProductCodesView | undefined;
  /** Per sub-space, the centroids laid out for encoding (rebuilt from `centroids` after a fit or a restore). */
  private search: CentroidSearch[] = [];
  batchIds: Uint32Array = new Uint32Array(BATCH_CAPACITY);
  batchOut: Float32Array = new Float32Array(BATCH_CAPACITY);

  constructor(
    vectors: DenseVectors,
    readonly spec: ProductSpec,
    fitted?: { at: number; k: number; centroids: Float32Array; codes: Uint8Array },
  ) {
    // 32 rows of the encode pass are dim x 256 x 32 multiply-adds (1M at 128 dims): about a millisecond a step.
    super(vectors, TRAIN, 32);
    this.bucket = Math.max(1, spec.compression / 4);
    this.subspaces = Math.ceil(vectors.dim / this.bucket);
    this.centroids = new Float32Array(this.subspaces * CENTROIDS * this.bucket);
    this.table = new Float32Array(this.subspaces * CENTROIDS);
    this.codes = newCodes(Math.max(16, vectors.capacity) * this.subspaces);
    // Unfitted (a new companion, or a saved image taken before its fit ended): `fitSome` / `refresh` fit it.
    if (fitted === undefined || fitted.at <= 0) return;
    this.centroids.set(fitted.centroids);
    this.k = fitted.k;
    this.loadSearch();
    this.fittedAt = fitted.at;
    // Rows the saved image holds keep their codes; rows written after it (replayed ops) are encoded by `set`.
    this.codes = grown(this.codes, fitted.codes.length, newCodes);
    this.codes.set(fitted.codes);
  }

  /** The fit (compression, live count at fitting, centroids) and every row's codes, for the segment image. */
  encodeParams(): Uint8Array {
    const rows = this.vectors.idLimit * this.subspaces;
    const w = new ByteWriter(64 + this.centroids.byteLength + rows);
    // A fit under way saves as unfitted: its centroids and codes are half made, the reopened segment fits again.
    w.u32(PRODUCT_PARAMS_MAGIC).u32(PARAMS_VERSION).u32(this.spec.compression).u32(this.vectors.dim).i32(this.savedFittedAt).u32(this.k);
    return w.array(this.centroids).array(this.codes.subarray(0, rows)).finish();
  }

  /** The companion with a saved fit and codes; undefined when they were made for another compression or size. */
  static restore(vectors: DenseVectors, spec: ProductSpec, bytes: Uint8Array): ProductQuantizedStorage | undefined {
    const r = new ByteReader(bytes);
    r.expectMagic(PRODUCT_PARAMS_MAGIC, PARAMS_VERSION, 'product quantization');
    if (r.u32() !== spec.compression || r.u32() !== vectors.dim) return undefined;
    const at = r.i32();
    const k = r.u32();
    const centroids = r.f32Array();
    const codes = r.u8Array();
    return new ProductQuantizedStorage(vectors, spec, { at, k, centroids, codes });
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

  /** Bytes of quantized data per stored slot: one code byte per sub-vector. */
  get bytesPerVector(): number {
    return this.subspaces;
  }

  has(id: number): boolean {
    return this.vectors.has(id);
  }

  get idLimit(): number {
    return this.vectors.idLimit;
  }

  protected ensureRows(rows: number): void {
    const codes = grown(this.codes, rows * this.subspaces, newCodes);
    // A new array: a thread ranking the old one reads the codes it was handed (and retries past their end).
    if (codes !== this.codes) this.codesEpoch++;
    this.codes = codes;
  }

  /** k-means per sub-space on a seeded sample of the live vectors. */
  protected *train(): Generator<void, void> {
    const v = this.vectors;
    const dim = v.dim;
    const { rows, n } = sampleLiveRows(v, TRAIN, SEED);
    const random = seededRandom(SEED + 1);
    this.k = Math.min(CENTROIDS, n);
    const points = new Float32Array(n * this.bucket);
    for (let s = 0; s < this.subspaces; s++) {
      const from = s * this.bucket;
      const w = Math.min(this.bucket, dim - from);
      for (let r = 0; r < n; r++) for (let i = 0; i < w; i++) points[r * w + i] = rows[r * dim + from + i]!;
      const fitted = yield* kMeans(points, n, w, this.k, random);
      // Centroids sit `bucket` apart; a short last sub-vector leaves the tail of each slot at 0.
      for (let j = 0; j < this.k; j++) this.centroids.set(fitted.subarray(j * w, j * w + w), (s * CENTROIDS + j) * this.bucket);
    }
    this.loadSearch();
  }

  private loadSearch(): void {
    const dim = this.vectors.dim;
    this.search = [];
    for (let s = 0; s < this.subspaces; s++) {
      const search = new CentroidSearch(Math.min(this.bucket, dim - s * this.bucket), this.k);
      search.load(this.centroids, s * CENTROIDS * this.bucket, this.bucket);
      this.search.push(search);
    }
  }

  protected encodeRow(id: number): void {
    const v = this.vectors;
    const dim = v.dim;
    const off = v.offset(id);
    const data = v.data;
    const row = id * this.subspaces;
    for (let s = 0; s < this.subspaces; s++) this.codes[row + s] = this.search[s]!.nearest(data, off + s * this.bucket);
  }

  /** Builds the query's distance table (see the class comment); returns the QUERY handle (-1). */
  loadQuery(query: Float32Array): number {
    productTable(this.coding(), query, this.table);
    return -1;
  }

  private coding(): ProductCoding {
    const { bucket, subspaces, k, centroids } = this;
    return { dim: this.vectors.dim, distance: this.vectors.distance, bucket, subspaces, k, centroids };
  }

  /**
   * The codes as search threads rank them (JS, like here), or undefined when they are not in shared memory (sharing
   * off when they were made) or not `ready`. The centroids are copied once per epoch (a fit rewrites them in place).
   */
  sharedView(): ProductCodesView | undefined {
    if (!this.ready || !(this.codes.buffer instanceof SharedArrayBuffer)) return undefined;
    if (this.view?.epoch !== this.codesEpoch) {
      const c = this.coding();
      this.view = { ...c, centroids: c.centroids.slice(), kind: 'product', epoch: this.codesEpoch, codes: this.codes };
    }
    return this.view;
  }

  /** `batchOut[i]` = approximate rank of the loaded query against `batchIds[i]` (h must be the QUERY handle). */
  rankBatch(_h: number, count: number): void {
    this.rank(this.batchIds, 0, count);
  }

  /** Contiguous form of `rankBatch` over rows `from .. from+count` (the exact scan). */
  rankRange(_h: number, from: number, count: number): void {
    this.rank(undefined, from, count);
  }

  private rank(ids: Uint32Array | undefined, from: number, count: number): void {
    // Rows past the codes (ids a scan visits beyond the last encoded one are never live) rank as 0 and are dropped.
    productRanks(this.table, this.codes, this.subspaces, ids, from, count, this.batchOut);
  }
}

/**
 * Centroids of one sub-space in the layout the nearest-centroid search reads: one contiguous row-major block
 * (`c[j * w + i]`) with their squared norms, so |x - c_j|^2 - |x|^2 = |c_j|^2 - 2 <x, c_j> is one short dot per
 * centroid, kept in registers with the running minimum (no scratch array, no second pass). Each partial sum is
 * rounded to float32 (Math.fround) as the earlier accumulator array rounded it, so the codes are bit-identical to
 * those it gave. One-dimensional centroids are sorted instead (binary search).
 */
class CentroidSearch {
  readonly c: Float32Array;
  readonly norms: Float32Array;

  constructor(
    readonly w: number,
    readonly k: number,
  ) {
    this.c = new Float32Array(w * k);
    this.norms = new Float32Array(k);
  }

  /** Loads centroids given row-major (`c[co + j * stride + i]`). */
  load(c: Float32Array, co: number, stride: number): void {
    const { w, k } = this;
    for (let j = 0; j < k; j++) {
      let n2 = 0;
      for (let i = 0; i < w; i++) {
        const v = c[co + j * stride + i]!;
        this.c[j * w + i] = v;
        n2 += v * v;
      }
      this.norms[j] = n2;
    }
  }

  /** The index of the centroid nearest (squared L2) to the `w` values at `x[xo ..]`; the first of equals wins. */
  nearest(x: Float32Array, xo: number): number {
    const { w, k, c, norms } = this;
    const f = Math.fround;
    if (w === 1) {
      const v = x[xo]!;
      let lo = 0;
      let hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (c[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      return lo > 0 && v - c[lo - 1]! <= c[lo]! - v ? lo - 1 : lo;
    }
    let best = 0;
    let bestD = Infinity;
    if (w === 2) {
      const x0 = -2 * x[xo]!;
      const x1 = -2 * x[xo + 1]!;
      for (let j = 0, o = 0; j < k; j++, o += 2) {
        const d = f(f(norms[j]! + x0 * c[o]!) + x1 * c[o + 1]!);
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      return best;
    }
    if (w === 4) {
      const x0 = -2 * x[xo]!;
      const x1 = -2 * x[xo + 1]!;
      const x2 = -2 * x[xo + 2]!;
      const x3 = -2 * x[xo + 3]!;
      for (let j = 0, o = 0; j < k; j++, o += 4) {
        const d = f(f(f(f(norms[j]! + x0 * c[o]!) + x1 * c[o + 1]!) + x2 * c[o + 2]!) + x3 * c[o + 3]!);
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      return best;
    }
    if (w === 8) {
      const x0 = -2 * x[xo]!;
      const x1 = -2 * x[xo + 1]!;
      const x2 = -2 * x[xo + 2]!;
      const x3 = -2 * x[xo + 3]!;
      const x4 = -2 * x[xo + 4]!;
      const x5 = -2 * x[xo + 5]!;
      const x6 = -2 * x[xo + 6]!;
      const x7 = -2 * x[xo + 7]!;
      for (let j = 0, o = 0; j < k; j++, o += 8) {
        const lo = f(f(f(f(norms[j]! + x0 * c[o]!) + x1 * c[o + 1]!) + x2 * c[o + 2]!) + x3 * c[o + 3]!);
        const d = f(f(f(f(lo + x4 * c[o + 4]!) + x5 * c[o + 5]!) + x6 * c[o + 6]!) + x7 * c[o + 7]!);
        if (d < bestD) {
          bestD = d;
          best = j;
        }
      }
      return best;
    }
    for (let j = 0, o = 0; j < k; j++, o += w) {
      let d = norms[j]!;
      for (let i = 0; i < w; i++) d = f(d + -2 * x[xo + i]! * c[o + i]!);
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    return best;
  }
}

/**
 * k-means over `n` points of width `w` (row r at r * w): `k` centroids, initialised from distinct points and moved
 * to their members' means for ITERATIONS rounds (a centroid left without members jumps to a random point).
 * Returns k * w values; one-dimensional centroids come back sorted.
 */
function* kMeans(points: Float32Array, n: number, w: number, k: number, random: () => number): Generator<void, Float32Array> {
  const c = new Float32Array(k * w);
  const picks = sampleIndices(n, k, random);
  for (let j = 0; j < k; j++) for (let i = 0; i < w; i++) c[j * w + i] = points[picks[j]! * w + i]!;
  if (w === 1) c.sort();
  const sums = new Float64Array(k * w);
  const counts = new Uint32Array(k);
  const search = new CentroidSearch(w, k);
  for (let round = 0; round < ITERATIONS; round++) {
    sums.fill(0);
    counts.fill(0);
    search.load(c, 0, w);
    for (let r = 0; r < n; r++) {
      const j = search.nearest(points, r * w);
      counts[j]++;
      for (let i = 0; i < w; i++) sums[j * w + i] += points[r * w + i]!;
      if ((r & 255) === 255) yield;
    }
    for (let j = 0; j < k; j++) {
      const m = counts[j]!;
      const src = m > 0 ? -1 : Math.floor(random() * n);
      for (let i = 0; i < w; i++) c[j * w + i] = m > 0 ? sums[j * w + i]! / m : points[src * w + i]!;
    }
    if (w === 1) c.sort();
  }
  return c;
}
