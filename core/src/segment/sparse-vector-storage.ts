import { f16Table, f32ToF16 } from '../distance/half-float.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x53505653; // "SVPS"
/** 1: float32 weights; 2: a datatype word, then the weights in that datatype (and uint8's per-vector ranges). */
const VERSION = 2;

/** How a sparse storage keeps its weights: Qdrant's sparse index `datatype`. */
export type SparseDatatype = 'float32' | 'float16' | 'uint8';
const DATATYPES: readonly SparseDatatype[] = ['float32', 'float16', 'uint8'];

/** One stored vector: indices sorted, weights as the datatype keeps them (uint8: lo + code * step). */
interface StoredSparse {
  indices: Uint32Array;
  values: Float32Array | Uint16Array | Uint8Array;
  lo: number;
  step: number;
}

/** Qdrant's sparse vector shape (REST `SparseVector`). */
export interface SparseVector {
  indices: number[];
  values: number[];
}

/** A sparse vector sorted by index, in typed arrays: the form storage and scoring use. */
export interface SortedSparse {
  indices: Uint32Array;
  values: Float32Array;
}

/** Sorts by index (stable pairing of index and value). Duplicate indices are rejected at the boundary. */
export function sortSparse(v: { indices: ArrayLike<number>; values: ArrayLike<number> }): SortedSparse {
  const n = v.indices.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let sorted = true;
  for (let i = 1; i < n; i++) if (v.indices[i - 1]! > v.indices[i]!) sorted = false;
  if (!sorted) order.sort((a, b) => v.indices[a]! - v.indices[b]!);
  const indices = new Uint32Array(n);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    indices[i] = v.indices[order[i]!]!;
    values[i] = v.values[order[i]!]!;
  }
  return { indices, values };
}

/** Dot product of two index-sorted sparse vectors by merging; 0 when they share no index. */
export function sparseDot(a: SortedSparse, b: SortedSparse): number {
  let i = 0;
  let j = 0;
  let s = 0;
  const ai = a.indices;
  const bi = b.indices;
  while (i < ai.length && j < bi.length) {
    const x = ai[i]!;
    const y = bi[j]!;
    if (x === y) {
      s += a.values[i++]! * b.values[j++]!;
    } else if (x < y) i++;
    else j++;
  }
  return s;
}

/** Whether two index-sorted sparse vectors share at least one index. */
export function sparseOverlaps(a: SortedSparse, b: SortedSparse): boolean {
  let i = 0;
  let j = 0;
  while (i < a.indices.length && j < b.indices.length) {
    const x = a.indices[i]!;
    const y = b.indices[j]!;
    if (x === y) return true;
    if (x < y) i++;
    else j++;
  }
  return false;
}

/**
 * Sparse vectors of one sparse vector name, indexed by internal id, stored index-sorted (as Qdrant returns
 * them). Scoring is the dot product, Qdrant's only sparse metric. A sparse vector may be empty: the point then
 * has the vector but matches no sparse query.
 *
 * Weights take 4, 2 or 1 bytes as `datatype` says (Qdrant's sparse index datatype): float16 rounds to nearest
 * even; uint8 is Qdrant's QuantizedU8, code = round((w - min) / step) with step = (max - min) / 255, here over the
 * vector's own weights (Qdrant's index takes a posting list's), so min and max come back exact and the rest within
 * step / 2. Reads (`get`, `getSorted`, `score`, and the sparse index built from them) see the decoded weights, so
 * results carry the datatype's precision, as an index of that datatype gives them in Qdrant.
 */
export class SparseVectorStorage {
  private readonly slots: (StoredSparse | undefined)[] = [];
  private live = 0;

  constructor(readonly datatype: SparseDatatype = 'float32') {}

  /** Bytes of weights a stored non-zero takes (indices take 4 more). */
  get bytesPerWeight(): number {
    return this.datatype === 'float32' ? 4 : this.datatype === 'float16' ? 2 : 1;
  }

