import {
  type Distance,
  type Kernel,
  distanceCode,
  distanceFromCode,
  dot,
  normalizeInPlace,
  scoreKernel,
} from '../distance/distance.js';
import { f16Table, f32ToF16, isStoredUnitF16 } from '../distance/half-float.js';
import { toU8 } from '../distance/u8-rows.js';
import type { VectorDatatype } from '../collection/config.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x534d5653; // "SVMS"
/** 1: float32 rows only; 2: a datatype code after the distance (0 float32, 1 float16, 2 uint8). */
const VERSION = 2;
const DATATYPES: readonly VectorDatatype[] = ['float32', 'float16', 'uint8'];

type Rows = Float32Array | Uint16Array | Uint8Array;

/**
 * Multivectors (Qdrant `multivector_config: {comparator: 'max_sim'}`): a point holds N >= 1 vectors of `dim`.
 *
 * Layout: one Float32Array arena of rows; point `id` owns rows `start[id] .. start[id]+rows[id]`. A rewrite
 * appends fresh rows and abandons the old ones; when abandoned rows outnumber live ones the arena is compacted,
 * so memory stays within 2x of the live data.
 *
 * max_sim = sum over query rows of the best score against the point's rows. For Cosine/Dot "best" is the highest
 * similarity; for Euclid/Manhattan it is the smallest distance, so the sum is a distance (lower is better), in
 * line with how single vectors of those metrics are reported. Euclid, as in Qdrant, sums the squared distances
 * and reports the root of that sum (Qdrant's inner Euclid score is the squared distance, rooted once at the end).
 *
 * Datatypes as for single vectors (see DenseVectorStorage and its float16 / uint8 twins): float16 rows are
 * normalized (Cosine) then rounded to halves, 2 bytes a component; uint8 rows are cast (Qdrant's `as u8`), 1 byte
 * a component, never normalized, and their Cosine divides by both norms. `get` and `prepareQuery` give the stored
 * values as floats, so a stored multivector is also a prepared query. Compact rows are decoded into a scratch
 * before scoring a point (once per point row, not per query row).
 */
