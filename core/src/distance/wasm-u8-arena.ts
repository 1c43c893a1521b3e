import type { WasmKernel, WasmMemory, WasmModule } from './wasm-kernels.js';
import { BATCH_CAPACITY, align16, growMemory, scratchSlot, withMemory } from './wasm-memory.js';
import { type U8Metric, instantiateU8Kernels, u8KernelModule } from './wasm-u8-kernels.js';
import { type BitMetric, bitKernelModule } from './wasm-bit-kernels.js';

/**
 * An arena of byte rows inside a WebAssembly memory with SIMD kernels bound to it: the u8 kernels over int8 codes
 * (rows of dim bytes) or the bit kernels over binary codes (rows of `rowBytes` given). WasmArena's layout
 * ([query][batch ids][batch sums][rows...], rows last so they grow in place); rows are rounded up to 16 bytes,
 * zero-padded, and the query scratch holds `queryBytes` (a bit query may be several planes of a row).
 * Growing detaches the old buffer: re-read `rows` / `ids` / `out` / `query`.
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

  private constructor(
    private readonly memory: WasmMemory,
    module: WasmModule,
    rowBytes: number,
    private readonly queryBytes: number,
    metric: U8Metric | BitMetric,
    public capacity: number,
  ) {
    this.rowBytes = rowBytes;
    const slot = scratchSlot(queryBytes);
    this.idsPtr = slot.idsPtr;
    this.outPtr = slot.outPtr;
    this.base = slot.bytes;
    const k = instantiateU8Kernels(module, memory) as unknown as Record<string, WasmKernel>;
    this.batch = k[`batch_${metric}`]!;
    this.range = k[`range_${metric}`]!;
    this.refresh();
  }

  /**
   * An arena of `capacity` rows, or undefined when this engine has no SIMD or will not give the memory. u8 metrics:
   * rows of `width` = dim codes; bit metrics: rows of `width` bytes and a query of `queryBytes` (default one row).
   */
  static create(width: number, metric: U8Metric | BitMetric, capacity: number, queryBytes = align16(width)): WasmU8Arena | undefined {
    const module = metric.startsWith('bit') ? bitKernelModule() : u8KernelModule();
    if (module === undefined) return undefined;
    const rowBytes = align16(width);
    const bytes = scratchSlot(queryBytes).bytes + capacity * rowBytes;
    return withMemory(bytes, (memory) => new WasmU8Arena(memory, module, rowBytes, queryBytes, metric, capacity));
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
