import { type F16Kernels, f16KernelModule, instantiateF16Kernels } from './wasm-f16-kernels.js';
import type { WasmKernel, WasmMemory, WasmMetric } from './wasm-kernels.js';
import { BATCH_CAPACITY, growMemory, scratchSlot, withMemory } from './wasm-memory.js';

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
    // The query scratch is two f32 rows: the loaded query, then the handle row.
    const slot = scratchSlot(this.padded * 8);
    this.idsPtr = slot.idsPtr;
    this.outPtr = slot.outPtr;
    this.base = slot.bytes;
    this.batch = kernels[`batch_${metric}`];
    this.range = kernels[`range_${metric}`];
    this.refresh();
  }

  /** An arena of `capacity` rows, or undefined when this engine has no SIMD or will not give the memory. */
  static create(dim: number, metric: WasmMetric, capacity: number): WasmF16Arena | undefined {
    const module = f16KernelModule();
    if (module === undefined) return undefined;
    const padded = (dim + 7) & ~7;
    const bytes = scratchSlot(padded * 8).bytes + capacity * padded * 2;
    return withMemory(bytes, (memory) => new WasmF16Arena(memory, instantiateF16Kernels(module, memory), dim, metric, capacity));
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
