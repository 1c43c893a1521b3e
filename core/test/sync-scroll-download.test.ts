import { describe, expect, it } from 'vitest';
import { MemoryStorage, storageScrollDownloads } from '../src/index.js';

const page = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ id: from + i, vectors: { '': [from + i, 0.5] }, payload: { n: from + i } }));

/** Memory storage whose next `sync` fails once (a full disk), after the append it follows has landed. */
class FlakyStorage extends MemoryStorage {
  failNextSync = false;
  override async sync(): Promise<void> {
    if (this.failNextSync) {
      this.failNextSync = false;
      throw new Error('no space left on device');
    }
  }
}

describe('storageScrollDownloads', () => {
  it('gives back every page saved, with the last offset, across a new store object (a restart)', async () => {
    const storage = new MemoryStorage();
    const store = storageScrollDownloads(storage, 'docs');
    await store.begin('k1');
    await store.page(page(1, 3), 4, 10);
    await store.page(page(4, 2), 'uuid-next', 12);
    const loaded = await storageScrollDownloads(storage, 'docs').load();
    expect(loaded).toMatchObject({ key: 'k1', offset: 'uuid-next', resumedAt: 12 });
    expect(loaded!.pages.map((p) => p.map((q) => q.id))).toEqual([[1, 2, 3], [4, 5]]);
    expect(loaded!.pages[0]![1]).toEqual({ id: 2, vectors: { '': [2, 0.5] }, payload: { n: 2 } });
    await store.clear();
    expect(await storageScrollDownloads(storage, 'docs').load()).toBeUndefined();
  });

  it('keeps a page saved again after a failed save once, and drops a page stored without its head', async () => {
    const storage = new FlakyStorage();
    const store = storageScrollDownloads(storage, 'docs');
    await store.begin('k');
    await store.page(page(1, 2), 3, 1);
    // 1. The second page's save fails after its bytes landed; it is read again and saved again (with newer data).
    storage.failNextSync = true;
    await expect(store.page(page(3, 2), 5, 1)).rejects.toThrow('no space');
    await store.page([...page(3, 1), { id: 4, vectors: { '': [9, 9] }, payload: { n: 44 } }], 5, 1);
    await store.page(page(5, 1), 6, 1);
    // 2. A page whose head never got written (a crash between the two).
    storage.failNextSync = true;
    await expect(store.page(page(6, 1), 7, 1)).rejects.toThrow('no space');

    const again = storageScrollDownloads(storage, 'docs');
    const loaded = await again.load();
    expect(loaded!.offset).toBe(6);
    expect(loaded!.pages.map((p) => p.map((q) => q.id))).toEqual([[1, 2], [3, 4], [5]]);
    expect(loaded!.pages[1]![1]!.payload).toEqual({ n: 44 });
    // 3. The next page saved follows the counted ones.
    await again.page(page(6, 1), 7, 1);
    expect((await storageScrollDownloads(storage, 'docs').load())!.pages.map((p) => p.map((q) => q.id))).toEqual([[1, 2], [3, 4], [5], [6]]);
  });
});
