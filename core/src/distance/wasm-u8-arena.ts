import { BATCH_CAPACITY } from './wasm-arena.js';
import type { WasmKernel, WasmMemory, WasmModule } from './wasm-kernels.js';
import { wasmApi } from './wasm-kernels.js';
import { type U8Metric, instantiateU8Kernels, u8KernelModule } from './wasm-u8-kernels.js';
import { type BitMetric, bitKernelModule } from './wasm-bit-kernels.js';

const PAGE = 65536;
const align16 = (n: number): number => (n + 15) & ~15;
const align64 = (n: number): number => (n + 63) & ~63;

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
    this.idsPtr = align64(queryBytes);
    this.outPtr = this.idsPtr + BATCH_CAPACITY * 4;
    this.base = this.outPtr + BATCH_CAPACITY * 4;
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
    const bytes = align64(queryBytes) + 2 * BATCH_CAPACITY * 4 + capacity * rowBytes;
    if (bytes > 0xffff0000) return undefined;
    try {
      const memory = new (wasmApi()!.Memory)({ initial: Math.ceil(bytes / PAGE) });
      return new WasmU8Arena(memory, module, rowBytes, queryBytes, metric, capacity);
    } catch {
      return undefined;
    }
  }

  /** Makes room for `capacity` rows in place; false when the memory cannot grow. */
  grow(capacity: number): boolean {
    const bytes = this.base + capacity * this.rowBytes;
    if (bytes > 0xffff0000) return false;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      try {
        this.memory.grow(Math.ceil((bytes - have) / PAGE));
      } catch {
        return false;
      }
    }
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
