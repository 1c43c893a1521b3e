import { type Distance, type Kernel, distanceCode, distanceFromCode, normalizeInPlace, rankKernel, scoreKernel } from '../distance/distance.js';
import { WasmArena } from '../distance/wasm-arena.js';
import type { RowFile } from '../storage.js';
import { DenseVectorStorage, QUERY, SIMD_MIN_BYTES } from './dense-vector-storage.js';
import { hasMagic } from './dense-rows.js';
import { ByteReader, ByteWriter } from './vector-storage-codec.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';

/** "SVDC": a float32 storage whose rows live in a row file; the image holds the flags and the file's name. */
const COLD_MAGIC = 0x43445653;
const COLD_VERSION = 1;
/** DenseVectorStorage's own frame ("SVDS"), written by `encode` so any reader (a browser, a sync) decodes it as RAM. */
const RAM_MAGIC = 0x53445653;
const RAM_VERSION = 1;
/** Bytes read per positional read of a contiguous scan (`rankRange`): large enough to amortise the call. */
const SCAN_BLOCK_BYTES = 256 * 1024;
const EMPTY = new Float32Array(0);

/**
 * Float32 vectors of a vector name with `memory: cold` (or `on_disk: true`): Qdrant's originals served from disk.
 *
 * States (each a DenseVectorStorage to every reader; only where a row is read from differs):
 * - warm: every row in the base class's arena, as a plain DenseVectorStorage (SIMD and all). A fresh storage
 *   starts warm and without a file; one on a storage without row files (IndexedDB) never leaves this state.
 * - cold: rows `[0, flushed)` live in the row file (`file`, fixed rows of dim x 4 bytes, row `id` at id x dim x 4),
 *   rows written since (`[flushed, limit)`) in a small in-RAM overlay, rows re-set below `flushed` (rare: a slot
 *   replayed over an older image) in `patched`. RAM holds the live flags and that overlay; every read of a row is
 *   one synchronous positional read (the page cache's, after the first), so the query pipeline stays synchronous.
 *
 * Transitions: `persist` (a flush) writes the unflushed rows and syncs the file before the caller writes the
 * manifest naming it, then goes cold when the graph holds every vector (`release`); `warm` (before the graph links
 * many new vectors: an insert ranks thousands of rows, too many for one read each) reads the file back into an
 * arena until the next such flush. Row ids only grow between compactions (a changed point gets a fresh id), so a
 * synced row never changes: the previous generation's manifest can name the same file with a shorter `flushed`,
 * and rows a crash left past a manifest's `flushed` are simply written again when the op log replays.
 *
 * Quantized codes (scalar / binary companions) stay in RAM and rank the graph walk; this storage is read for
 * rescoring, exact search, `with_vector`, scroll, snapshots, compaction and re-fitting the codes.
 */
export class ColdDenseStorage extends DenseVectorStorage {
  private file: RowFile | undefined;
  private name: string | undefined;
  /** Rows `[0, flushed)` are in the file and synced. */
  private flushed = 0;
  private cold = false;
  /** Rows `[flushed, limit)` while cold, row `id` at `(id - flushed) * dim`; grows by doubling. */
  private overlay: Float32Array = EMPTY;
  /** Rows re-set below `flushed` while cold (or while warm: ids to write again), until the next persist. */
  private readonly patched = new Map<number, Float32Array>();
  private readonly rankCold: Kernel;
  private readonly scoreCold: Kernel;
  /** Where the last `locate` found its row (`data` while cold). */
  private src: Float32Array = EMPTY;
  private readonly rowA: Float32Array;
  private readonly rowB: Float32Array;
  /** Byte views of the two row scratches, made once: a positional read per candidate allocates nothing. */
  private readonly bytesA: Uint8Array;
  private readonly bytesB: Uint8Array;
  private readonly coldQuery: Float32Array;
  private block: Float32Array;

  constructor(dim: number, distance: Distance, initialCapacity = 16) {
    super(dim, distance, initialCapacity);
    this.rankCold = rankKernel(distance);
    this.scoreCold = scoreKernel(distance);
    this.rowA = new Float32Array(dim);
    this.rowB = new Float32Array(dim);
    this.bytesA = new Uint8Array(this.rowA.buffer);
    this.bytesB = new Uint8Array(this.rowB.buffer);
    this.coldQuery = new Float32Array(dim);
    this.block = EMPTY;
  }

  /** Whether rows are read from the file (false: all in RAM). */
  get isCold(): boolean {
    return this.cold;
  }

  /** The row file's blob name once a flush gave it one. */
  get fileName(): string | undefined {
    return this.name;
  }

