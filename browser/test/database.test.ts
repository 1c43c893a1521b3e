import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startHarness, type Harness } from './support/chromium-harness.js';

// openDatabase in a real Chromium: the engine in a Web Worker over IndexedDB, reached through /sdk/sextant.js.
describe('openDatabase (Chromium)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('db-scenarios.ts');
  }, 60_000);
  afterAll(async () => harness?.close());

  it('creates, upserts and queries, and finds the same data after a reload', async () => {
    const page = await harness.newPage();
    expect(await run(page, 'role', 'reload')).toBe('owner');
    expect(await run(page, 'createAndFill', 'reload', 'docs', 3000, 64)).toBe(3000);
    const before = await run<Array<{ id: number; group: string; score: number }>>(page, 'search', 'reload', 'docs', 42, 64);
    expect(before).toHaveLength(5);
    expect(before.every((p) => p.group === 'a')).toBe(true);
    for (let i = 1; i < before.length; i++) expect(before[i - 1]!.score).toBeGreaterThanOrEqual(before[i]!.score);

    await page.reload();
    await page.waitForFunction('window.scenariosReady === true');
    expect(await run(page, 'countPoints', 'reload', 'docs')).toBe(3000);
    expect(await run(page, 'search', 'reload', 'docs', 42, 64)).toEqual(before);
  });

  it('moves vectors and numeric payload arrays through the worker without loss', async () => {
    const page = await harness.newPage();
    await run(page, 'createAndFill', 'wire', 'vectors', 50, 384);
    expect(await run(page, 'roundTrip', 'wire', 'vectors', 7, 384)).toEqual({ isArray: true, vectorOk: true, tagsOk: true });
  });

  it("reports each call's engine time in the worker beside its round trip, without changing results", async () => {
    type Timed = {
      timings: Array<{ method: string; collection: string | undefined; workerMs: number; roundTripMs: number }>;
      seenBeforeResolve: number;
      sameResult: boolean;
      hits: number;
    };
    // 1. The owner tab, whose worker runs the engine; 2. a follower tab, whose calls the owner's worker times.
    const context = await harness.browser.newContext();
    const owner = await harness.newPage(context);
    await run(owner, 'createAndFill', 'timing', 'docs', 3000, 128);
    const follower = await harness.newPage(context);
    expect(await run(follower, 'role', 'timing')).toBe('follower');
    for (const page of [owner, follower]) {
      const out = await run<Timed>(page, 'timedSearch', 'timing', 'docs', 7, 128);
      expect(out.hits).toBe(10);
      expect(out.sameResult).toBe(true);
      expect(out.seenBeforeResolve).toBe(1);
      // Two calls made while subscribed, none after the unsubscribe.
      expect(out.timings.map((t) => [t.method, t.collection])).toEqual([
        ['query', 'docs'],
        ['count', 'docs'],
      ]);
      // The query scans 3000 vectors: measurable. A count may fall under the clock's resolution, so only >= 0.
      expect(out.timings[0]!.workerMs).toBeGreaterThan(0);
      for (const t of out.timings) {
        expect(t.workerMs).toBeGreaterThanOrEqual(0);
        expect(t.roundTripMs).toBeGreaterThanOrEqual(t.workerMs);
      }
    }
    await context.close();
  });

  it('rejects with SextantError carrying Qdrant status and code', async () => {
    const page = await harness.newPage();
    const out = await run<Record<string, any>>(page, 'errorsFromWorker', 'errors');
    expect(out.missing).toMatchObject({ isClass: true, name: 'SextantError', code: 'collection_not_found', status: 404 });
    expect(out.missing.message).toContain('does-not-exist');
    expect(out.exists).toMatchObject({ isClass: true, code: 'collection_exists', status: 409 });
    expect(out.dimension).toMatchObject({ isClass: true, status: 400 });
  });

  it('rejects clearly when the worker script cannot load', async () => {
    const page = await harness.newPage();
    const error = await run<any>(page, 'openWithBadWorker');
    expect(error).toMatchObject({ isClass: true, code: 'unavailable', status: 503 });
    expect(error.message).toContain('workerUrl');
  });

  it('shares one database between tabs and hands ownership over when the owner closes', async () => {
    const context = await harness.browser.newContext();
    // 1. Tab A opens first and owns the database; tab B forwards to it.
    const a = await harness.newPage(context);
    expect(await run(a, 'role', 'tabs')).toBe('owner');
    await run(a, 'createAndFill', 'tabs', 'notes', 10, 8);
    const b = await harness.newPage(context);
    expect(await run(b, 'role', 'tabs')).toBe('follower');

    // 2. Each tab sees the other's writes, and A is told about B's.
    await run(b, 'upsertOne', 'tabs', 'notes', 100, 'from-b');
    await run(a, 'upsertOne', 'tabs', 'notes', 101, 'from-a');
    const expected = [
      { id: 100, label: 'from-b' },
      { id: 101, label: 'from-a' },
    ];
    expect(await run(a, 'labels', 'tabs', 'notes', [100, 101])).toEqual(expected);
    expect(await run(b, 'labels', 'tabs', 'notes', [100, 101])).toEqual(expected);
    expect(await run<unknown[]>(a, 'seenChanges')).toContainEqual({ collection: 'notes', method: 'upsert' });

    // 3. Closing A's tab (its worker dies with it) hands the database to B, with every acknowledged write.
    await a.close();
    await expect.poll(() => run(b, 'role', 'tabs'), { timeout: 10_000 }).toBe('owner');
    await run(b, 'upsertOne', 'tabs', 'notes', 102, 'after-handover');
    expect(await run(b, 'countPoints', 'tabs', 'notes')).toBe(13);

    // 4. A graceful close hands over too: C joins as follower, B closes, C owns and reads everything.
    const c = await harness.newPage(context);
    expect(await run(c, 'role', 'tabs')).toBe('follower');
    await run(b, 'close', 'tabs');
    expect(await run(c, 'labels', 'tabs', 'notes', [100, 101, 102])).toEqual([
      ...expected,
      { id: 102, label: 'after-handover' },
    ]);
    expect(await run(c, 'role', 'tabs')).toBe('owner');
    await context.close();
  });

  it('completes a follower\'s writes that were in flight when the owner tab closed', async () => {
    const context = await harness.browser.newContext();
    const a = await harness.newPage(context);
    await run(a, 'ackedWrites', 'flight', 'c', 1, 32);
    const b = await harness.newPage(context);
    expect(await run(b, 'role', 'flight')).toBe('follower');
    // 1. B writes 40 batches through A; A's tab closes once some, not all, are acknowledged.
    const writing = run<number>(b, 'ackedWrites', 'flight', 'c', 40, 32);
    await b.waitForFunction('(window.progress ?? 0) >= 500');
    await a.close();
    const ackedBeforeClose = await b.evaluate('window.progress');
    expect(ackedBeforeClose).toBeLessThan(4000);
    // 2. Every batch is acknowledged (resent to B itself once it owns the database), and all of them are stored.
    expect(await writing).toBe(4000);
    expect(await run(b, 'role', 'flight')).toBe('owner');
    expect(await run(b, 'countPoints', 'flight', 'c')).toBe(4000);
    await context.close();
  });

  it('fails an upsert beyond the quota with storage_full and keeps the collection usable', async () => {
    const context = await harness.browser.newContext();
    const page = await harness.newPage(context);
    const cdp = await context.newCDPSession(page);
    // 1. Chromium enforces an override set before the origin stores anything: 8 MB holds 100 points, not 10,100
    //    (the op log keeps ~1.6 KB per 384-dimension point).
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: harness.origin, quotaSize: 8 * 1024 * 1024 });
    await run(page, 'createAndFill', 'quota', 'q', 100, 384);
    const { error } = await run<{ error: any }>(page, 'upsertBeyondQuota', 'quota', 'q', 10_000, 384);
    expect(error).toMatchObject({ isClass: true, code: 'storage_full', status: 507 });
    expect(error.message).toMatch(/quota/);
    // 2. Nothing of the failed upsert is visible, and small writes still fit.
    expect(await run(page, 'countPoints', 'quota', 'q')).toBe(100);
    await run(page, 'upsertOne', 'quota', 'q', 7, 'small', 384);
    // 3. After a reload the stored state is the acknowledged one.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: harness.origin });
    await page.reload();
    await page.waitForFunction('window.scenariosReady === true');
    expect(await run(page, 'countPoints', 'quota', 'q')).toBe(100);
    expect(await run(page, 'labels', 'quota', 'q', [7])).toEqual([{ id: 7, label: 'small' }]);
    await context.close();
  });

  it('works when the page imports /sdk/sextant.js from another origin', async () => {
    const page = await harness.newPage();
    const url = `${harness.otherOrigin}/sdk/sextant.js`;
    // The worker script is cross-origin too; the SDK starts it through a same-origin module shim.
    const result = await page.evaluate(`(async () => {
      const sx = await import(${JSON.stringify(url)});
      const db = await sx.openDatabase({ name: 'cross-origin' });
      await db.createCollection('c', { vectors: { size: 2, distance: 'Dot' } });
      await db.upsert('c', { wait: true, points: [{ id: 1, vector: [1, 0] }, { id: 2, vector: [0, 1] }] });
      const { points } = await db.query('c', { query: [0, 1], limit: 1 });
      let missing = null;
      try { await db.getCollection('none'); } catch (e) { missing = { isClass: e instanceof sx.SextantError, status: e.status }; }
      await db.close();
      return { top: points[0].id, missing, role: 'closed' };
    })()`);
    expect(result).toEqual({ top: 2, missing: { isClass: true, status: 404 }, role: 'closed' });
  });
});
