import {
  type Distance,
  type Kernel,
  distanceCode,
  distanceFromCode,
  normalizeInPlace,
  rankKernel,
  rankToScore,
  scoreKernel,
} from '../distance/distance.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';

const MAGIC = 0x53445653; // "SVDS"
const VERSION = 1;

/**
 * Dense vectors of one vector name, indexed by internal id (dense uint32 from the id tracker).
 *
 * Invariants:
 * - vector `id` lives at `data[id*dim .. id*dim+dim)` of one Float32Array arena that grows by doubling;
 * - Cosine vectors are stored normalized, so Cosine scoring is a plain dot product;
 * - `present[id]` is 1 for a live vector; `delete` only clears it (the floats stay until the id is set again,
 *   so an HNSW graph can still route through the old position until it is repaired).
 */
export class DenseVectorStorage {
  private arena: Float32Array;
  private present: Uint8Array;
  private live = 0;
  private limit = 0;
  private readonly rankFn: Kernel;
  private readonly scoreFn: Kernel;

  constructor(
    readonly dim: number,
    readonly distance: Distance,
    initialCapacity = 16,
  ) {
    const cap = Math.max(1, initialCapacity);
    this.arena = new Float32Array(cap * dim);
    this.present = new Uint8Array(cap);
    this.rankFn = rankKernel(distance);
    this.scoreFn = scoreKernel(distance);
  }

  /** The arena. A view: replaced when the storage grows, so re-read it after any `set`. */
  get data(): Float32Array {
    return this.arena;
  }

  /** Number of live vectors. */
  get count(): number {
    return this.live;
  }

  /** One past the highest id ever set: iterate `0 .. idLimit` and test `has` to visit every live vector. */
  get idLimit(): number {
    return this.limit;
  }

  /** Slots the arena holds before it must grow. */
  get capacity(): number {
    return this.present.length;
  }

  offset(id: number): number {
    return id * this.dim;
  }

  private ensure(id: number): void {
    if (id < this.present.length) return;
    let cap = this.present.length * 2;
    while (cap <= id) cap *= 2;
    const arena = new Float32Array(cap * this.dim);
    arena.set(this.arena);
    this.arena = arena;
    const present = new Uint8Array(cap);
    present.set(this.present);
    this.present = present;
  }

  /** Copies `vector` (length `dim`, checked at the boundary) into slot `id`; normalizes for Cosine. */
  set(id: number, vector: ArrayLike<number>): void {
    this.ensure(id);
    const off = id * this.dim;
    const arena = this.arena;
    for (let i = 0; i < this.dim; i++) arena[off + i] = vector[i]!;
    if (this.distance === 'Cosine') normalizeInPlace(arena, off, this.dim);
    if (this.present[id] === 0) {
      this.present[id] = 1;
      this.live++;
    }
    if (id >= this.limit) this.limit = id + 1;
  }

  /** A view of the stored (possibly normalized) vector; invalid after the arena grows. */
  get(id: number): Float32Array {
    const off = id * this.dim;
    return this.arena.subarray(off, off + this.dim);
  }

  has(id: number): boolean {
    return id < this.present.length && this.present[id] === 1;
  }

  delete(id: number): void {
    if (!this.has(id)) return;
    this.present[id] = 0;
    this.live--;
  }

  /** A fresh Float32Array copy of a query, normalized for Cosine, ready for `score` / HNSW search. */
  prepareQuery(vector: ArrayLike<number>): Float32Array {
    const q = Float32Array.from(vector as ArrayLike<number>);
    if (this.distance === 'Cosine') normalizeInPlace(q, 0, this.dim);
    return q;
  }

  /** Qdrant's score of a prepared query against stored vector `id` (similarity or distance, see Distance). */
  score(query: Float32Array, id: number): number {
    return this.scoreFn(query, 0, this.arena, id * this.dim, this.dim);
  }

  /** Lower-is-closer order key of `query` against `id` (see `rankKernel`); `rankToScore` turns it into a score. */
  rank(query: Float32Array, id: number): number {
    return this.rankFn(query, 0, this.arena, id * this.dim, this.dim);
  }

  /** Lower-is-closer order key between two stored vectors. */
  rankBetween(a: number, b: number): number {
    return this.rankFn(this.arena, a * this.dim, this.arena, b * this.dim, this.dim);
  }

  rankToScore(rank: number): number {
    return rankToScore(this.distance, rank);
  }

  encode(): Uint8Array {
    const w = new ByteWriter(64 + this.limit * (this.dim * 4 + 1));
    w.u32(MAGIC).u32(VERSION).u32(this.dim).u32(distanceCode(this.distance)).u32(this.limit);
    w.array(this.present.subarray(0, this.limit));
    w.array(this.arena.subarray(0, this.limit * this.dim));
    return w.finish();
  }

  static decode(bytes: Uint8Array): DenseVectorStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(MAGIC, VERSION, 'dense vector storage');
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const limit = r.u32();
    const present = r.u8Array();
    const arena = r.f32Array();
    const s = new DenseVectorStorage(dim, distance, Math.max(limit, 16));
    s.present.set(present);
    s.arena.set(arena);
    s.limit = limit;
    let live = 0;
    for (let i = 0; i < limit; i++) live += present[i]!;
    s.live = live;
    return s;
  }
}
