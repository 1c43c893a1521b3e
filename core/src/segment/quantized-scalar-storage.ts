import { BATCH_CAPACITY } from '../distance/wasm-arena.js';
import type { DenseVectorStorage } from './dense-vector-storage.js';

/** The values sampled to find the clip range: enough for a stable quantile, few enough to sort fast. */
const SAMPLE = 100_000;

/**
 * Qdrant's scalar (int8) quantization of one DenseVectorStorage: every component is clipped to [lo, hi] (the
 * central `quantile` of the values) and stored as one byte `c` with x ~ lo + alpha * c, alpha = (hi - lo) / 255.
 *
 * Derived data, never persisted: built from the float arena at open, maintained on writes (`set`), and re-fitted
 * when the live count has doubled since the last fit (the clip range of a few first vectors is a poor guess for
 * many). Ranks are asymmetric: the query stays float, shifted and scaled into code units once per query, so each
 * row costs one pass over `dim` bytes and the result is an approximation of the float `rankKernel` key in the
 * same units (-dot, squared L2, L1), comparable to the float ranks that rescoring computes.
 *
 * Same batch protocol as DenseVectorStorage (`loadQuery`, `batchIds`, `rankBatch`, `batchOut`), so an HNSW walk
 * or an exact scan can run on it unchanged. Liveness (`has`) is the float storage's: the two share ids.
 */
export class ScalarQuantizedStorage {
  private codes: Uint8Array;
  private lo = 0;
  private alpha = 0;
  /** Live count at the last fit; -1 when never fitted (no vectors then). */
  private fittedAt = -1;
  /** The query in code units (Euclid/Manhattan: (q - lo) / alpha; Dot/Cosine: q itself). */
  private readonly qs: Float32Array;
  /** Dot/Cosine: lo * sum(q), the per-query constant of the dot product. */
  private qShift = 0;
  readonly batchIds = new Uint32Array(BATCH_CAPACITY);
  readonly batchOut = new Float32Array(BATCH_CAPACITY);

  constructor(
    readonly vectors: DenseVectorStorage,
    /** Central fraction of values kept unclipped, in [0.5, 1]; 1 = the whole range. */
    readonly quantile: number,
  ) {
    this.qs = new Float32Array(vectors.dim);
    this.codes = new Uint8Array(Math.max(16, vectors.capacity) * vectors.dim);
    this.fit();
  }

  get dim(): number {
    return this.vectors.dim;
  }

  get distance(): DenseVectorStorage['distance'] {
    return this.vectors.distance;
  }

  /** Bytes of quantized data per stored slot. */
  get bytesPerVector(): number {
    return this.vectors.dim;
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
    const dim = this.vectors.dim;
    if ((id + 1) * dim > this.codes.length) {
      let cap = this.codes.length / dim;
      while (cap <= id) cap *= 2;
      const codes = new Uint8Array(cap * dim);
      codes.set(this.codes);
      this.codes = codes;
    }
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
    const data = v.data;
    let n = 0;
    let k = 0;
    for (let id = 0; id < limit && n < sample.length; id++) {
      if (!v.has(id)) continue;
      const off = id * dim;
      for (let i = 0; i < dim && n < sample.length; i++, k++) if (k % step === 0) sample[n++] = data[off + i]!;
    }
    const sorted = sample.subarray(0, n).sort();
    const cut = Math.min(Math.floor(((1 - this.quantile) / 2) * n), (n - 1) >> 1);
    this.lo = sorted[cut]!;
    const hi = sorted[n - 1 - cut]!;
    // A constant range (all values equal) still needs a non-zero step.
    this.alpha = hi > this.lo ? (hi - this.lo) / 255 : 1;
    this.fittedAt = v.count;
    if (this.codes.length < v.capacity * dim) this.codes = new Uint8Array(v.capacity * dim);
    for (let id = 0; id < limit; id++) if (v.has(id)) this.encodeRow(id);
  }

  private encodeRow(id: number): void {
    const dim = this.vectors.dim;
    const data = this.vectors.data;
    const off = id * dim;
    const inv = 1 / this.alpha;
    const lo = this.lo;
    const codes = this.codes;
    for (let i = 0; i < dim; i++) {
      const c = Math.round((data[off + i]! - lo) * inv);
      codes[off + i] = c < 0 ? 0 : c > 255 ? 255 : c;
    }
  }

  /** Loads a prepared query (DenseVectorStorage.prepareQuery) for `rankBatch`; returns the QUERY handle (-1). */
  loadQuery(query: Float32Array): number {
    const dim = this.vectors.dim;
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
    this.rank(this.batchIds, 0, count);
  }

  /** Contiguous form of `rankBatch` over rows `from .. from+count` (the exact scan). */
  rankRange(_h: number, from: number, count: number): void {
    this.rank(undefined, from, count);
  }

  private rank(ids: Uint32Array | undefined, from: number, count: number): void {
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
          const off = (ids === undefined ? from + r : ids[r]!) * dim;
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
          const off = (ids === undefined ? from + r : ids[r]!) * dim;
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
          const off = (ids === undefined ? from + r : ids[r]!) * dim;
          let s = 0;
          for (let i = 0; i < dim; i++) s += Math.abs(qs[i]! - codes[off + i]!);
          out[r] = a * s;
        }
        return;
    }
  }
}
