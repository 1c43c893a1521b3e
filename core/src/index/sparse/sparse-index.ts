import type { SortedSparse, SparseVectorStorage } from '../../segment/sparse-vector-storage.js';
import { sortSparse } from '../../segment/sparse-vector-storage.js';
import { ByteReader, ByteWriter } from '../../segment/vector-storage-codec.js';
import type { ScoredIds } from '../hnsw/hnsw-index.js';

const MAGIC = 0x53535058; // "SSPX"
const VERSION = 1;

/** One dimension's postings: (id, value, epoch) triples in parallel growable typed arrays. */
interface Posting {
  ids: Uint32Array;
  values: Float32Array;
  epochs: Uint32Array;
  size: number;
}

/**
 * Inverted index over a SparseVectorStorage: for each dimension, the ids with a non-zero there and their
 * values. Search is exact: the dot product accumulated over the query's dimensions, top-k by score (higher is
 * better). Only points sharing at least one dimension with the query are candidates, as in Qdrant.
 *
 * Removal is O(1): `epoch[id]` is bumped and postings written under an older epoch are dead. Dead entries are
 * swept from all postings once they outnumber live ones, so memory stays within 2x of the live data. The index
 * keeps each id's non-zero count so removal does not need the (possibly already overwritten) vector.
 */
export class SparseIndex {
  private readonly postings = new Map<number, Posting>();
  private epoch = new Uint32Array(16);
  private nnz = new Int32Array(16).fill(-1); // -1 = not indexed
  private liveEntries = 0;
  private deadEntries = 0;
  // Search scratch: accumulated scores and a generation mark per id.
  private acc = new Float64Array(16);
  private mark = new Uint32Array(16);
  private gen = 0;

  constructor(readonly storage: SparseVectorStorage) {}

  private ensure(id: number): void {
    if (id < this.epoch.length) return;
    let cap = this.epoch.length * 2;
    while (cap <= id) cap *= 2;
    const e = new Uint32Array(cap);
    e.set(this.epoch);
    this.epoch = e;
    const n = new Int32Array(cap).fill(-1);
    n.set(this.nnz);
    this.nnz = n;
    this.acc = new Float64Array(cap);
    this.mark = new Uint32Array(cap);
    this.gen = 0;
  }