  private store(v: SortedSparse): StoredSparse {
    const n = v.values.length;
    if (this.datatype === 'float32') return { indices: v.indices, values: v.values, lo: 0, step: 0 };
    if (this.datatype === 'float16') {
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++) h[i] = f32ToF16(v.values[i]!);
      return { indices: v.indices, values: h, lo: 0, step: 0 };
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, v.values[i]!);
      hi = Math.max(hi, v.values[i]!);
    }
    if (n === 0) lo = hi = 0;
    const step = Math.fround((hi - lo) / 255);
    const codes = new Uint8Array(n);
    for (let i = 0; i < n; i++) codes[i] = step > 0 ? Math.min(255, Math.max(0, Math.round((v.values[i]! - lo) / step))) : 0;
    return { indices: v.indices, values: codes, lo: Math.fround(lo), step };
  }

  /** Weight `i` of a stored vector, decoded. */
  private weight(s: StoredSparse, i: number): number {
    if (this.datatype === 'float32') return s.values[i]!;
    if (this.datatype === 'float16') return f16Table()[s.values[i]!]!;
    return Math.fround(s.lo + s.values[i]! * s.step);
  }

  private decoded(s: StoredSparse): SortedSparse {
    if (this.datatype === 'float32') return s as unknown as SortedSparse;
    const values = new Float32Array(s.indices.length);
    for (let i = 0; i < values.length; i++) values[i] = this.weight(s, i);
    return { indices: s.indices, values };
  }

  get count(): number {
    return this.live;
  }

  get idLimit(): number {
    return this.slots.length;
  }

  set(id: number, v: { indices: ArrayLike<number>; values: ArrayLike<number> }): void {
    while (this.slots.length <= id) this.slots.push(undefined);
    if (this.slots[id] === undefined) this.live++;
    this.slots[id] = this.store(sortSparse(v));
  }

  /** The stored vector in Qdrant's shape (fresh arrays, sorted by index). */
  get(id: number): SparseVector | undefined {
    const s = this.slots[id];
    if (s === undefined) return undefined;
    const d = this.decoded(s);
    return { indices: Array.from(d.indices), values: Array.from(d.values) };
  }

  /** The typed form with decoded weights: shared for float32 (do not mutate), a fresh copy for other datatypes. */
  getSorted(id: number): SortedSparse | undefined {
    const s = this.slots[id];
    return s === undefined ? undefined : this.decoded(s);
  }

  has(id: number): boolean {
    return this.slots[id] !== undefined;
  }

  delete(id: number): void {
    if (this.slots[id] === undefined) return;
    this.slots[id] = undefined;
    this.live--;
  }

  prepareQuery(v: { indices: ArrayLike<number>; values: ArrayLike<number> }): SortedSparse {
    return sortSparse(v);
  }

  /** Dot product with a prepared query; 0 for an absent vector. Decodes weights in the merge, allocating nothing. */
  score(query: SortedSparse, id: number): number {
    const s = this.slots[id];
    if (s === undefined) return 0;
    if (this.datatype === 'float32') return sparseDot(query, s as unknown as SortedSparse);
    let i = 0;
    let j = 0;
    let sum = 0;
    const qi = query.indices;
    const si = s.indices;
    while (i < qi.length && j < si.length) {
      const x = qi[i]!;
      const y = si[j]!;
      if (x === y) sum += query.values[i++]! * this.weight(s, j++);
      else if (x < y) i++;
      else j++;
    }
    return sum;
  }

  encode(): Uint8Array {
    const n = this.slots.length;
    // counts[id] = nnz + 1, 0 for absent, so empty vectors survive the round trip.
    const counts = new Uint32Array(n);
    let total = 0;
    for (let id = 0; id < n; id++) {
      const s = this.slots[id];
      if (s !== undefined) {
        counts[id] = s.indices.length + 1;
        total += s.indices.length;
      }
    }
    const indices = new Uint32Array(total);
    const values = this.datatype === 'float32' ? new Float32Array(total) : this.datatype === 'float16' ? new Uint16Array(total) : new Uint8Array(total);
    // uint8: each stored vector's range (lo, step), in id order.
    const ranges = new Float32Array(this.datatype === 'uint8' ? 2 * this.live : 0);
    let at = 0;
    let r = 0;
    for (const s of this.slots) {
      if (s === undefined) continue;
      indices.set(s.indices, at);
      values.set(s.values, at);
      at += s.indices.length;
      if (this.datatype === 'uint8') {
        ranges[r++] = s.lo;
        ranges[r++] = s.step;
      }
    }
    const w = new ByteWriter(64 + n * 4 + total * 8 + ranges.byteLength);
    w.u32(MAGIC).u32(VERSION).u32(DATATYPES.indexOf(this.datatype)).array(counts).array(indices);
    // Half floats travel as their bytes (the codec has no 16-bit arrays).
    if (values instanceof Uint16Array) w.array(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    else w.array(values);
    return w.array(ranges).finish();
  }

  static decode(bytes: Uint8Array): SparseVectorStorage {
    // Version 1 (float32 weights only, no datatype word) is still read: segments written before datatypes.
    const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, version === 1 ? 1 : VERSION, 'sparse vector storage');
    const datatype = version === 1 ? 'float32' : DATATYPES[r.u32()]!;
    const counts = r.u32Array();
    const indices = r.u32Array();
    let values: Float32Array | Uint16Array | Uint8Array;
    if (datatype === 'float32') values = r.f32Array();
    else if (datatype === 'float16') {
      const raw = r.u8Array();
      values = new Uint16Array(raw.slice().buffer);
    } else values = r.u8Array();
    const ranges = version === 1 ? new Float32Array(0) : r.f32Array();
    const s = new SparseVectorStorage(datatype);
    let at = 0;
    let k = 0;
    for (let id = 0; id < counts.length; id++) {
      const c = counts[id]!;
      if (c === 0) {
        s.slots.push(undefined);
        continue;
      }
      const nnz = c - 1;
      const lo = datatype === 'uint8' ? ranges[k++]! : 0;
      const step = datatype === 'uint8' ? ranges[k++]! : 0;
      s.slots.push({ indices: indices.slice(at, at + nnz), values: values.slice(at, at + nnz), lo, step });
      at += nnz;
      s.live++;
    }
    return s;
  }
}