  /** Bytes this storage holds in RAM now (flags, overlay or arena, scratch): the engine's own accounting. */
  get ramBytes(): number {
    let patched = 0;
    for (const row of this.patched.values()) patched += row.byteLength;
    return this.present.byteLength + this.rows.byteLength + this.overlay.byteLength + this.block.byteLength + patched + 3 * this.dim * 4;
  }

  /** Bytes held per slot: while cold only the live flag (plus the overlay, see `ramBytes`). */
  override get bytesPerVector(): number {
    return this.cold ? 1 : super.bytesPerVector;
  }

  /** While cold, whether the quantized companions should use SIMD codes: as a warm arena of this size would. */
  override get simdActive(): boolean {
    return this.cold ? this.capacity * this.dim * 4 >= SIMD_MIN_BYTES : super.simdActive;
  }

  override get data(): Float32Array {
    return this.cold ? this.src : super.data;
  }

  override offset(id: number): number {
    return this.cold ? this.locate(id, this.rowA) : super.offset(id);
  }

  override set(id: number, vector: ArrayLike<number>): void {
    if (!this.cold) {
      super.set(id, vector);
      if (id < this.flushed) this.patched.set(id, EMPTY);
      return;
    }
    const dim = this.dim;
    let target: Float32Array;
    let off: number;
    if (id >= this.flushed) {
      this.growOverlay(id - this.flushed + 1);
      target = this.overlay;
      off = (id - this.flushed) * dim;
    } else {
      target = new Float32Array(dim);
      off = 0;
      this.patched.set(id, target);
    }
    for (let i = 0; i < dim; i++) target[off + i] = vector[i]!;
    if (this.distance === 'Cosine') normalizeInPlace(target, off, dim);
    this.growFlags(id);
    this.markSet(id);
  }

  /** A copy while cold (the row was read into scratch); a view of the arena while warm. */
  override get(id: number): Float32Array {
    if (!this.cold) return super.get(id);
    const off = this.locate(id, this.rowA);
    return this.src.slice(off, off + this.dim);
  }

  override score(query: Float32Array, id: number): number {
    if (!this.cold) return super.score(query, id);
    const off = this.locate(id, this.rowA);
    return this.scoreCold(query, 0, this.src, off, this.dim);
  }

  override rank(query: Float32Array, id: number): number {
    if (!this.cold) return super.rank(query, id);
    const off = this.locate(id, this.rowA);
    return this.rankCold(query, 0, this.src, off, this.dim);
  }

  override rankBetween(a: number, b: number): number {
    if (!this.cold) return super.rankBetween(a, b);
    const aOff = this.locate(a, this.rowB);
    const aSrc = this.src;
    const bOff = this.locate(b, this.rowA);
    return this.rankCold(aSrc, aOff, this.src, bOff, this.dim);
  }

  override loadQuery(query: Float32Array): number {
    if (!this.cold) return super.loadQuery(query);
    this.coldQuery.set(query.length === this.dim ? query : query.subarray(0, this.dim));
    return QUERY;
  }

  /** While cold: one positional read per id (rescoring reads k x oversampling rows, each from the page cache). */
  override rankBatch(h: number, count: number): void {
    if (!this.cold) return super.rankBatch(h, count);
    const q = this.queryOf(h);
    const ids = this.batchIds;
    const out = this.batchOut;
    for (let i = 0; i < count; i++) {
      const off = this.locate(ids[i]!, this.rowA);
      out[i] = this.rankCold(q, 0, this.src, off, this.dim);
    }
  }

  /** While cold: the rows of the range in a few large reads (the exact scan). */
  override rankRange(h: number, from: number, count: number): void {
    if (!this.cold) return super.rankRange(h, from, count);
    const q = this.queryOf(h);
    const out = this.batchOut;
    const dim = this.dim;
    const perBlock = Math.max(1, Math.floor(SCAN_BLOCK_BYTES / (dim * 4)));
    let i = 0;
    while (i < count) {
      const id = from + i;
      if (id >= this.flushed || this.patched.size > 0) {
        const off = this.locate(id, this.rowA);
        out[i++] = this.rankCold(q, 0, this.src, off, dim);
        continue;
      }
      const n = Math.min(perBlock, count - i, this.flushed - id);
      if (this.block.length < n * dim) this.block = new Float32Array(perBlock * dim);
      const block = this.block;
      this.file!.readSync(id * dim * 4, new Uint8Array(block.buffer, 0, n * dim * 4));
      for (let r = 0; r < n; r++) out[i + r] = this.rankCold(q, 0, block, r * dim, dim);
      i += n;
    }
  }