export class MultiVectorStorage {
  private arena: Rows;
  private rowsUsed = 0;
  /** A point's rows decoded to floats (compact datatypes), grown as needed. */
  private decoded: Float32Array;
  private readonly rowScratch: Float32Array;
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
    readonly datatype: VectorDatatype = 'float32',
  ) {
    this.arena = this.alloc(64 * dim);
    this.decoded = new Float32Array(4 * dim);
    this.rowScratch = new Float32Array(dim);
    this.scoreFn = scoreKernel(distance);
    this.higher = distance === 'Cosine' || distance === 'Dot';
  }

  private alloc(n: number): Rows {
    return this.datatype === 'float16' ? new Uint16Array(n) : this.datatype === 'uint8' ? new Uint8Array(n) : new Float32Array(n);
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
    const a = this.alloc(cap);
    a.set(this.arena.subarray(0, this.rowsUsed * this.dim));
    this.arena = a;
  }

  /** Moves live rows to the front in id order, dropping rows abandoned by rewrites and deletes. */
  private compact(): void {
    const a = this.alloc(this.arena.length);
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
    for (let r = 0; r < n; r++) this.writeRow((first + r) * this.dim, vectors[r]!);
    this.rowsUsed += n;
    this.start[id] = first;
    this.rows[id] = n;
    this.live++;
    this.liveRows += n;
    if (id >= this.limit) this.limit = id + 1;
  }

  /** Row `v` in the datatype's stored form at `off` of the arena. */
  private writeRow(off: number, v: ArrayLike<number>): void {
    const a = this.arena;
    if (this.datatype === 'uint8') {
      for (let i = 0; i < this.dim; i++) a[off + i] = toU8(v[i]!);
      return;
    }
    if (this.datatype === 'float32') {
      for (let i = 0; i < this.dim; i++) a[off + i] = v[i]!;
      if (this.distance === 'Cosine') normalizeInPlace(a as Float32Array, off, this.dim);
      return;
    }
    const row = this.rowScratch;
    for (let i = 0; i < this.dim; i++) row[i] = v[i]!;
    // A row that is already stored (a point moving) is not normalized again, so it keeps its halves.
    if (this.distance === 'Cosine' && !isStoredUnitF16(row)) normalizeInPlace(row, 0, this.dim);
    for (let i = 0; i < this.dim; i++) a[off + i] = f32ToF16(row[i]!);
  }

  /**
   * The stored rows as floats (normalized for Cosine, except uint8): views for float32, invalid after the next
   * `set`; fresh decoded copies for the compact datatypes.
   */
  get(id: number): Float32Array[] | undefined {
    const n = id < this.rows.length ? this.rows[id]! : 0;
    if (n === 0) return undefined;
    const out: Float32Array[] = [];
    const base = this.start[id]! * this.dim;
    for (let r = 0; r < n; r++) {
      const from = base + r * this.dim;
      if (this.arena instanceof Float32Array) out.push(this.arena.subarray(from, from + this.dim));
      else {
        const row = new Float32Array(this.dim);
        this.decodeRows(from, 1, row);
        out.push(row);
      }
    }
    return out;
  }

  /** Decodes `n` compact rows from arena offset `from` into `out`. */
  private decodeRows(from: number, n: number, out: Float32Array): void {
    const a = this.arena;
    const len = n * this.dim;
    if (this.datatype === 'float16') {
      const t = f16Table();
      for (let i = 0; i < len; i++) out[i] = t[a[from + i]!]!;
    } else {
      for (let i = 0; i < len; i++) out[i] = a[from + i]!;
    }
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

  /** Copies of the query rows in the stored form: normalized for Cosine (float16: then rounded), uint8 cast. */
  prepareQuery(vectors: ArrayLike<ArrayLike<number>>): Float32Array[] {
    const out: Float32Array[] = [];
    const t = this.datatype === 'float16' ? f16Table() : undefined;
    for (let r = 0; r < vectors.length; r++) {
      const row = vectors[r]!;
      const q = new Float32Array(row.length);
      q.set(row); // a native copy, where `Float32Array.from` goes through the iterator
      if (this.datatype === 'uint8') {
        for (let i = 0; i < this.dim; i++) q[i] = toU8(q[i]!);
      } else if (this.distance === 'Cosine') normalizeInPlace(q, 0, this.dim);
      if (t !== undefined) for (let i = 0; i < this.dim; i++) q[i] = t[f32ToF16(q[i]!)]!;
      out.push(q);
    }
    return out;
  }

  /** max_sim of prepared query rows against point `id` (see the class comment for Euclid/Manhattan). */
  score(query: Float32Array[], id: number): number {
    const n = this.rows[id]!;
    let rows: Float32Array;
    let base = this.start[id]! * this.dim;
    if (this.arena instanceof Float32Array) rows = this.arena;
    else {
      if (this.decoded.length < n * this.dim) this.decoded = new Float32Array(2 * n * this.dim);
      this.decodeRows(base, n, this.decoded);
      rows = this.decoded;
      base = 0;
    }
    // uint8 Cosine rows are not unit vectors: divide each dot product by both norms (0 for a zero vector).
    const byNorms = this.datatype === 'uint8' && this.distance === 'Cosine';
    // Euclid as Qdrant: its inner score is the squared distance, summed over query rows, then square-rooted once
    const squared = this.distance === 'Euclid';
    let total = 0;
    for (const q of query) {
      let best = this.higher ? -Infinity : Infinity;
      const qn = byNorms ? Math.sqrt(dot(q, 0, q, 0, this.dim)) : 1;
      for (let r = 0; r < n; r++) {
        const off = base + r * this.dim;
        let s = this.scoreFn(q, 0, rows, off, this.dim);
        if (byNorms) {
          const d = qn * Math.sqrt(dot(rows, off, rows, off, this.dim));
          s = d === 0 ? 0 : s / d;
        }
        if (this.higher ? s > best : s < best) best = s;
      }
      total += squared ? best * best : best;
    }
    return squared ? Math.sqrt(total) : total;
  }

  encode(): Uint8Array {
    const rows = this.rows.slice(0, this.limit);
    let total = 0;
    for (let id = 0; id < this.limit; id++) total += rows[id]!;
    const flat = this.alloc(total * this.dim);
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
      .u32(DATATYPES.indexOf(this.datatype))
      .array(rows)
      .array(flat instanceof Uint16Array ? new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength) : flat)
      .finish();
  }

  static decode(bytes: Uint8Array): MultiVectorStorage {
    const r = new ByteReader(bytes);
    if (r.u32() !== MAGIC) throw new Error('not a multivector storage blob');
    const version = r.u32();
    if (version !== 1 && version !== VERSION) throw new Error(`unsupported multivector storage version ${version}`);
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const datatype = version === 1 ? 'float32' : DATATYPES[r.u32()];
    if (datatype === undefined) throw new Error('unknown multivector datatype');
    const rows = r.u32Array();
    const flat = datatype === 'float32' ? r.f32Array() : datatype === 'uint8' ? r.u8Array() : u16(r.u8Array());
    const s = new MultiVectorStorage(dim, distance, datatype);
    s.ensureId(Math.max(rows.length - 1, 0));
    s.arena = s.alloc(Math.max(flat.length, dim));
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

/** Half-float bits written by ByteWriter.array (a fresh, aligned copy from ByteReader). */
function u16(bytes: Uint8Array): Uint16Array {
  return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
}
