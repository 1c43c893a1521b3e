import { expect, test } from '../support/fixtures.js';

test('once loaded, the demo keeps working with the server stopped', async ({ demo, server, shot }) => {
  // 1. The offline page cache (a service worker) has stored the page, its data set and the SDK.
  await expect(demo.offlineCopy).toHaveText(/^ready/);
  await expect(demo.serverStatus).toHaveText(/^reachable/);

  // 2. Stop the server, the way Ctrl-C stops `npm start`, and load the page again.
  await server.stop();
  await demo.reload();
  await expect(demo.banner).toHaveText(/Loaded from this browser/);
  await expect(demo.serverStatus).toHaveText('unreachable');
  await expect(demo.localCount).toHaveText('3000 points');
  await shot(demo.page, 'server-stopped');

  // 3. Search, filters and writes still run, in the worker, over IndexedDB.
  const results = await demo.search('football match goal');
  expect(results).toHaveLength(10);
  expect(results.filter((r) => r.category === 'sports').length).toBeGreaterThanOrEqual(8);
  const filtered = await demo.setFilters({ category: 'sports', yearFrom: 2015 });
  expect(filtered.every((r) => r.category === 'sports' && r.year >= 2015)).toBe(true);
  const id = await demo.saveDocument({ title: 'Offline goal in extra time', text: 'The striker scored in extra time to win the cup final.', category: 'sports' });
  await expect(demo.localCount).toHaveText('3001 points');
  expect((await demo.search('striker scored cup final')).map((r) => r.id)).toContain(id);
  await shot(demo.page, 'offline-write');

  await expect(demo.syncPending).toHaveText('1');

  // 4. "Sync now" while the server is still down says why it cannot, and keeps the write queued.
  await demo.page.click('#sync-now');
  await expect(demo.page.locator('#sync-error')).toBeVisible();
  await expect(demo.syncPending).toHaveText('1');

  // 5. The server comes back: "Sync now" pushes at once instead of waiting out the retry backoff.
  await server.start();
  await demo.page.click('#sync-now');
  await expect(demo.syncPending).toHaveText('0');
  await expect(demo.syncState).toHaveText('synced');
  await expect(demo.serverStatus).toHaveText(/^reachable/);
  await expect(demo.page.locator('#sync-error')).toBeHidden();
  expect((await server.retrieve('demo-docs', [id]))[0]?.payload['title']).toBe('Offline goal in extra time');
  await expect(demo.serverCount).toHaveText('3001 points');
  await shot(demo.page, 'pushed-after-restart');
});
