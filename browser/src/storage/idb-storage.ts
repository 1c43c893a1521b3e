import { openDB, deleteDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Storage } from '@sextant/core';
import { storageError } from './storage-error.js';

/**
 * Core's `Storage` on IndexedDB: the same named blobs the Node server keeps in files, kept as records.
 *
 * Layout: one object store `chunks` whose key is `[name, seq]`. A blob is the concatenation, in key order, of every
 * chunk under its name. `seq` comes from one counter for the whole database that only grows, so:
 * - `append` adds one record and never rewrites what is there (a 150 MB vector arena is not copied per op);
 * - `write` deletes the name's chunks and puts the new bytes in the same transaction, hence atomically;
 * - a failed transaction leaves a gap in `seq`, never two chunks with one key, so the next append still lands after
 *   everything already stored.
 * The counter is persisted in `meta` by every transaction that uses it, so reopening reads one record, not all keys.
 *
 * Ordering: IndexedDB runs read-write transactions over the same stores in the order they were created, and every
 * method creates its transaction synchronously when called, so operations apply in call order without a queue.
 *
 * Durability: mutations commit with `relaxed` durability (the browser may still hold them in its write buffer);
 * `sync()` commits a `strict` transaction after them, whose flush covers every earlier commit of this database.
 *
 * Single writer: the `seq` counter lives in this object, so only one `IdbStorage` may write a database at a time.
 * The worker guarantees that with a Web Lock (see `worker/ownership.ts`).
 */
export class IdbStorage implements Storage {
  /** Larger blobs are split into records of this size: browsers copy each record whole across processes. */
  static readonly chunkBytes = 32 * 1024 * 1024;

