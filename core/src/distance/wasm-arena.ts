import { type WasmKernel, type WasmMemory, type WasmMetric, type WasmModule, instantiateKernels, kernelModule } from './wasm-kernels.js';
import { BATCH_CAPACITY, MAX_BYTES, PAGE, growMemory, scratchSlot, withMemory } from './wasm-memory.js';

export { BATCH_CAPACITY };

/** What another thread needs to rank against an arena: postable (a shared memory crosses `postMessage`). */
export interface WasmArenaView {
  memory: WasmMemory;
  dim: number;
  metric: WasmMetric;
  base: number;
  rowBytes: number;
  slotBytes: number;
  /** Scratch slots for other threads: slot s in 1..threads starts at byte s * slotBytes. */
  threads: number;
}

/**
 * A vector arena inside a WebAssembly memory, with the SIMD kernels bound to it.
 *
 * Layout, fixed at creation: [query scratch][batch ids][batch ranks] once per thread (slot 0 is the owner's, slots
 * 1..threads belong to search threads, see WasmArenaReader), then [rows...]. The rows come last so the arena grows
 * in place (`memory.grow`), never by copying into a new array. Growing detaches the old ArrayBuffer (a shared one
 * stays valid at its old length), so every view (`rows`, `ids`, `out`, `query`) is re-made after `grow`; holders
 * re-read them.
 *
 * With `threads > 0` the memory is shared: other threads read rows while this one appends. Rows are written once
 * per id (points are immutable in place), before the id is linked anywhere a reader could find it.
 *
 * One memory per arena reserves address space (engines reserve guard regions per memory), which is why only
 * arenas worth it live here (see DenseVectorStorage) and why creation may fail: callers fall back to JS arrays.
 */
export class WasmArena {
  readonly rowBytes: number;
  readonly queryPtr = 0;
  readonly idsPtr: number;
  readonly outPtr: number;
  readonly base: number;
  rows!: Float32Array;
  ids!: Uint32Array;
  out!: Float32Array;
  query!: Float32Array;
  readonly batch: WasmKernel;
  readonly range: WasmKernel;
  readonly slotBytes: number;

  private constructor(
    private readonly memory: WasmMemory,
    module: WasmModule,
    readonly dim: number,
    readonly metric: WasmMetric,
    public capacity: number,
    readonly threads: number,
  ) {
    this.rowBytes = dim * 4;
    const slot = scratchSlot(this.rowBytes);
    this.idsPtr = slot.idsPtr;
    this.outPtr = slot.outPtr;
    this.slotBytes = slot.bytes;
    this.base = (1 + threads) * this.slotBytes;
    const k = instantiateKernels(module, memory);
    this.batch = k[`batch_${metric}`];
    this.range = k[`range_${metric}`];
    this.refresh();
  }

  /**
   * An arena of `capacity` rows, or undefined when this engine has no SIMD or will not give the memory. With
   * `threads > 0` the memory is shared and reserves a scratch slot per search thread.
   */
  static create(dim: number, metric: WasmMetric, capacity: number, threads = 0): WasmArena | undefined {
    const module = kernelModule(threads > 0 ? MAX_BYTES / PAGE : undefined);
    if (module === undefined) return undefined;
    const bytes = (1 + threads) * scratchSlot(dim * 4).bytes + capacity * dim * 4;
    return withMemory(bytes, (memory) => new WasmArena(memory, module, dim, metric, capacity, threads), threads > 0 ? MAX_BYTES : undefined);
  }

  /** Whether other threads can read this arena (its memory is shared). */
  get shared(): boolean {
    return this.threads > 0;
  }

  /** The arena as search threads attach to it (see WasmArenaReader); only meaningful when `shared`. */
  view(): WasmArenaView {
    const { memory, dim, metric, base, rowBytes, slotBytes, threads } = this;
    return { memory, dim, metric, base, rowBytes, slotBytes, threads };
  }

  /** Makes room for `capacity` rows in place; false when the memory cannot grow (the caller moves to JS). */
  grow(capacity: number): boolean {
    if (!growMemory(this.memory, this.base + capacity * this.rowBytes)) return false;
    this.capacity = capacity;
    this.refresh();
    return true;
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    this.rows = new Float32Array(buf, this.base, this.capacity * this.dim);
    this.ids = new Uint32Array(buf, this.idsPtr, BATCH_CAPACITY);
    this.out = new Float32Array(buf, this.outPtr, BATCH_CAPACITY);
    this.query = new Float32Array(buf, this.queryPtr, this.dim);
  }
}

/**
 * One search thread's handle on a shared WasmArena: the same kernels instantiated over the same memory, ranking
 * into the thread's own scratch slot, so threads never share a query or a batch. Reads only: rows below the
 * owner's current capacity are always inside the memory (it only grows), so a walk never reads out of bounds.
 */
export class WasmArenaReader {
  readonly batchIds: Uint32Array;
  readonly batchOut: Float32Array;
  private readonly query: Float32Array;
  private readonly queryPtr: number;
  private readonly idsPtr: number;
  private readonly outPtr: number;
  private readonly base: number;
  private readonly rowBytes: number;
  private readonly batch: WasmKernel;
  readonly dim: number;

  /** `slot` in 1..view.threads, distinct per thread. Undefined when this engine cannot run the kernels. */
  static attach(view: WasmArenaView, slot: number): WasmArenaReader | undefined {
    const module = kernelModule(MAX_BYTES / PAGE);
    if (module === undefined || slot < 1 || slot > view.threads) return undefined;
    return new WasmArenaReader(view, slot, module);
  }

  private constructor(view: WasmArenaView, slot: number, module: WasmModule) {
    const buf = view.memory.buffer;
    this.dim = view.dim;
    this.queryPtr = slot * view.slotBytes;
    const layout = scratchSlot(view.rowBytes);
    this.idsPtr = this.queryPtr + layout.idsPtr;
    this.outPtr = this.queryPtr + layout.outPtr;
    this.base = view.base;
    this.rowBytes = view.rowBytes;
    this.query = new Float32Array(buf, this.queryPtr, view.dim);
    this.batchIds = new Uint32Array(buf, this.idsPtr, BATCH_CAPACITY);
    this.batchOut = new Float32Array(buf, this.outPtr, BATCH_CAPACITY);
    this.batch = instantiateKernels(module, view.memory)[`batch_${view.metric}`];
  }

  /** Copies a prepared query into this thread's slot; the handle is always the loaded query (-1). */
  loadQuery(query: Float32Array): number {
    this.query.set(query.length === this.dim ? query : query.subarray(0, this.dim));
    return -1;
  }

  /**
   * `batchOut[i] = rank(h, batchIds[i])` for i < count, where `h` is the loaded query (-1) or a stored row (a build
   * thread ranks from stored vectors): the same kernel, so the same ranks as the owner's.
   */
  rankBatch(h: number, count: number): void {
    this.batch(h < 0 ? this.queryPtr : this.base + h * this.rowBytes, this.idsPtr, count, this.outPtr, this.base, this.rowBytes);
  }
}
