import type { RowFile, Storage } from '../storage.js';

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

  /** A row file over the blob `name` (one joined array, grown on writes past its end), for tests of row files. */
  openRowFile(name: string): RowFile {
    const blobs = this.blobs;
    const flat = (): Uint8Array => {
      const chunks = blobs.get(name);
      if (chunks === undefined) return new Uint8Array(0);
      if (chunks.length > 1) blobs.set(name, [join(chunks)]);
      return blobs.get(name)![0]!;
    };
    if (!blobs.has(name)) blobs.set(name, [new Uint8Array(0)]);
    return {
      get size() {
        return flat().length;
      },
      readSync(offset: number, into: Uint8Array): number {
        const bytes = flat();
        const n = Math.max(0, Math.min(into.length, bytes.length - offset));
        into.set(bytes.subarray(offset, offset + n));
        return n;
      },
      async write(offset: number, bytes: Uint8Array): Promise<void> {
        let target = flat();
        if (offset + bytes.length > target.length) {
          const grown = new Uint8Array(offset + bytes.length);
          grown.set(target);
          target = grown;
          // A deleted blob is not brought back by a late write of a handle still open.
          if (blobs.has(name)) blobs.set(name, [target]);
        }
        target.set(bytes, offset);
      },
      async sync(): Promise<void> {},
      async close(): Promise<void> {},
    };
  }

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
