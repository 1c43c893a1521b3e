import { wasmApi } from '../distance/wasm-kernels.js';

/**
 * Whether new vector arenas and HNSW graphs go in shared memory, and for how many search threads. Process-wide
 * (a realm has one engine's worth of threads): the platform that starts the threads (the server's worker pool)
 * calls `shareWithThreads` before it opens the database, so every arena and graph made after it can be read by
 * them. Nothing is shared by default, and nothing changes for code that never calls it.
 */
let threads = 0;

/** Up to `count` search threads will read arenas and graphs made from now on; 0 stops sharing new ones. */
export function shareWithThreads(count: number): void {
  threads = count > 0 && sharedMemorySupported() ? Math.min(count | 0, MAX_SEARCH_THREADS) : 0;
}

/** The thread count new arenas reserve scratch for; 0 when nothing is shared. */
export function sharedThreads(): number {
  return threads;
}

/** Scratch slots an arena reserves cost ~33 KB each (query, ids, ranks): more threads than this make no sense. */
export const MAX_SEARCH_THREADS = 64;

let supported: boolean | undefined;

/** SharedArrayBuffer and shared WebAssembly memory are both available (Node; browsers when cross-origin isolated). */
export function sharedMemorySupported(): boolean {
  if (supported !== undefined) return supported;
  supported = false;
  if (typeof (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer !== 'function') return false;
  try {
    const wa = wasmApi() as unknown as { Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: unknown } } | undefined;
    supported = wa !== undefined && new wa.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    supported = false;
  }
  return supported;
}

/** A zeroed buffer of `bytes`: shared when `shared`, else a plain ArrayBuffer. */
export function newBuffer(bytes: number, shared: boolean): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}