  private seq: number;
  private syncInFlight: Promise<void> | null = null;
  private syncQueued: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly db: IDBPDatabase<IdbStorageSchema>,
    nextSeq: number,
    /** The IndexedDB database name, for messages. */
    readonly name: string,
  ) {
    this.seq = nextSeq;
  }

  /** Opens (creating if needed) the IndexedDB database `name`. */
  static async open(name: string): Promise<IdbStorage> {
    let db: IDBPDatabase<IdbStorageSchema>;
    try {
      db = await openDB<IdbStorageSchema>(name, SCHEMA_VERSION, {
        upgrade(database) {
          if (!database.objectStoreNames.contains('chunks')) database.createObjectStore('chunks');
          if (!database.objectStoreNames.contains('meta')) database.createObjectStore('meta');
        },
      });
    } catch (error) {
      throw storageError(error, `open IndexedDB database "${name}"`);
    }
    const next = (await db.get('meta', 'seq')) ?? 0;
    const storage = new IdbStorage(db, next, name);
    // Another context deleting or upgrading the database must not wait on us forever; later calls then fail clearly.
    db.addEventListener('versionchange', () => storage.closeNow());
    return storage;
  }

  /** Deletes the IndexedDB database `name` and everything in it; resolves once no connection keeps it alive. */
  static async destroy(name: string): Promise<void> {
    await deleteDB(name);
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    this.assertOpen();
    let parts: Uint8Array[];
    try {
      parts = await this.db.getAll('chunks', rangeOf(name));
    } catch (error) {
      throw storageError(error, `read "${name}"`);
    }
    if (parts.length === 0) return undefined;
    // Each record is a fresh structured-clone copy, so a single chunk can be handed out as is.
    if (parts.length === 1) return parts[0];
    let total = 0;
    for (const part of parts) total += part.byteLength;
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }

  write(name: string, bytes: Uint8Array): Promise<void> {
    return this.mutate(`write "${name}"`, (store) => {
      store.delete(rangeOf(name));
      // An empty blob still exists: it keeps one empty chunk so that `read` and `list` see it.
      if (bytes.byteLength === 0) {
        store.put(new Uint8Array(0), [name, this.seq++]);
        return;
      }
      for (let at = 0; at < bytes.byteLength; at += IdbStorage.chunkBytes) {
        store.put(ownCopy(bytes, at, Math.min(bytes.byteLength, at + IdbStorage.chunkBytes)), [name, this.seq++]);
      }
    });
  }

  append(name: string, bytes: Uint8Array): Promise<void> {
    return this.mutate(`append to "${name}"`, (store) => {
      store.put(ownCopy(bytes, 0, bytes.byteLength), [name, this.seq++]);
    });
  }

  delete(name: string): Promise<void> {
    return this.mutate(`delete "${name}"`, (store) => {
      store.delete(rangeOf(name));
    });
  }

  async list(prefix: string): Promise<string[]> {
    this.assertOpen();
    const names: string[] = [];
    try {
      const tx = this.db.transaction('chunks', 'readonly');
      // Keys sort by name first; after seeing a name, jump past all of its chunks with `continue([name, Infinity])`.
      let cursor = await tx.store.openKeyCursor(IDBKeyRange.bound([prefix], [prefix + '\uffff'], false, false));
      while (cursor) {
        const name = cursor.key[0];
        if (name.startsWith(prefix)) names.push(name);
        cursor = await cursor.continue([name, Infinity]);
      }
      await tx.done;
    } catch (error) {
      throw storageError(error, `list "${prefix}"`);
    }
    return names;
  }

  /**
   * Makes every mutation that resolved before the call durable. Callers that arrive while a flush is running share
   * the next one (group commit): the running one may have started before their writes committed.
   */
  sync(): Promise<void> {
    this.assertOpen();
    if (this.syncQueued) return this.syncQueued;
    const previous = this.syncInFlight ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        this.syncQueued = null;
        this.syncInFlight = next;
        return this.strictCommit();
      })
      .finally(() => {
        if (this.syncInFlight === next) this.syncInFlight = null;
      });
    this.syncQueued = next;
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Pending transactions still commit: IndexedDB closes the connection only after they finish.
    const pending = this.syncQueued ?? this.syncInFlight;
    if (pending) await pending.catch(() => undefined);
    this.closeNow();
  }

  private closeNow(): void {
    this.closed = true;
    this.db.close();
  }

  private async strictCommit(): Promise<void> {
    try {
      const tx = this.db.transaction(['chunks', 'meta'], 'readwrite', { durability: 'strict' });
      // A strict transaction must write something to be flushed; the counter is the natural record to touch.
      void tx.objectStore('meta').put(this.seq, 'seq').catch(() => undefined);
      await tx.done;
    } catch (error) {
      throw storageError(error, 'flush to disk');
    }
  }

  /**
   * Runs `body` in a new read-write transaction created synchronously (which fixes the order, see the class
   * comment), persists the counter with it, and resolves when it committed. Request promises are silenced: the
   * transaction's own failure (for example QuotaExceededError) is the one that tells what went wrong, and the
   * abort rolls every request of the transaction back, so a failed write never leaves half a blob.
   */
  private async mutate(what: string, body: (store: ChunkStore) => void): Promise<void> {
    this.assertOpen();
    try {
      const tx = this.db.transaction(['chunks', 'meta'], 'readwrite', { durability: 'relaxed' });
      const chunks = tx.objectStore('chunks');
      const store: ChunkStore = {
        put: (value, key) => void chunks.put(value, key).catch(() => undefined),
        delete: (key) => void chunks.delete(key).catch(() => undefined),
      };
      try {
        body(store);
        void tx.objectStore('meta').put(this.seq, 'seq').catch(() => undefined);
      } catch (error) {
        // A request that throws synchronously (DataCloneError, ...) does not abort the transaction by itself: the
        // requests before it (say, the delete of a `write`) would commit alone. Abort so that none of them does.
        tx.done.catch(() => undefined);
        tx.abort();
        throw error;
      }
      await tx.done;
    } catch (error) {
      throw storageError(error, what);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw storageError(new Error('the storage is closed'), `use IndexedDB database "${this.name}"`);
  }
}

const SCHEMA_VERSION = 1;

interface IdbStorageSchema extends DBSchema {
  chunks: { key: [string, number]; value: Uint8Array };
  meta: { key: string; value: number };
}

interface ChunkStore {
  put(value: Uint8Array, key: [string, number]): void;
  delete(key: IDBKeyRange): void;
}

/** Every chunk key of one blob: seq is a non-negative integer, so `[name, 0] .. [name, Infinity]` spans them all. */
function rangeOf(name: string): IDBKeyRange {
  return IDBKeyRange.bound([name, 0], [name, Infinity]);
}

/**
 * The bytes `[from, to)` of `bytes` in a buffer of their own. Trap: structured clone of a view clones its whole
 * underlying buffer, so storing `arena.subarray(...)` as is would store the entire arena. Copying also detaches the
 * stored value from a caller that reuses its buffer after the call returns, and a SharedArrayBuffer (which
 * IndexedDB refuses) becomes a plain one.
 */
function ownCopy(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const wholeBuffer =
    from === 0 &&
    to === bytes.byteLength &&
    bytes.byteOffset === 0 &&
    bytes.buffer instanceof ArrayBuffer &&
    bytes.byteLength === bytes.buffer.byteLength;
  // `put` clones synchronously, so a view of a whole (non-shared) buffer needs no copy of ours.
  return wholeBuffer ? bytes : bytes.slice(from, to);
}
