import { type WasmMemory, wasmApi } from './wasm-kernels.js';

/** Ids (and ranks) one batch call handles at most. HNSW neighbour lists (2*m) must fit: m <= 2047. */
export const BATCH_CAPACITY = 4096;
export const PAGE = 65536;
/** The largest memory a 32-bit WebAssembly memory holds, in whole pages. */
export const MAX_BYTES = 0xffff0000;

export const align16 = (n: number): number => (n + 15) & ~15;
export const align64 = (n: number): number => (n + 63) & ~63;

/**
 * The scratch every arena kind (f32, f16, u8 / bit) keeps ahead of its rows, once per thread: [query scratch of
 * `queryBytes`][batch ids][batch ranks], offsets from the slot's start. The rows follow the last slot, so an
 * arena grows in place; the kernels read ids and write ranks at these offsets.
 */
export interface ScratchSlot {
  idsPtr: number;
  outPtr: number;
  /** The whole slot: where the next slot (or the rows) starts. */
  bytes: number;
}

export function scratchSlot(queryBytes: number): ScratchSlot {
  const idsPtr = align64(queryBytes);
  const outPtr = idsPtr + BATCH_CAPACITY * 4;
  return { idsPtr, outPtr, bytes: outPtr + BATCH_CAPACITY * 4 };
}

/**
 * `make` over a fresh memory of `bytes`, or undefined when that is over the 32-bit limit or the engine refuses
 * (the memory or the kernels' instantiation): callers fall back to JS arrays. `sharedMaxBytes` makes a shared
 * memory, which must declare its maximum (engines reserve address space for it, not memory).
 */
export function withMemory<T>(bytes: number, make: (memory: WasmMemory) => T, sharedMaxBytes?: number): T | undefined {
  if (bytes > MAX_BYTES) return undefined; // a 32-bit memory: the JS arrays have no such limit
  try {
    const initial = Math.ceil(bytes / PAGE);
    const Memory = wasmApi()!.Memory as unknown as new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
    const memory =
      sharedMaxBytes !== undefined ? new Memory({ initial, maximum: sharedMaxBytes / PAGE, shared: true }) : new Memory({ initial });
    return make(memory);
  } catch {
    return undefined;
  }
}

/** Grows `memory` to hold at least `bytes`; false when it cannot (32-bit limit, or the engine said no). */
export function growMemory(memory: WasmMemory, bytes: number): boolean {
  if (bytes > MAX_BYTES) return false;
  const have = memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    memory.grow(Math.ceil((bytes - have) / PAGE));
    return true;
  } catch {
    return false;
  }
}
