import { type WasmKernel, type WasmMemory, type WasmMetric, type WasmModule, instantiateKernels, kernelModule, wasmApi } from './wasm-kernels.js';

/** Ids (and ranks) one batch call handles at most. HNSW neighbour lists (2*m) must fit: m <= 2047. */
export const BATCH_CAPACITY = 4096;
const PAGE = 65536;

/**
 * A vector arena inside a WebAssembly memory, with the SIMD kernels bound to it.
 *
 * Layout, fixed at creation: [query scratch][batch ids][batch ranks][rows...]. The rows come last so the arena
 * grows in place (`memory.grow`), never by copying into a new array. Growing detaches the old ArrayBuffer, so
 * every view (`rows`, `ids`, `out`, `query`) is re-made after `grow`; holders re-read them.
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

  private constructor(
    private readonly memory: WasmMemory,
    module: WasmModule,
    readonly dim: number,
    metric: WasmMetric,
    public capacity: number,
  ) {
    this.rowBytes = dim * 4;
    this.idsPtr = align64(this.rowBytes);
    this.outPtr = this.idsPtr + BATCH_CAPACITY * 4;
    this.base = this.outPtr + BATCH_CAPACITY * 4;
    const k = instantiateKernels(module, memory);
    this.batch = k[`batch_${metric}`];
    this.range = k[`range_${metric}`];
    this.refresh();
  }

  /** An arena of `capacity` rows, or undefined when this engine has no SIMD or will not give the memory. */
  static create(dim: number, metric: WasmMetric, capacity: number): WasmArena | undefined {
    const module = kernelModule();
    if (module === undefined) return undefined;
    const bytes = headerBytes(dim) + capacity * dim * 4;
    if (bytes > 0xffff0000) return undefined; // a 32-bit memory: the JS arena has no such limit
    try {
      const memory = new (wasmApi()!.Memory)({ initial: Math.ceil(bytes / PAGE) });
      return new WasmArena(memory, module, dim, metric, capacity);
    } catch {
      return undefined;
    }
  }

  /** Makes room for `capacity` rows in place; false when the memory cannot grow (the caller moves to JS). */
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
    this.rows = new Float32Array(buf, this.base, this.capacity * this.dim);
    this.ids = new Uint32Array(buf, this.idsPtr, BATCH_CAPACITY);
    this.out = new Float32Array(buf, this.outPtr, BATCH_CAPACITY);
    this.query = new Float32Array(buf, this.queryPtr, this.dim);
  }
}

const align64 = (n: number): number => (n + 63) & ~63;
const headerBytes = (dim: number): number => align64(dim * 4) + 2 * BATCH_CAPACITY * 4;
