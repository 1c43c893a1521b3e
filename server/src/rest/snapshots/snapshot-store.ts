import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where snapshot files live. A scope is a folder-like key: `<collection>` for collection snapshots, `<collection>/
 * shards/<id>` for shard snapshots and `` (empty) for full snapshots, as in Qdrant's `snapshots/` directory.
 */
export interface SnapshotStore {
  put(scope: string, name: string, bytes: Uint8Array): Promise<void>;
  get(scope: string, name: string): Promise<Uint8Array | undefined>;
  /** Snapshot files of the scope (not of nested scopes), with their sizes and modification times. */
  list(scope: string): Promise<Array<{ name: string; size: number; modified: Date }>>;
  delete(scope: string, name: string): Promise<boolean>;
}

export class MemorySnapshotStore implements SnapshotStore {
  private readonly files = new Map<string, { bytes: Uint8Array; modified: Date }>();

  async put(scope: string, name: string, bytes: Uint8Array): Promise<void> {
    this.files.set(`${scope}\0${name}`, { bytes, modified: new Date() });
  }

  async get(scope: string, name: string): Promise<Uint8Array | undefined> {
    return this.files.get(`${scope}\0${name}`)?.bytes;
  }

  async list(scope: string): Promise<Array<{ name: string; size: number; modified: Date }>> {
    const out = [];
    for (const [key, file] of this.files) {
      const [fileScope, name] = key.split('\0') as [string, string];
      if (fileScope === scope) out.push({ name, size: file.bytes.byteLength, modified: file.modified });
    }
    return out;
  }

  async delete(scope: string, name: string): Promise<boolean> {
    return this.files.delete(`${scope}\0${name}`);
  }
}

/** Snapshot files on disk; a file is written to a temporary name and renamed, so a listed snapshot is whole. */
export class DirectorySnapshotStore implements SnapshotStore {
  constructor(private readonly root: string) {}

  async put(scope: string, name: string, bytes: Uint8Array): Promise<void> {
    const dir = join(this.root, scope);
    await mkdir(dir, { recursive: true });
    const temporary = join(dir, `.${name}.partial`);
    await writeFile(temporary, bytes);
    await rename(temporary, join(dir, name));
  }

  async get(scope: string, name: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(join(this.root, scope, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(scope: string): Promise<Array<{ name: string; size: number; modified: Date }>> {
    let entries;
    try {
      entries = await readdir(join(this.root, scope), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out = [];
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.endsWith('.snapshot')) continue;
      let info;
      try {
        info = await stat(join(this.root, scope, entry.name));
      } catch (error) {
        // Deleted between readdir and stat (a delete with wait=false runs in the background): not listed.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      out.push({ name: entry.name, size: info.size, modified: info.mtime });
    }
    return out;
  }

  async delete(scope: string, name: string): Promise<boolean> {
    const path = join(this.root, scope, name);
    try {
      await stat(path);
    } catch {
      return false;
    }
    await rm(path);
    return true;
  }
}
