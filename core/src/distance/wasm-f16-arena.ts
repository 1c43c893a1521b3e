import { type F16Decode, type F16Kernels, f16KernelModule, instantiateF16Kernels } from './wasm-f16-kernels.js';
import type { WasmKernel, WasmMemory, WasmMetric } from './wasm-kernels.js';
import { BATCH_CAPACITY, MAX_BYTES, growMemory, scratchSlot, withMemory } from './wasm-memory.js';

/** What a search thread needs to rank against a shared WasmF16Arena (postable: the memory crosses `postMessage`). */
export interface WasmF16ArenaView {
  memory: WasmMemory;
  metric: WasmMetric;
  padded: number;
  base: number;
  slotBytes: number;
  threads: number;
}

/**
 * Half-float rows inside a WebAssembly memory with the f16 SIMD kernels bound to it: [f32 query][f32 handle row][batch ids]
 * [batch ranks][rows...], rows last so they grow in place. A row is `padded` = dim rounded up to 8 halves
 * (`rowBytes` = 2 * padded), zero-padded; the query scratch holds `padded` floats, zero beyond `dim`. Growing
 * detaches the old buffer: re-read `rows` / `ids` / `out` / `query`.
 *
 * With `threads > 0` the memory is shared and the scratch is repeated once per search thread ahead of the rows
 * (WasmF16ArenaReader ranks from its own), as with WasmArena.
 */
export class WasmF16Arena {
  readonly padded: number;
  readonly rowBytes: number;
  readonly queryPtr = 0;
  /** A second query scratch, for a stored row used as the query (decoded to f32 there). */
  readonly handlePtr: number;
  readonly idsPtr: number;
  readonly outPtr: number;
  readonly base: number;
  rows!: Uint16Array;
  ids!: Uint32Array;
  out!: Float32Array;
  query!: Float32Array;
  handle!: Float32Array;
  readonly batch: WasmKernel;
  readonly range: WasmKernel;
  /** Decodes halves to f32 inside the memory (see F16Decode): a stored row into the handle scratch. */
  readonly decode: F16Decode;
  readonly slotBytes: number;

  private constructor(
    private readonly memory: WasmMemory,
    kernels: F16Kernels,
    dim: number,
    readonly metric: WasmMetric,
    public capacity: number,
    readonly threads: number,
  ) {
    this.padded = (dim + 7) & ~7;
    this.rowBytes = this.padded * 2;
    this.handlePtr = this.padded * 4;
    // The query scratch is two f32 rows: the loaded query, then the handle row.
    const slot = scratchSlot(this.padded * 8);
    this.idsPtr = slot.idsPtr;
    this.outPtr = slot.outPtr;
    this.slotBytes = slot.bytes;
    this.base = (1 + threads) * slot.bytes;
    this.batch = kernels[`batch_${metric}`];
    this.range = kernels[`range_${metric}`];
    this.decode = kernels.decode;
    this.refresh();
  }

  /** An arena of `capacity` rows, or undefined when this engine has no SIMD or will not give the memory. */
  static create(dim: number, metric: WasmMetric, capacity: number, threads = 0): WasmF16Arena | undefined {
    const module = f16KernelModule(threads > 0);
    if (module === undefined) return undefined;
    const padded = (dim + 7) & ~7;
    const bytes = (1 + threads) * scratchSlot(padded * 8).bytes + capacity * padded * 2;
    const make = (memory: WasmMemory) => new WasmF16Arena(memory, instantiateF16Kernels(module, memory), dim, metric, capacity, threads);
    return withMemory(bytes, make, threads > 0 ? MAX_BYTES : undefined);
  }

  /** Whether search threads can read this arena (its memory is shared). */
  get shared(): boolean {
    return this.threads > 0;
  }

  /** The arena as search threads attach to it (WasmF16ArenaReader); only meaningful when `shared`. */
  view(): WasmF16ArenaView {
    const { memory, metric, padded, base, slotBytes, threads } = this;
    return { memory, metric, padded, base, slotBytes, threads };
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
    this.rows = new Uint16Array(buf, this.base, this.capacity * this.padded);
    this.ids = new Uint32Array(buf, this.idsPtr, BATCH_CAPACITY);
    this.out = new Float32Array(buf, this.outPtr, BATCH_CAPACITY);
    this.query = new Float32Array(buf, this.queryPtr, this.padded);
    this.handle = new Float32Array(buf, this.handlePtr, this.padded);
  }
}

/**
 * A search thread's handle on a shared WasmF16Arena: the same kernels over the same memory, ranking from the
 * thread's own scratch slot (query, ids, ranks below the rows, so they stay valid as the memory grows).
 */
export class WasmF16ArenaReader {
  readonly query: Float32Array;
  /** The slot's second query scratch, for a stored row used as the query (a build thread's handle, decoded to f32). */
  readonly handle: Float32Array;
  readonly ids: Uint32Array;
  readonly out: Float32Array;
  readonly queryPtr: number;
  readonly handlePtr: number;
  readonly idsPtr: number;
  readonly outPtr: number;
  readonly base: number;
  readonly rowBytes: number;
  readonly batch: WasmKernel;
  /** See WasmF16Arena's `decode`: a stored row into this slot's handle scratch. */
  readonly decode: F16Decode;
  readonly padded: number;

  /** `slot` in 1..view.threads, distinct per thread; undefined when this engine cannot run the kernels. */
  static attach(view: WasmF16ArenaView, slot: number): WasmF16ArenaReader | undefined {
    const module = f16KernelModule(true);
    if (module === undefined || slot < 1 || slot > view.threads) return undefined;
    return new WasmF16ArenaReader(view, slot, instantiateF16Kernels(module, view.memory));
  }

  private constructor(view: WasmF16ArenaView, slot: number, kernels: F16Kernels) {
    const buf = view.memory.buffer;
    this.queryPtr = slot * view.slotBytes;
    const layout = scratchSlot(view.padded * 8);
    this.idsPtr = this.queryPtr + layout.idsPtr;
    this.outPtr = this.queryPtr + layout.outPtr;
    this.base = view.base;
    this.rowBytes = view.padded * 2;
    this.handlePtr = this.queryPtr + view.padded * 4;
    this.padded = view.padded;
    this.query = new Float32Array(buf, this.queryPtr, view.padded);
    this.handle = new Float32Array(buf, this.handlePtr, view.padded);
    this.ids = new Uint32Array(buf, this.idsPtr, BATCH_CAPACITY);
    this.out = new Float32Array(buf, this.outPtr, BATCH_CAPACITY);
    this.batch = kernels[`batch_${view.metric}`];
    this.decode = kernels.decode;
  }
}