  /** The portable form: DenseVectorStorage's own bytes (every row inline), for a sync download or a browser. */
  override encode(): Uint8Array {
    if (!this.cold) return super.encode();
    const { dim, limit } = this;
    const rows = new Float32Array(limit * dim);
    this.readAll(rows);
    const w = new ByteWriter(64 + limit * (dim * 4 + 1));
    w.u32(RAM_MAGIC).u32(RAM_VERSION).u32(dim).u32(distanceCode(this.distance)).u32(limit);
    w.array(this.present.subarray(0, limit));
    w.array(rows);
    return w.finish();
  }

  /** The image's form once `persist` ran: flags and the row file's name, no rows. */
  encodeCold(): Uint8Array {
    if (this.name === undefined || this.flushed !== this.limit || this.patched.size > 0) throw new Error('cold vector storage encoded before its rows were persisted');
    const name = utf8Encode(this.name);
    const w = new ByteWriter(64 + this.limit + name.length);
    w.u32(COLD_MAGIC).u32(COLD_VERSION).u32(this.dim).u32(distanceCode(this.distance)).u32(this.limit);
    w.array(this.present.subarray(0, this.limit));
    w.array(name);
    return w.finish();
  }

  static isCold(bytes: Uint8Array): boolean {
    return hasMagic(bytes, COLD_MAGIC);
  }

  /** Whether `bytes` are DenseVectorStorage's inline float32 frame (what `decodePortable` reads). */
  static isInlineFloat32(bytes: Uint8Array): boolean {
    return hasMagic(bytes, RAM_MAGIC);
  }

