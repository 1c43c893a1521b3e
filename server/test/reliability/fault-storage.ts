import { SextantError, type Storage } from '@sextant/core';

/**
 * A `Storage` over a real one that runs out of space after `budget` more bytes, as a small disk would: the write that
 * crosses the limit lands partly (an append leaves a torn record behind, as `write(2)` does on ENOSPC) and then fails
 * with the error FileStorage gives for ENOSPC. Raising the budget is freeing disk space.
 */
export class FullDiskStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    public budget = Number.POSITIVE_INFINITY,
  ) {}

  read(name: string): Promise<Uint8Array | undefined> {
    return this.inner.read(name);
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    // An atomic write that does not fit leaves nothing behind (FileStorage removes its temp file).
    if (bytes.length > this.budget) throw full(name);
    this.budget -= bytes.length;
    await this.inner.write(name, bytes);
  }

  async append(name: string, bytes: Uint8Array): Promise<void> {
    const fits = Math.max(0, Math.min(bytes.length, Math.floor(this.budget)));
    if (fits < bytes.length) {
      if (fits > 0) await this.inner.append(name, bytes.subarray(0, fits));
      this.budget = 0;
      throw full(name);
    }
    this.budget -= bytes.length;
    await this.inner.append(name, bytes);
  }

  delete(name: string): Promise<void> {
    return this.inner.delete(name);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  sync(): Promise<void> {
    return this.inner.sync();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function full(name: string): SextantError {
  return new SextantError('storage_full', `Service internal error: No space left on device while writing ${name}`);
}

/** Flips one byte (xor 0x5a) at `at` of a file's bytes, counted from the end when negative. */
export function flipByte(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  const index = at < 0 ? out.length + at : at;
  out[index] = out[index]! ^ 0x5a;
  return out;
}
