import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startHarness, type Harness } from './support/chromium-harness.js';

// On plain http from a LAN-style host name the page is not a secure context: no Web Locks, no randomUUID, no
// navigator.storage. The database must still work, and a second tab must follow the first instead of opening a
// second writer on the same IndexedDB database.
describe('openDatabase in an insecure context (Chromium)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('db-scenarios.ts', { host: 'sextant.test' });
  }, 60_000);
  afterAll(async () => harness?.close());

  it('works without Web Locks, with one writer for two tabs and a handover on close', async () => {
    const context = await harness.browser.newContext();
    const a = await harness.newPage(context);
    expect(await run(a, 'contextInfo')).toEqual({ secure: false, locks: false });
    expect(await run(a, 'role', 'plain')).toBe('owner');
    await run(a, 'createAndFill', 'plain', 'notes', 10, 8);
    const b = await harness.newPage(context);
    expect(await run(b, 'role', 'plain')).toBe('follower');
    await run(b, 'upsertOne', 'plain', 'notes', 50, 'from-b');
    expect(await run(a, 'labels', 'plain', 'notes', [50])).toEqual([{ id: 50, label: 'from-b' }]);
    expect(await run(b, 'storageInfo', 'plain')).toEqual({ usage: 0, quota: 0, persisted: false });
    // A graceful close says goodbye, and the follower takes the database over.
    await run(a, 'close', 'plain');
    await expect.poll(() => run(b, 'role', 'plain'), { timeout: 10_000 }).toBe('owner');
    expect(await run(b, 'labels', 'plain', 'notes', [50])).toEqual([{ id: 50, label: 'from-b' }]);
    expect(await run(b, 'countPoints', 'plain', 'notes')).toBe(11);
    await context.close();
  });
});
