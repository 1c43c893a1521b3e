import type { Storage } from '../storage.js';

/**
 * `Storage` kept in a Map: the default for an embedded client without persistence, and the storage tests use to
 * simulate a crash (open a second client on the same instance without closing the first).
 *
 * Bytes are copied in and out, so a caller that reuses its buffer cannot change what was stored, exactly as with
 * files. A blob is a list of chunks, so `append` costs the appended bytes only (the op log appends on every write);
 * `read` joins them. `sync()` has nothing to make durable: everything that resolved is already "on disk".
 */
export class MemoryStorage implements Storage {
  private readonly blobs = new Map<string, Uint8Array[]>();

  async read(name: string): Promise<Uint8Array | undefined> {
    const chunks = this.blobs.get(name);
    if (chunks === undefined) return undefined;
    if (chunks.length === 1) return chunks[0]!.slice();
    const joined = join(chunks);
    this.blobs.set(name, [joined]);
    return joined.slice();
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    this.blobs.set(name, [bytes.slice()]);
  }

  async append(name: string, bytes: Uint8Array): Promise<void> {
    const chunks = this.blobs.get(name);
    if (chunks === undefined) this.blobs.set(name, [bytes.slice()]);
    else chunks.push(bytes.slice());
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
    return this.blobs.get(name)?.reduce((n, c) => n + c.length, 0) ?? 0;
  }
}

function join(chunks: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
