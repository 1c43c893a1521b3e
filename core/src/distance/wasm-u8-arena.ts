import type { WasmKernel, WasmMemory, WasmModule } from './wasm-kernels.js';
import { BATCH_CAPACITY, MAX_BYTES, align16, growMemory, scratchSlot, withMemory } from './wasm-memory.js';
import { type U8Metric, instantiateU8Kernels, u8KernelModule } from './wasm-u8-kernels.js';
import { type BitMetric, bitKernelModule } from './wasm-bit-kernels.js';

/** What a search thread needs to rank against a shared WasmU8Arena (postable: the memory crosses `postMessage`). */
export interface WasmU8ArenaView {
  memory: WasmMemory;
  metric: U8Metric | BitMetric;
  rowBytes: number;
  queryBytes: number;
  base: number;
  slotBytes: number;
  /** Scratch slots for other threads: slot s in 1..threads starts at byte s * slotBytes. */
  threads: number;
}

/**
 * An arena of byte rows inside a WebAssembly memory with SIMD kernels bound to it: the u8 kernels over int8 codes
 * (rows of dim bytes) or the bit kernels over binary codes (rows of `rowBytes` given). WasmArena's layout
 * ([query][batch ids][batch sums] once per thread, then [rows...], rows last so they grow in place); rows are
 * rounded up to 16 bytes, zero-padded, and the query scratch holds `queryBytes` (a bit query may be several planes
 * of a row). Growing detaches the old buffer: re-read `rows` / `ids` / `out` / `query`.
 *
 * With `threads > 0` the memory is shared and search threads rank its rows from their own scratch slots
 * (WasmU8ArenaReader), as with WasmArena: a row is written before its id is linked where a reader finds it.
 */
export class WasmU8Arena {
  readonly rowBytes: number;
  readonly queryPtr = 0;
  readonly idsPtr: number;
  readonly outPtr: number;
  readonly base: number;
  rows!: Uint8Array;
  ids!: Uint32Array;
  out!: Float32Array;
  query!: Uint8Array;
  readonly batch: WasmKernel;
  readonly range: WasmKernel;
  readonly slotBytes: number;

  private constructor(
    private readonly memory: WasmMemory,
    module: WasmModule,
    rowBytes: number,
    private readonly queryBytes: number,
    readonly metric: U8Metric | BitMetric,
    public capacity: number,
    readonly threads: number,
  ) {
    this.rowBytes = rowBytes;
    const slot = scratchSlot(queryBytes);
    this.idsPtr = slot.idsPtr;
    this.outPtr = slot.outPtr;
    this.slotBytes = slot.bytes;
    this.base = (1 + threads) * slot.bytes;
    const k = instantiateU8Kernels(module, memory) as unknown as Record<string, WasmKernel>;
    this.batch = k[`batch_${metric}`]!;
    this.range = k[`range_${metric}`]!;
    this.refresh();
  }

  /**
   * An arena of `capacity` rows, or undefined when this engine has no SIMD or will not give the memory. u8 metrics:
   * rows of `width` = dim codes; bit metrics: rows of `width` bytes and a query of `queryBytes` (default one row).
   * `threads > 0`: a shared memory with a scratch slot per search thread.
   */
  static create(width: number, metric: U8Metric | BitMetric, capacity: number, queryBytes = align16(width), threads = 0): WasmU8Arena | undefined {
    const module = kernelsFor(metric, threads > 0);
    if (module === undefined) return undefined;
    const rowBytes = align16(width);
    const bytes = (1 + threads) * scratchSlot(queryBytes).bytes + capacity * rowBytes;
    return withMemory(bytes, (memory) => new WasmU8Arena(memory, module, rowBytes, queryBytes, metric, capacity, threads), threads > 0 ? MAX_BYTES : undefined);
  }

  /** Whether search threads can read this arena (its memory is shared). */
  get shared(): boolean {
    return this.threads > 0;
  }

  /** The arena as search threads attach to it (WasmU8ArenaReader); only meaningful when `shared`. */
  view(): WasmU8ArenaView {
    const { memory, metric, rowBytes, queryBytes, base, slotBytes, threads } = this;
    return { memory, metric, rowBytes, queryBytes, base, slotBytes, threads };
  }

  /** Makes room for `capacity` rows in place; false when the memory cannot grow. */
  grow(capacity: number): boolean {
    if (!growMemory(this.memory, this.base + capacity * this.rowBytes)) return false;
    this.capacity = capacity;
    this.refresh();
    return true;
  }

  private refresh(): void {
    const buf = this.memory.buffer;
    this.rows = new Uint8Array(buf, this.base, this.capacity * this.rowBytes);
    this.ids = new Uint32Array(buf, this.idsPtr, BATCH_CAPACITY);
    this.out = new Float32Array(buf, this.outPtr, BATCH_CAPACITY);
    this.query = new Uint8Array(buf, this.queryPtr, this.queryBytes);
  }
}

function kernelsFor(metric: U8Metric | BitMetric, shared: boolean): WasmModule | undefined {
  return metric.startsWith('bit') ? bitKernelModule(shared) : u8KernelModule(shared);
}

/**
 * A search thread's handle on a shared WasmU8Arena: the same kernels over the same memory, ranking into the thread's
 * own scratch slot (`query`, `ids`, `out` at fixed offsets below the rows, so they stay valid as the memory grows).
 * The kernels read rows at the memory's current length: every row an id of a walk names was written before.
 */
export class WasmU8ArenaReader {
  readonly query: Uint8Array;
  readonly ids: Uint32Array;
  readonly out: Float32Array;
  readonly queryPtr: number;
  readonly idsPtr: number;
  readonly outPtr: number;
  readonly base: number;
  readonly rowBytes: number;
  readonly batch: WasmKernel;

  /** `slot` in 1..view.threads, distinct per thread; undefined when this engine cannot run the kernels. */
  static attach(view: WasmU8ArenaView, slot: number): WasmU8ArenaReader | undefined {
    const module = kernelsFor(view.metric, true);
    if (module === undefined || slot < 1 || slot > view.threads) return undefined;
    return new WasmU8ArenaReader(view, slot, module);
  }

  private constructor(view: WasmU8ArenaView, slot: number, module: WasmModule) {
    const buf = view.memory.buffer;
    this.queryPtr = slot * view.slotBytes;
    const layout = scratchSlot(view.queryBytes);
    this.idsPtr = this.queryPtr + layout.idsPtr;
    this.outPtr = this.queryPtr + layout.outPtr;
    this.base = view.base;
    this.rowBytes = view.rowBytes;
    this.query = new Uint8Array(buf, this.queryPtr, view.queryBytes);
    this.ids = new Uint32Array(buf, this.idsPtr, BATCH_CAPACITY);
    this.out = new Float32Array(buf, this.outPtr, BATCH_CAPACITY);
    this.batch = (instantiateU8Kernels(module, view.memory) as unknown as Record<string, WasmKernel>)[`batch_${view.metric}`]!;
  }
}