  /** A cold storage over the row file an image names; throws when the file is shorter than the rows it must hold. */
  static decodeCold(bytes: Uint8Array, open: (name: string) => RowFile): ColdDenseStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(COLD_MAGIC, COLD_VERSION, 'cold vector storage');
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const limit = r.u32();
    const present = r.u8Array();
    const name = utf8Decode(r.u8Array());
    const file = open(name);
    if (file.size < limit * dim * 4) {
      void file.close();
      throw new Error(`row file ${name} holds ${file.size} bytes, fewer than its ${limit} rows of ${dim}`);
    }
    const s = new ColdDenseStorage(dim, distance, 1);
    const flags = new Uint8Array(Math.max(16, limit));
    flags.set(present);
    s.present = flags;
    s.limit = limit;
    let live = 0;
    for (let i = 0; i < limit; i++) live += present[i]!;
    s.live = live;
    s.file = file;
    s.name = name;
    s.flushed = limit;
    s.goCold();
    return s;
  }

  /** A warm storage (no file yet) from DenseVectorStorage's bytes: a collection switched to on_disk, a download. */
  static decodePortable(bytes: Uint8Array): ColdDenseStorage {
    const r = new ByteReader(bytes);
    r.expectMagic(RAM_MAGIC, RAM_VERSION, 'dense vector storage');
    const dim = r.u32();
    const distance = distanceFromCode(r.u32());
    const limit = r.u32();
    const present = r.u8Array();
    const arena = r.f32Array();
    const s = new ColdDenseStorage(dim, distance, Math.max(limit, 16));
    s.restoreRows({ dim, distance, limit, present }, arena);
    return s;
  }

  /**
   * A flush's first step for this vector name: the rows not in the file yet are written and the file synced, so the
   * manifest written after it may point at them. `open` makes the file on the first call (`newName` names it: a
   * fresh storage, e.g. after a compaction renumbered the rows, never writes into an older generation's file).
   * `release`: the graph needs no more building, so the arena (or overlay) can go and reads go to the file.
   * Returns false when the storage has no row files (the rows stay in RAM, encoded inline).
   */
  async persist(open: ((name: string) => RowFile) | undefined, newName: () => string, release: boolean): Promise<boolean> {
    if (open === undefined) return false;
    if (this.file === undefined) {
      this.name = newName();
      this.file = open(this.name);
      this.flushed = 0;
    }
    const file = this.file;
    const dim = this.dim;
    const upTo = this.limit;
    const from = this.flushed;
    // Copies: the writes below are awaited, and the arena may grow (move) meanwhile.
    const fresh = this.cold ? this.overlay.slice(0, (upTo - from) * dim) : this.rows.slice(from * dim, upTo * dim);
    const rewrites = [...this.patched.keys()].filter((id) => id < from).map((id) => [id, this.cold ? this.patched.get(id)! : this.rows.slice(id * dim, id * dim + dim)] as const);
    if (fresh.length > 0) await file.write(from * dim * 4, new Uint8Array(fresh.buffer, fresh.byteOffset, fresh.byteLength));
    for (const [id, row] of rewrites) await file.write(id * dim * 4, new Uint8Array(row.buffer, row.byteOffset, row.byteLength));
    await file.sync();
    for (const [id] of rewrites) this.patched.delete(id);
    if (this.cold) {
      // Rows set while the writes ran stay in the overlay, shifted to the new start.
      const rest = this.overlay.slice((upTo - from) * dim, Math.max(0, this.limit - from) * dim);
      this.overlay = rest.length > 0 ? rest : EMPTY;
    }
    this.flushed = upTo;
    if (release) this.release();
    return true;
  }

  /**
   * Drops the arena once the graph needs no more building: rows in the file are read from it again, rows written
   * since the last flush move to the overlay (a copy of just those). No-op while cold or before the first flush
   * gave the storage a file.
   */
  release(): void {
    if (this.cold || this.file === undefined) return;
    const dim = this.dim;
    const overlay = this.limit > this.flushed ? this.rows.slice(this.flushed * dim, this.limit * dim) : EMPTY;
    for (const id of this.patched.keys()) this.patched.set(id, this.rows.slice(id * dim, id * dim + dim));
    this.goCold();
    this.overlay = overlay;
  }

  /**
   * Reads every row back into an arena (SIMD when large), for building the graph at RAM speed; the next `persist`
   * with `release` drops it again. No-op while warm.
   */
  warm(): void {
    if (!this.cold) return;
    const dim = this.dim;
    const cap = this.capacity;
    const w = cap * dim * 4 >= SIMD_MIN_BYTES ? WasmArena.create(dim, this.distance === 'Euclid' ? 'l2' : this.distance === 'Manhattan' ? 'l1' : 'dot', cap, 0) : undefined;
    const rows = w !== undefined ? w.rows : new Float32Array(cap * dim);
    this.readAll(rows);
    this.rows = rows;
    if (w !== undefined) {
      this.wasm = w;
      this.bindArena(w);
    }
    this.cold = false;
    this.overlay = EMPTY;
    // Rows patched while cold are in the arena now, but still to be written: keep their ids.
    for (const id of this.patched.keys()) this.patched.set(id, EMPTY);
  }

  /** Closes the row file (the segment is being dropped); reads fail afterwards. */
  async closeFile(): Promise<void> {
    await this.file?.close();
  }

  private goCold(): void {
    this.cold = true;
    this.rows = EMPTY;
    if (this.wasm !== undefined) {
      this.wasm = undefined;
      this.unbindArena();
    }
    this.overlay = EMPTY;
  }

  /** Every row into `into` (limit x dim): the file's in one read, then the overlay and the patched rows over it. */
  private readAll(into: Float32Array): void {
    const dim = this.dim;
    if (!this.cold) {
      into.set(this.rows.subarray(0, this.limit * dim));
      return;
    }
    if (this.flushed > 0) this.file!.readSync(0, new Uint8Array(into.buffer, into.byteOffset, this.flushed * dim * 4));
    if (this.limit > this.flushed) into.set(this.overlay.subarray(0, (this.limit - this.flushed) * dim), this.flushed * dim);
    for (const [id, row] of this.patched) into.set(row, id * dim);
  }

  /** Offset of row `id` in `this.src`: the overlay, a patched row, or `scratch` after one positional read. */
  private locate(id: number, scratch: Float32Array): number {
    if (id >= this.flushed) {
      this.src = this.overlay;
      return (id - this.flushed) * this.dim;
    }
    if (this.patched.size > 0) {
      const row = this.patched.get(id);
      if (row !== undefined) {
        this.src = row;
        return 0;
      }
    }
    this.file!.readSync(id * this.dim * 4, scratch === this.rowA ? this.bytesA : this.bytesB);
    this.src = scratch;
    return 0;
  }

  /** The query of a batch: the loaded one, or stored row `h` copied aside (the batch reuses the row scratch). */
  private queryOf(h: number): Float32Array {
    if (h < 0) return this.coldQuery;
    const off = this.locate(h, this.rowB);
    if (this.src !== this.rowB) this.rowB.set(this.src.subarray(off, off + this.dim));
    return this.rowB;
  }

  private growOverlay(rows: number): void {
    if (this.overlay.length >= rows * this.dim) return;
    let n = Math.max(16, this.overlay.length / this.dim);
    while (n < rows) n *= 2;
    const next = new Float32Array(n * this.dim);
    next.set(this.overlay);
    this.overlay = next;
  }

  private growFlags(id: number): void {
    if (id < this.present.length) return;
    let cap = this.present.length * 2;
    while (cap <= id) cap *= 2;
    const present = new Uint8Array(cap);
    present.set(this.present);
    this.present = present;
  }
}
