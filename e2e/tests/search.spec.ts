import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '../support/fixtures.js';

/** Where `npm run readme-screenshot -w e2e` puts the picture the README shows. */
const README_SHOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'screenshots', 'demo.png');

test('first load seeds the server, syncs the collection into the browser and lists it', async ({ demo, server, shot }) => {
  // 1. The server started empty; the page uploaded the shipped documents to it, then downloaded them by sync.
  await expect(demo.banner).toHaveText(/^Synced 3000 documents from the server into this browser/);
  const onServer = await server.syncStatus('demo-docs');
  expect(onServer.points).toBe(3000);
  await expect(demo.localCount).toHaveText('3000 points');
  await expect(demo.page.locator('#collection-name')).toHaveText('demo-docs');
  await expect(demo.page.locator('#embedder')).toHaveText(/GloVe/);
  await expect(demo.page.locator('#worker-role')).toHaveText('owner');

  // 2. Both ends agree: the browser's checkpoint is the server's last op, nothing is pending.
  await expect(demo.syncState).toHaveText('synced');
  await expect(demo.syncCheckpoint).toHaveText(`server op ${onServer.seq}`);
  await expect(demo.syncPending).toHaveText('0');
  await expect(demo.serverCount).toHaveText('3000 points');
  await expect(demo.serverLastOp).toHaveText(`op ${onServer.seq}`);

  // No query yet: the page lists documents (unranked, so no score) and says how to rank them.
  const listed = await demo.settled();
  expect(listed).toHaveLength(10);
  for (const row of listed) {
    expect(row.title).not.toBe('');
    expect(row.score).toBeNaN();
  }
  await expect(demo.stats).toHaveText(/^10 listed \(type to rank by meaning\)/);
  await shot(demo.page, 'first-load');
});

test('typing ranks documents by meaning, with scores, as you type', async ({ demo, shot }) => {
  // 1. An unfinished last word still counts: "reci" is completed to a vocabulary word.
  const results = await demo.search('bread and butter reci');
  expect(results).toHaveLength(10);
  // The engine's own time in the worker, with the page's round trip beside it, which can never be shorter.
  const timed = /^10 nearest · search: (< 0\.1|\d+\.\d) ms in the worker \((< 0\.1|\d+\.\d) ms round trip\)$/;
  await expect(demo.stats).toHaveText(timed);
  const [, worker, roundTrip] = timed.exec((await demo.stats.textContent()) ?? '')!;
  const value = (shown: string) => (shown === '< 0.1' ? 0 : Number(shown));
  expect(value(worker!)).toBeLessThanOrEqual(value(roundTrip!));
  await expect(demo.page.locator('#understood')).toHaveText('embedded from: bread and butter recipe');
  const cooking = results.filter((r) => r.category === 'cooking').length;
  expect(cooking, `categories: ${results.map((r) => r.category).join(',')}`).toBeGreaterThanOrEqual(8);

  // 2. Cosine scores: similarities in [-1, 1], best first.
  for (const r of results) expect(r.score).toBeGreaterThan(-1), expect(r.score).toBeLessThanOrEqual(1);
  const scores = results.map((r) => r.score);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  await shot(demo.page, 'search-cooking');

  // 3. Another topic ranks other documents first: the ranking follows the words, not a fixed order.
  const stars = await demo.search('telescope observes distant stars');
  expect(stars.filter((r) => r.category === 'astronomy').length).toBeGreaterThanOrEqual(8);
  expect(stars[0]!.id).not.toBe(results[0]!.id);
  await shot(demo.page, 'search-astronomy');

  if (process.env['SEXTANT_README_SCREENSHOT']) {
    mkdirSync(dirname(README_SHOT), { recursive: true });
    await demo.page.screenshot({ path: README_SHOT });
  }
});

test('filters narrow the results and every shown result satisfies them', async ({ demo, shot }) => {
  const unfiltered = await demo.search('ancient kings');
  expect(unfiltered.some((r) => r.year < 2020 || r.category !== 'history')).toBe(true);

  // 1. Category: a keyword match.
  const history = await demo.setFilters({ category: 'history' });
  expect(history.length).toBeGreaterThan(0);
  expect(history.every((r) => r.category === 'history')).toBe(true);
  await expect(demo.stats).toHaveText(/nearest, filtered/);

  // 2. A year range on top: both conditions hold for every row.
  const recent = await demo.setFilters({ yearFrom: 2020, yearTo: 2022 });
  expect(recent.length).toBeGreaterThan(0);
  for (const r of recent) {
    expect(r.category).toBe('history');
    expect(r.year).toBeGreaterThanOrEqual(2020);
    expect(r.year).toBeLessThanOrEqual(2022);
  }
  await shot(demo.page, 'filtered');

  // 3. Filters without a query list what they select.
  const listed = await demo.search('');
  expect(listed.length).toBeGreaterThan(0);
  expect(listed.every((r) => r.category === 'history' && r.year >= 2020 && r.year <= 2022)).toBe(true);

  // 4. Nothing was added in this browser yet: "only documents added here" selects nothing.
  expect(await demo.setFilters({ onlyMine: true })).toEqual([]);

  // 5. Clearing the filters brings the unfiltered ranking back.
  await demo.setFilters({ category: '', yearFrom: '', yearTo: '', onlyMine: false });
  expect((await demo.search('ancient kings')).map((r) => r.id)).toEqual(unfiltered.map((r) => r.id));
});