  /** Points indexed. */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.nnz.length; i++) if (this.nnz[i]! >= 0) n++;
    return n;
  }

  /** Indexes the storage's current vector of `id`, replacing what was indexed for it before. */
  insert(id: number): void {
    this.remove(id);
    const v = this.storage.getSorted(id);
    if (v === undefined) return;
    this.ensure(id);
    const epoch = this.epoch[id]!;
    for (let i = 0; i < v.indices.length; i++) this.append(v.indices[i]!, id, v.values[i]!, epoch);
    this.nnz[id] = v.indices.length;
    this.liveEntries += v.indices.length;
  }

  private append(dim: number, id: number, value: number, epoch: number): void {
    let p = this.postings.get(dim);
    if (p === undefined) {
      p = { ids: new Uint32Array(4), values: new Float32Array(4), epochs: new Uint32Array(4), size: 0 };
      this.postings.set(dim, p);
    }
    if (p.size === p.ids.length) {
      const cap = p.size * 2;
      const ids = new Uint32Array(cap);
      ids.set(p.ids);
      p.ids = ids;
      const values = new Float32Array(cap);
      values.set(p.values);
      p.values = values;
      const epochs = new Uint32Array(cap);
      epochs.set(p.epochs);
      p.epochs = epochs;
    }
    p.ids[p.size] = id;
    p.values[p.size] = value;
    p.epochs[p.size++] = epoch;
  }

  remove(id: number): void {
    if (id >= this.nnz.length || this.nnz[id]! < 0) return;
    this.deadEntries += this.nnz[id]!;
    this.liveEntries -= this.nnz[id]!;
    this.nnz[id] = -1;
    this.epoch[id] = (this.epoch[id]! + 1) >>> 0;
    if (this.deadEntries > this.liveEntries && this.deadEntries > 1024) this.sweep();
  }

  private isLive(p: Posting, i: number): boolean {
    const id = p.ids[i]!;
    return this.nnz[id]! >= 0 && p.epochs[i] === this.epoch[id];
  }

  /** Drops dead entries from every posting list. */
  private sweep(): void {
    for (const [dim, p] of this.postings) {
      let w = 0;
      for (let i = 0; i < p.size; i++) {
        if (!this.isLive(p, i)) continue;
        p.ids[w] = p.ids[i]!;
        p.values[w] = p.values[i]!;
        p.epochs[w++] = p.epochs[i]!;
      }
      p.size = w;
      if (w === 0) this.postings.delete(dim);
    }
    this.deadEntries = 0;
  }

  /** Live points with a non-zero at `dim` (the document frequency `modifier: idf` weighs query values by). */
  documentFrequency(dim: number): number {
    const p = this.postings.get(dim);
    if (p === undefined) return 0;
    let n = 0;
    for (let i = 0; i < p.size; i++) if (this.isLive(p, i)) n++;
    return n;
  }

  /** Exact top-k by dot product among points sharing a dimension with the query, best first. */
  search(query: { indices: ArrayLike<number>; values: ArrayLike<number> }, k: number, accept?: (id: number) => boolean): ScoredIds {
    const q: SortedSparse = sortSparse(query);
    if (++this.gen === 0xffffffff) {
      this.mark.fill(0);
      this.gen = 1;
    }
    const gen = this.gen;
    const acc = this.acc;
    const mark = this.mark;
    const touched: number[] = [];
    for (let qi = 0; qi < q.indices.length; qi++) {
      const p = this.postings.get(q.indices[qi]!);
      if (p === undefined) continue;
      const qv = q.values[qi]!;
      for (let i = 0; i < p.size; i++) {
        if (!this.isLive(p, i)) continue;
        const id = p.ids[i]!;
        if (mark[id] !== gen) {
          mark[id] = gen;
          acc[id] = 0;
          touched.push(id);
        }
        acc[id] = acc[id]! + qv * p.values[i]!;
      }
    }
    const kept = accept === undefined ? touched : touched.filter(accept);
    kept.sort((a, b) => acc[b]! - acc[a]! || a - b);
    const n = Math.min(Math.max(k, 0), kept.length);
    const ids = new Uint32Array(n);
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      ids[i] = kept[i]!;
      scores[i] = acc[kept[i]!]!;
    }
    return { ids, scores };
  }

  /** Live postings only; the storage blob carries the vectors, this one the inverted lists. */
  encode(): Uint8Array {
    const dims: number[] = [];
    const counts: number[] = [];
    const ids: number[] = [];
    const values: number[] = [];
    for (const [dim, p] of this.postings) {
      let c = 0;
      for (let i = 0; i < p.size; i++) {
        if (!this.isLive(p, i)) continue;
        ids.push(p.ids[i]!);
        values.push(p.values[i]!);
        c++;
      }
      if (c > 0) {
        dims.push(dim);
        counts.push(c);
      }
    }
    const indexed: number[] = [];
    for (let id = 0; id < this.nnz.length; id++) if (this.nnz[id]! >= 0) indexed.push(id, this.nnz[id]!);
    return new ByteWriter(64 + ids.length * 8)
      .u32(MAGIC)
      .u32(VERSION)
      .array(Uint32Array.from(dims))
      .array(Uint32Array.from(counts))
      .array(Uint32Array.from(ids))
      .array(Float32Array.from(values))
      .array(Uint32Array.from(indexed))
      .finish();
  }

  static decode(bytes: Uint8Array, storage: SparseVectorStorage): SparseIndex {
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, VERSION, 'sparse index');
    const dims = r.u32Array();
    const counts = r.u32Array();
    const ids = r.u32Array();
    const values = r.f32Array();
    const indexed = r.u32Array();
    const index = new SparseIndex(storage);
    let maxId = 0;
    for (let i = 0; i < indexed.length; i += 2) maxId = Math.max(maxId, indexed[i]!);
    index.ensure(maxId);
    for (let i = 0; i < indexed.length; i += 2) {
      index.nnz[indexed[i]!] = indexed[i + 1]!;
      index.liveEntries += indexed[i + 1]!;
    }
    let at = 0;
    for (let d = 0; d < dims.length; d++) {
      const c = counts[d]!;
      index.postings.set(dims[d]!, {
        ids: ids.slice(at, at + c),
        values: values.slice(at, at + c),
        epochs: new Uint32Array(c),
        size: c,
      });
      at += c;
    }
    return index;
  }
}
