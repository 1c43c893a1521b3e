import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startHarness, type Harness } from './support/chromium-harness.js';

// IdbStorage in a real Chromium: core's Storage contract on IndexedDB, reloads, and quota failures.
describe('IdbStorage (Chromium)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('storage-scenarios.ts', { worker: false });
  }, 60_000);
  afterAll(async () => harness?.close());

  it('reads, writes, appends, lists and deletes named blobs', async () => {
    const page = await harness.newPage();
    const result = await run<any>(page, 'basics', 'basics');
    expect(result.afterWrites).toEqual({
      config: '{"v":2}',
      wal: 'one,two,three',
      empty: 0,
      missing: null,
      listC: ['c/a/config', 'c/a/wal', 'c/b/empty'],
      listAll: ['c/a/config', 'c/a/wal', 'c/b/empty', 'other'],
    });
    expect(result.rewritten).toBe('fresh|next');
    expect(result.afterDelete).toEqual({ config: null, listC: ['c/a/wal', 'c/b/empty'] });
  });

  it('applies un-awaited appends and writes in call order', async () => {
    const page = await harness.newPage();
    const log = await run<string>(page, 'concurrentAppends', 'order', 200);
    const tail = Array.from({ length: 100 }, (_, i) => `${100 + i};`).join('');
    expect(log).toBe(`W${tail}`);
  });

  it('stores only the bytes of a view and copies them at call time', async () => {
    const page = await harness.newPage();
    expect(await run(page, 'viewsAndReuse', 'views')).toEqual({ view: '345', reuse: 'aaaa' });
  });

  it('splits a blob larger than one record and reads it back whole', async () => {
    const page = await harness.newPage();
    const result = await run<any>(page, 'largeBlob', 'large', 33 * 1024 * 1024 + 17);
    expect(result.length).toBe(33 * 1024 * 1024 + 17 + 1000);
    expect(result.length).toBeGreaterThan(result.chunkBytes);
    expect(result.ok).toBe(true);
  });

  it('keeps synced data across a page reload', async () => {
    const page = await harness.newPage();
    expect(await run(page, 'writeAndSync', 'reload')).toBe('synced');
    await page.reload();
    await page.waitForFunction('window.scenariosReady === true');
    expect(await run(page, 'readAfterReload', 'reload')).toEqual({
      segmentOk: true,
      wal: 'ab',
      walAfter: 'abc',
      names: ['segment', 'wal'],
    });
  });

  it('fails a write beyond the quota with storage_full and keeps the data intact', async () => {
    const context = await harness.browser.newContext();
    const page = await harness.newPage(context);
    const cdp = await context.newCDPSession(page);
    // 1. Shrink this origin's quota to a few MB, real enforcement by Chromium's quota manager.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: harness.origin, quotaSize: 4 * 1024 * 1024 });
    const result = await run<any>(page, 'quotaFailure', 'quota', 16 * 1024 * 1024);
    expect(result.error).toMatchObject({ name: 'SextantError', code: 'storage_full', status: 507, isClass: true });
    expect(result.error.message).toMatch(/quota/i);
    expect(result.appendError).toBe('storage_full');
    expect(result.keep).toBe('before');
    // 2. Lift the override: the same database keeps working, and the failed append left no hole in the order.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: harness.origin });
    expect(await run(page, 'afterQuota', 'quota')).toEqual({ keep: 'before', log: '1;2;' });
  });

  it('rolls a failed write back whole', async () => {
    const page = await harness.newPage();
    const result = await run<{ code: string | null; after: string | null }>(page, 'failedWriteKeepsOld', 'rollback');
    expect(result).toEqual({ code: 'internal', after: 'old', copies: 2 });
  });

  it('destroys a database', async () => {
    const page = await harness.newPage();
    await run(page, 'basics', 'gone');
    expect(await run(page, 'destroy', 'gone')).toEqual([]);
  });
});
