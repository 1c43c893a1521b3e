import { BATCH_CAPACITY } from './wasm-arena.js';
import { type F16Kernels, f16KernelModule, instantiateF16Kernels } from './wasm-f16-kernels.js';
import type { WasmKernel, WasmMemory, WasmMetric } from './wasm-kernels.js';
import { wasmApi } from './wasm-kernels.js';

const PAGE = 65536;
const align64 = (n: number): number => (n + 63) & ~63;

/**
 * Half-float rows inside a WebAssembly memory with the f16 SIMD kernels bound to it: [f32 query][f32 handle row][batch ids]
 * [batch ranks][rows...], rows last so they grow in place. A row is `padded` = dim rounded up to 8 halves
 * (`rowBytes` = 2 * padded), zero-padded; the query scratch holds `padded` floats, zero beyond `dim`. Growing
 * detaches the old buffer: re-read `rows` / `ids` / `out` / `query`.
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

  private constructor(
    private readonly memory: WasmMemory,
    kernels: F16Kernels,
    dim: number,
    metric: WasmMetric,
    public capacity: number,
  ) {
    this.padded = (dim + 7) & ~7;
    this.rowBytes = this.padded * 2;
    this.handlePtr = this.padded * 4;
    this.idsPtr = align64(this.padded * 8);
    this.outPtr = this.idsPtr + BATCH_CAPACITY * 4;
    this.base = this.outPtr + BATCH_CAPACITY * 4;
    this.batch = kernels[`batch_${metric}`];
    this.range = kernels[`range_${metric}`];
    this.refresh();
  }

  /** An arena of `capacity` rows, or undefined when this engine has no SIMD or will not give the memory. */
  static create(dim: number, metric: WasmMetric, capacity: number): WasmF16Arena | undefined {
    const module = f16KernelModule();
    if (module === undefined) return undefined;
    const padded = (dim + 7) & ~7;
    const bytes = align64(padded * 8) + 2 * BATCH_CAPACITY * 4 + capacity * padded * 2;
    if (bytes > 0xffff0000) return undefined;
    try {
      const memory = new (wasmApi()!.Memory)({ initial: Math.ceil(bytes / PAGE) });
      return new WasmF16Arena(memory, instantiateF16Kernels(module, memory), dim, metric, capacity);
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
    this.rows = new Uint16Array(buf, this.base, this.capacity * this.padded);
    this.ids = new Uint32Array(buf, this.idsPtr, BATCH_CAPACITY);
    this.out = new Float32Array(buf, this.outPtr, BATCH_CAPACITY);
    this.query = new Float32Array(buf, this.queryPtr, this.padded);
    this.handle = new Float32Array(buf, this.handlePtr, this.padded);
  }
}
