import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SextantError } from '@sextant/core';
import { FileStorage } from '../src/storage/file-storage.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

describe('FileStorage', () => {
  let root: string;
  let storage: FileStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sextant-files-'));
    storage = new FileStorage(root);
  });
  afterEach(async () => {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reads back what it wrote, and undefined for a missing blob', async () => {
    await storage.write('collections/a/meta', bytes('one'));
    await storage.write('collections/a/meta', bytes('two'));
    expect(text(await storage.read('collections/a/meta'))).toBe('two');
    expect(await storage.read('collections/a/none')).toBeUndefined();
  });

  it('appends in order and survives a reopen after sync', async () => {
    await storage.append('wal', bytes('a'));
    await storage.append('wal', bytes('b'));
    await storage.sync();
    await storage.append('wal', bytes('c'));
    await storage.close();
    const again = new FileStorage(root);
    expect(text(await again.read('wal'))).toBe('abc');
    await again.append('wal', bytes('d'));
    expect(text(await again.read('wal'))).toBe('abcd');
    await again.close();
  });

  it('lists a prefix that ends inside a name or a folder, from that folder only', async () => {
    for (const name of ['c/a', 'c/ab/x', 'c/ab/y/z', 'c/b/y', 'd/a', 'top']) await storage.write(name, bytes(name));
    expect(await storage.list('c/a')).toEqual(['c/a', 'c/ab/x', 'c/ab/y/z']);
    expect(await storage.list('c/ab/')).toEqual(['c/ab/x', 'c/ab/y/z']);
    expect(await storage.list('c/')).toEqual(['c/a', 'c/ab/x', 'c/ab/y/z', 'c/b/y']);
    expect(await storage.list('t')).toEqual(['top']);
    expect(await storage.list('')).toEqual(['c/a', 'c/ab/x', 'c/ab/y/z', 'c/b/y', 'd/a', 'top']);
    expect(await storage.list('none/')).toEqual([]);
    expect(await storage.list('c/../d/')).toEqual([]);
  });

  it('lists by prefix, without temporary files, and deletes', async () => {
    await storage.write('c/x/1', bytes('1'));
    await storage.write('c/x/2', bytes('2'));
    await storage.write('c/y/1', bytes('3'));
    expect(await storage.list('c/x/')).toEqual(['c/x/1', 'c/x/2']);
    await storage.delete('c/x/1');
    expect(await storage.list('c/')).toEqual(['c/x/2', 'c/y/1']);
    expect((await readdir(join(root, 'c', 'x'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('shares one round of fsyncs among concurrent syncs and loses no append', async () => {
    const writers = Array.from({ length: 20 }, (_, i) => storage.append('log', bytes(`${i},`)).then(() => storage.sync()));
    await Promise.all(writers);
    const parts = text(await storage.read('log'))!.split(',').filter(Boolean).map(Number);
    expect(parts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('refuses names that would leave its folder', async () => {
    for (const name of ['../escape', 'a/../../b', '', 'a//b', '/abs']) {
      await expect(storage.write(name, bytes('x'))).rejects.toBeInstanceOf(SextantError);
    }
  });
});
