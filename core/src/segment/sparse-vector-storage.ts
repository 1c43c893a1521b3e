import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x53505653; // "SVPS"
const VERSION = 1;

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
 */
export class SparseVectorStorage {
  private readonly slots: (SortedSparse | undefined)[] = [];
  private live = 0;

  get count(): number {
    return this.live;
  }

  get idLimit(): number {
    return this.slots.length;
  }

  set(id: number, v: { indices: ArrayLike<number>; values: ArrayLike<number> }): void {
    while (this.slots.length <= id) this.slots.push(undefined);
    if (this.slots[id] === undefined) this.live++;
    this.slots[id] = sortSparse(v);
  }

  /** The stored vector in Qdrant's shape (fresh arrays, sorted by index). */
  get(id: number): SparseVector | undefined {
    const s = this.slots[id];
    if (s === undefined) return undefined;
    return { indices: Array.from(s.indices), values: Array.from(s.values) };
  }

  /** The stored typed form, shared: do not mutate. */
  getSorted(id: number): SortedSparse | undefined {
    return this.slots[id];
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

  /** Dot product with a prepared query; 0 for an absent vector. */
  score(query: SortedSparse, id: number): number {
    const s = this.slots[id];
    return s === undefined ? 0 : sparseDot(query, s);
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
    const values = new Float32Array(total);
    let at = 0;
    for (const s of this.slots) {
      if (s === undefined) continue;
      indices.set(s.indices, at);
      values.set(s.values, at);
      at += s.indices.length;
    }
    return new ByteWriter(64 + n * 4 + total * 8).u32(MAGIC).u32(VERSION).array(counts).array(indices).array(values).finish();
  }

  static decode(bytes: Uint8Array): SparseVectorStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, VERSION, 'sparse vector storage');
    const counts = r.u32Array();
    const indices = r.u32Array();
    const values = r.f32Array();
    const s = new SparseVectorStorage();
    let at = 0;
    for (let id = 0; id < counts.length; id++) {
      const c = counts[id]!;
      if (c === 0) {
        s.slots.push(undefined);
        continue;
      }
      const nnz = c - 1;
      s.slots.push({ indices: indices.slice(at, at + nnz), values: values.slice(at, at + nnz) });
      at += nnz;
      s.live++;
    }
    return s;
  }
}
