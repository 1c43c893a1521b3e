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
  /**
   * Optional: a blob read and written in place at byte offsets (a row file of fixed-size rows), for data served
   * from disk instead of RAM. Storages without it (IndexedDB) keep such data in RAM. The name is a blob name like
   * any other: `list` shows it, `delete` removes it (closing an open handle), `read` returns its bytes whole.
   * Opening creates an empty file when there is none. The caller closes what it opened, or the storage's `close`
   * (or a `delete` of the name) does.
   */
  openRowFile?(name: string): RowFile;
}

/**
 * A file of bytes addressed by offset. Reads are synchronous (a positional read, from the page cache when warm)
 * so that searches stay synchronous; writes are not durable until `sync()` resolves. A read past the end fills
 * what it can and returns the bytes it read. Not atomic: a crash may leave any mix of old and new bytes at offsets
 * written since the last `sync()`, so callers only ever point at ranges that were synced.
 */
export interface RowFile {
  /** Bytes in the file (including writes not yet synced). */
  readonly size: number;
  /** Copies `into.length` bytes from `offset` into `into`; returns how many were there. */
  readSync(offset: number, into: Uint8Array): number;
  write(offset: number, bytes: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Time for the engine; injected so tests and sync can control it. Milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
