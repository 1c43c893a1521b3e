import { close, closeSync, constants, fdatasync, fstatSync, mkdirSync, openSync, readSync, write } from 'node:fs';
import { dirname } from 'node:path';
import type { RowFile } from '@sextant/core';

/**
 * Core's `RowFile` on one file descriptor: positional reads (`pread`, synchronous, served by the page cache once the
 * rows were read or written) and positional writes. Opened synchronously because a segment opens its row files
 * while it decodes; created empty (with its folder) when missing. Durability is `sync()` (fdatasync): the
 * segment's flush syncs the rows before the manifest that points at them is written.
 */
export class FileRowFile implements RowFile {
  private fd: number | undefined;
  private length: number;

  constructor(readonly path: string, private readonly onClose: () => void) {
    mkdirSync(dirname(path), { recursive: true });
    // Not 'a+': appending mode would send every positional write to the end.
    this.fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    this.length = fstatSync(this.fd).size;
  }

  get size(): number {
    return this.length;
  }

  readSync(offset: number, into: Uint8Array): number {
    let done = 0;
    // A short read happens only at the end of the file; loop for the rare partial read of a large range.
    while (done < into.length) {
      const n = readSync(this.handle(), into, done, into.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  write(offset: number, bytes: Uint8Array): Promise<void> {
    const fd = this.handle();
    return new Promise((resolve, reject) => {
      const step = (done: number) => {
        if (done >= bytes.length) {
          this.length = Math.max(this.length, offset + bytes.length);
          resolve();
          return;
        }
        write(fd, bytes, done, bytes.length - done, offset + done, (error, n) => (error ? reject(error) : step(done + n)));
      };
      step(0);
    });
  }

  sync(): Promise<void> {
    const fd = this.handle();
    return new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) return Promise.resolve();
    this.fd = undefined;
    this.onClose();
    return new Promise((resolve, reject) => close(fd, (error) => (error ? reject(error) : resolve())));
  }

  /** Closes at once (the storage closing or deleting the file under it). */
  closeNow(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error(`row file ${this.path} is closed`);
    return this.fd;
  }
}
