// Drives the demo page in Debian's Chromium against a running Sextant server and saves a screenshot per step.
// A quick manual check until the Playwright suite (issue 7) lands; it exits non-zero when a step does not behave.
//   node e2e/scripts/demo-check.mjs [http://127.0.0.1:6333/demo/] [out-dir]
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const base = process.argv[2] ?? 'http://127.0.0.1:6333/demo/';
const out = process.argv[3] ?? 'demo-check-screenshots';
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => check(false, `page error: ${e.message}`));
  const ready = () =>
    page.waitForFunction(() => /run locally|could not start/.test(document.getElementById('banner')?.textContent ?? ''), null, { timeout: 120_000 });

  // 1. First visit: the shipped data set goes into the browser database.
  const started = Date.now();
  await page.goto(base);
  await ready();
  const banner = await page.textContent('#banner');
  check(/run locally/.test(banner ?? ''), `first load: "${banner}" after ${Date.now() - started} ms`);
  await page.screenshot({ path: join(out, '1-first-load.png') });

  // 2. Search as you type, with an unfinished last word.
  await page.fill('#q', 'bread and butter reci');
  await page.waitForFunction(() => /nearest/.test(document.getElementById('search-stats')?.textContent ?? ''));
  const cats = await page.$$eval('#results .meta .tag', (els) => els.map((e) => e.textContent));
  check(cats.filter((c) => c === 'cooking').length >= 8, `"bread and butter reci" finds cooking: ${cats.join(',')}`);
  console.log('     ', await page.textContent('#search-stats'));
  await page.screenshot({ path: join(out, '2-search.png') });

  // 3. Filters: category and a year range must hold for every result.
  await page.fill('#q', 'ancient kings');
  await page.selectOption('#category', 'history');
  await page.fill('#year-from', '2020');
  await page.waitForTimeout(400);
  const years = await page.$$eval('#results .meta span:nth-child(2)', (els) => els.map((e) => Number(e.textContent)));
  const hist = await page.$$eval('#results .meta .tag', (els) => els.map((e) => e.textContent));
  check(years.length > 0 && years.every((y) => y >= 2020) && hist.every((c) => c === 'history'), `filters hold: ${hist.join(',')} / ${years.join(',')}`);
  await page.screenshot({ path: join(out, '3-filtered.png') });

  // 4. Add a document; a second tab of the same origin sees it without a reload.
  const second = await context.newPage();
  await second.goto(base);
  await second.waitForFunction(() => /run locally/.test(document.getElementById('banner')?.textContent ?? ''), null, { timeout: 120_000 });
  await second.check('#only-mine');
  await second.fill('#q', 'galaxy');
  await page.fill('#doc-title', 'A quasar outshines its galaxy');
  await page.fill('#doc-text', 'The quasar at the centre is powered by a supermassive black hole.');
  await page.selectOption('#doc-category', 'astronomy');
  await page.click('#doc-form button[type=submit]');
  await page.waitForFunction(() => /Saved/.test(document.getElementById('doc-status')?.textContent ?? ''));
  check(true, `added: ${await page.textContent('#doc-status')}`);
  const seen = await second
    .waitForFunction(() => /quasar outshines/.test(document.getElementById('results')?.textContent ?? ''), null, { timeout: 10_000 })
    .then(() => true, () => false);
  check(seen, 'the second tab shows the new document without a reload');
  await second.screenshot({ path: join(out, '4-second-tab.png') });

  // 5. Edit it from the first tab.
  await page.fill('#year-from', '');
  await page.selectOption('#category', '');
  await page.check('#only-mine');
  await page.fill('#q', 'galaxy');
  await page.waitForFunction(() => /quasar outshines/.test(document.getElementById('results')?.textContent ?? ''));
  await page.click('#results li:first-child button.link:not(.danger)');
  await page.fill('#doc-title', 'A quasar outshines its whole galaxy');
  await page.click('#doc-form button[type=submit]');
  await page.waitForFunction(() => /whole galaxy/.test(document.getElementById('results')?.textContent ?? ''));
  const mine = await page.$$eval('#results li', (els) => els.length);
  check(mine === 1, `editing keeps one document (found ${mine})`);
  await page.screenshot({ path: join(out, '5-edited.png') });

  // 6. Reload: the data is in IndexedDB, not loaded again.
  await page.reload();
  await ready();
  const again = await page.textContent('#banner');
  check(/Loaded from this browser/.test(again ?? ''), `reload: "${again}"`);
} finally {
  await browser.close();
}
console.log(failures.length === 0 ? 'demo check passed' : `demo check: ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
