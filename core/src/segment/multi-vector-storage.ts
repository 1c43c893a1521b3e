import {
  type Distance,
  type Kernel,
  distanceCode,
  distanceFromCode,
  normalizeInPlace,
  scoreKernel,
} from '../distance/distance.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x534d5653; // "SVMS"
const VERSION = 1;

/**
 * Multivectors (Qdrant `multivector_config: {comparator: 'max_sim'}`): a point holds N >= 1 vectors of `dim`.
 *
 * Layout: one Float32Array arena of rows; point `id` owns rows `start[id] .. start[id]+rows[id]`. A rewrite
 * appends fresh rows and abandons the old ones; when abandoned rows outnumber live ones the arena is compacted,
 * so memory stays within 2x of the live data.
 *
 * max_sim = sum over query rows of the best score against the point's rows. For Cosine/Dot "best" is the highest
 * similarity; for Euclid/Manhattan it is the smallest distance, so the sum is a distance (lower is better), in
 * line with how single vectors of those metrics are reported.
 */
export class MultiVectorStorage {
  private arena: Float32Array;
  private rowsUsed = 0;
  private start = new Uint32Array(16);
  private rows = new Uint32Array(16); // 0 = absent
  private live = 0;
  private liveRows = 0;
  private limit = 0;
  private readonly scoreFn: Kernel;
  private readonly higher: boolean;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
  ) {
    this.arena = new Float32Array(64 * dim);
    this.scoreFn = scoreKernel(distance);
    this.higher = distance === 'Cosine' || distance === 'Dot';
  }

  get count(): number {
    return this.live;
  }

  get idLimit(): number {
    return this.limit;
  }

  private ensureId(id: number): void {
    if (id < this.start.length) return;
    let cap = this.start.length * 2;
    while (cap <= id) cap *= 2;
    const s = new Uint32Array(cap);
    s.set(this.start);
    this.start = s;
    const r = new Uint32Array(cap);
    r.set(this.rows);
    this.rows = r;
  }

  private ensureRows(extra: number): void {
    const need = (this.rowsUsed + extra) * this.dim;
    if (need <= this.arena.length) return;
    if (this.rowsUsed - this.liveRows > this.liveRows) {
      this.compact();
      if ((this.rowsUsed + extra) * this.dim <= this.arena.length) return;
    }
    let cap = this.arena.length * 2;
    while (cap < (this.rowsUsed + extra) * this.dim) cap *= 2;
    const a = new Float32Array(cap);
    a.set(this.arena.subarray(0, this.rowsUsed * this.dim));
    this.arena = a;
  }

  /** Moves live rows to the front in id order, dropping rows abandoned by rewrites and deletes. */
  private compact(): void {
    const a = new Float32Array(this.arena.length);
    let at = 0;
    for (let id = 0; id < this.limit; id++) {
      const n = this.rows[id]!;
      if (n === 0) continue;
      const from = this.start[id]! * this.dim;
      a.set(this.arena.subarray(from, from + n * this.dim), at * this.dim);
      this.start[id] = at;
      at += n;
    }
    this.arena = a;
    this.rowsUsed = at;
  }

  set(id: number, vectors: ArrayLike<ArrayLike<number>>): void {
    this.ensureId(id);
    const n = vectors.length;
    this.delete(id);
    this.ensureRows(n);
    const first = this.rowsUsed;
    for (let r = 0; r < n; r++) {
      const off = (first + r) * this.dim;
      const v = vectors[r]!;
      for (let i = 0; i < this.dim; i++) this.arena[off + i] = v[i]!;
      if (this.distance === 'Cosine') normalizeInPlace(this.arena, off, this.dim);
    }
    this.rowsUsed += n;
    this.start[id] = first;
    this.rows[id] = n;
    this.live++;
    this.liveRows += n;
    if (id >= this.limit) this.limit = id + 1;
  }

  /** Views of the stored rows (normalized for Cosine); invalid after the next `set`. */
  get(id: number): Float32Array[] | undefined {
    const n = id < this.rows.length ? this.rows[id]! : 0;
    if (n === 0) return undefined;
    const out: Float32Array[] = [];
    const base = this.start[id]! * this.dim;
    for (let r = 0; r < n; r++) out.push(this.arena.subarray(base + r * this.dim, base + (r + 1) * this.dim));
    return out;
  }

  has(id: number): boolean {
    return id < this.rows.length && this.rows[id] !== 0;
  }

  delete(id: number): void {
    if (!this.has(id)) return;
    this.liveRows -= this.rows[id]!;
    this.rows[id] = 0;
    this.live--;
  }

  /** Copies of the query rows, normalized for Cosine. */
  prepareQuery(vectors: ArrayLike<ArrayLike<number>>): Float32Array[] {
    const out: Float32Array[] = [];
    for (let r = 0; r < vectors.length; r++) {
      const q = Float32Array.from(vectors[r]!);
      if (this.distance === 'Cosine') normalizeInPlace(q, 0, this.dim);
      out.push(q);
    }
    return out;
  }

  /** max_sim of prepared query rows against point `id` (see the class comment for Euclid/Manhattan). */
  score(query: Float32Array[], id: number): number {
    const n = this.rows[id]!;
    const base = this.start[id]! * this.dim;
    let total = 0;
    for (const q of query) {
      let best = this.higher ? -Infinity : Infinity;
      for (let r = 0; r < n; r++) {
        const s = this.scoreFn(q, 0, this.arena, base + r * this.dim, this.dim);
        if (this.higher ? s > best : s < best) best = s;
      }
      total += best;
    }
    return total;
  }

  encode(): Uint8Array {
    const rows = this.rows.slice(0, this.limit);
    let total = 0;
    for (let id = 0; id < this.limit; id++) total += rows[id]!;
    const flat = new Float32Array(total * this.dim);
    let at = 0;
    for (let id = 0; id < this.limit; id++) {
      const n = rows[id]!;
      if (n === 0) continue;
      const from = this.start[id]! * this.dim;
      flat.set(this.arena.subarray(from, from + n * this.dim), at);
      at += n * this.dim;
    }
    return new ByteWriter(64 + rows.byteLength + flat.byteLength)
      .u32(MAGIC)
      .u32(VERSION)
      .u32(this.dim)
      .u32(distanceCode(this.distance))
      .array(rows)
      .array(flat)
      .finish();
  }

  static decode(bytes: Uint8Array): MultiVectorStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, VERSION, 'multivector storage');
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const rows = r.u32Array();
    const flat = r.f32Array();
    const s = new MultiVectorStorage(dim, distance);
    s.ensureId(Math.max(rows.length - 1, 0));
    s.arena = new Float32Array(Math.max(flat.length, dim));
    s.arena.set(flat);
    let at = 0;
    for (let id = 0; id < rows.length; id++) {
      const n = rows[id]!;
      if (n === 0) continue;
      s.start[id] = at;
      s.rows[id] = n;
      at += n;
      s.live++;
    }
    s.rowsUsed = at;
    s.liveRows = at;
    s.limit = rows.length;
    return s;
  }
}
