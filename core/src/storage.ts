/**
 * Where the engine keeps its bytes. Core owns this contract; `server` implements it with files, `browser` with
 * IndexedDB, and `MemoryStorage` keeps everything in memory.
 *
 * Names are flat strings with `/` as a separator (`collections/docs/wal/000001`); `list(prefix)` returns every name
 * that starts with the prefix. A blob is written whole (`write`) or grown at its end (`append`).
 *
 * Durability: after `sync()` resolves, every `write`, `append` and `delete` that resolved before it survives a crash of
 * the process. `write` replaces a blob atomically: a reader sees the old bytes or the new, never a mix.
 */
export interface Storage {
  read(name: string): Promise<Uint8Array | undefined>;
  write(name: string, bytes: Uint8Array): Promise<void>;
  append(name: string, bytes: Uint8Array): Promise<void>;
  delete(name: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Time for the engine; injected so tests and sync can control it. Milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
