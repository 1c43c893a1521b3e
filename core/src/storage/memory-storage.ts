import type { Storage } from '../storage.js';

/**
 * `Storage` kept in a Map: the default for an embedded client without persistence, and the storage tests use to
 * simulate a crash (open a second client on the same instance without closing the first).
 *
 * Bytes are copied in and out, so a caller that reuses its buffer cannot change what was stored, exactly as with
 * files. `sync()` has nothing to make durable; everything that resolved is already "on disk".
 */
export class MemoryStorage implements Storage {
  private readonly blobs = new Map<string, Uint8Array>();

  async read(name: string): Promise<Uint8Array | undefined> {
    const bytes = this.blobs.get(name);
    return bytes === undefined ? undefined : bytes.slice();
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    this.blobs.set(name, bytes.slice());
  }

  async append(name: string, bytes: Uint8Array): Promise<void> {
    const before = this.blobs.get(name);
    if (before === undefined) {
      this.blobs.set(name, bytes.slice());
      return;
    }
    const grown = new Uint8Array(before.length + bytes.length);
    grown.set(before, 0);
    grown.set(bytes, before.length);
    this.blobs.set(name, grown);
  }

  async delete(name: string): Promise<void> {
    this.blobs.delete(name);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.blobs.keys()].filter((name) => name.startsWith(prefix)).sort();
  }

  async sync(): Promise<void> {}

  async close(): Promise<void> {}

  /** Test hook: the stored size of a blob (0 if absent), without copying it. */
  size(name: string): number {
    return this.blobs.get(name)?.length ?? 0;
  }
}
