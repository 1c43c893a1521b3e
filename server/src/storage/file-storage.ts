import { mkdir, open, readFile, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { SextantError, type RowFile, type Storage } from '@sextant/core';
import { FileRowFile } from './file-row-file.js';

const TMP_MARK = '.tmp-';

/**
 * Core's `Storage` on files: one file per blob name under `root`, with `/` in names as sub-folders.
 *
 * Durability contract (see core's Storage): `write` is atomic (temp file, fsync, rename, fsync of the folder);
 * `append` writes through a kept-open handle and becomes durable at the next `sync()`. Concurrent `sync()` calls
 * share one round of fsyncs (group commit), so many writers acknowledged with `wait=true` cost one disk flush.
 */
export class FileStorage implements Storage {
  private readonly appendHandles = new Map<string, FileHandle>();
  private readonly rowFiles = new Map<string, Set<FileRowFile>>();
  private readonly dirtyFiles = new Set<string>();
  private readonly dirtyDirs = new Set<string>();
  private syncing: Promise<void> | undefined;
  private syncQueued: Promise<void> | undefined;
  private tmpCounter = 0;

  constructor(readonly root: string) {}

  async read(name: string): Promise<Uint8Array | undefined> {
    try {
      const bytes = await readFile(this.pathOf(name));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw storageError(error, name);
    }
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    const path = this.pathOf(name);
    const tmp = `${path}${TMP_MARK}${process.pid}-${this.tmpCounter++}`;
    await this.ensureDir(dirname(path));
    await this.closeAppendHandle(name);
    let handle: FileHandle | undefined;
    try {
      handle = await open(tmp, 'w');
      await handle.writeFile(bytes);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(tmp, path);
      await this.syncDir(dirname(path));
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await rm(tmp, { force: true }).catch(() => undefined);
      throw storageError(error, name);
    }
  }

  async append(name: string, bytes: Uint8Array): Promise<void> {
    try {
      let handle = this.appendHandles.get(name);
      if (!handle) {
        const path = this.pathOf(name);
        await this.ensureDir(dirname(path));
        handle = await open(path, 'a');
        this.appendHandles.set(name, handle);
        this.dirtyDirs.add(dirname(path));
      }
      await handle.write(bytes);
      this.dirtyFiles.add(name);
    } catch (error) {
      throw storageError(error, name);
    }
  }

  /** Positional reads and writes on one file (see core's RowFile); a `delete` of the name closes it. */
  openRowFile(name: string): RowFile {
    const path = this.pathOf(name);
    const open = this.rowFiles.get(name) ?? new Set<FileRowFile>();
    this.rowFiles.set(name, open);
    const file = new FileRowFile(path, () => open.delete(file));
    open.add(file);
    this.dirtyDirs.add(dirname(path));
    return file;
  }

  async delete(name: string): Promise<void> {
    await this.closeAppendHandle(name);
    for (const file of this.rowFiles.get(name) ?? []) file.closeNow();
    this.rowFiles.delete(name);
    const path = this.pathOf(name);
    await rm(path, { force: true });
    this.dirtyDirs.add(dirname(path));
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    // Walk only the folder the prefix names (a flush lists one collection's blobs, not every file under the root).
    const folder = prefix.slice(0, Math.max(0, prefix.lastIndexOf('/'))).split('/').filter((part) => part !== '');
    const safe = folder.every((part) => part !== '.' && part !== '..' && !part.includes('\0'));
    await this.walk(safe ? join(this.root, ...folder) : this.root, names);
    return names.filter((name) => name.startsWith(prefix)).sort();
  }

  /** Group commit: a call made while a round runs waits for the next round, which covers its writes. */
  sync(): Promise<void> {
    if (!this.syncing) {
      this.syncing = this.syncRound().finally(() => (this.syncing = undefined));
      return this.syncing;
    }
    this.syncQueued ??= this.syncing.then(() => {
      this.syncQueued = undefined;
      return this.sync();
    });
    return this.syncQueued;
  }

  async close(): Promise<void> {
    await this.sync();
    for (const name of [...this.appendHandles.keys()]) await this.closeAppendHandle(name);
    for (const files of this.rowFiles.values()) for (const file of files) file.closeNow();
    this.rowFiles.clear();
  }

  private async syncRound(): Promise<void> {
    const files = [...this.dirtyFiles];
    const dirs = [...this.dirtyDirs];
    this.dirtyFiles.clear();
    this.dirtyDirs.clear();
    try {
      await Promise.all(files.map((name) => this.appendHandles.get(name)?.datasync()));
      await Promise.all(dirs.map((dir) => this.syncDir(dir)));
    } catch (error) {
      for (const name of files) this.dirtyFiles.add(name);
      for (const dir of dirs) this.dirtyDirs.add(dir);
      throw storageError(error, files[0] ?? '');
    }
  }

  private async closeAppendHandle(name: string): Promise<void> {
    const handle = this.appendHandles.get(name);
    if (!handle) return;
    this.appendHandles.delete(name);
    if (this.dirtyFiles.delete(name)) await handle.datasync();
    await handle.close();
  }

  private async ensureDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
  }

  private async syncDir(dir: string): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(dir, 'r');
      await handle.sync();
    } catch (error) {
      if (!isCode(error, 'ENOENT') && !isCode(error, 'EISDIR') && !isCode(error, 'EINVAL')) throw error;
    } finally {
      await handle?.close();
    }
  }

  private async walk(dir: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await this.walk(path, out);
      else if (entry.isFile() && !entry.name.includes(TMP_MARK)) out.push(relative(this.root, path).split(sep).join('/'));
    }
  }

  /** Names come from the engine, but a collection name comes from a user: never let one escape the root. */
  private pathOf(name: string): string {
    const parts = name.split('/');
    if (name.length === 0 || parts.some((part) => part === '' || part === '.' || part === '..' || part.includes('\0'))) {
      throw new SextantError('bad_request', `Bad request: invalid storage name "${name}"`);
    }
    return join(this.root, ...parts);
  }
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function storageError(error: unknown, name: string): Error {
  if (error instanceof SextantError) return error;
  if (isCode(error, 'ENOSPC') || isCode(error, 'EDQUOT')) {
    return new SextantError('storage_full', `Service internal error: No space left on device while writing ${name}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
