import { expect, test } from '../support/fixtures.js';

test('adding and editing a document: searchable at once, live in a second tab, kept across a reload', async ({ demo, openTab, shot }) => {
  // 1. A second tab of the same origin, watching the documents added here.
  const second = await openTab();
  await expect(second.banner).toHaveText(/Loaded from this browser/);
  await expect(second.page.locator('#worker-role')).toHaveText('follower');
  await second.setFilters({ onlyMine: true });
  expect(await second.search('penguins')).toEqual([]);

  // 2. Add a document in the first tab; its vector is embedded on the page.
  // Words the embedder knows (it reports and ignores unknown ones), in a mix no shipped document has.
  const id = await demo.saveDocument({
    title: 'Penguins play chess on a glacier',
    text: 'A colony of penguins gathers on the glacier every winter to play chess.',
    category: 'travel',
    year: 2024,
  });
  expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await expect(demo.localCount).toHaveText('3001 points');

  // 3. It is found by meaning right away, with a score, marked as added here.
  const found = await demo.search('penguins playing chess');
  const mine = found.find((r) => r.id === id);
  expect(mine, `results: ${found.map((r) => r.title).join(' | ')}`).toBeDefined();
  expect(mine!.addedHere).toBe(true);
  expect(mine!.score).toBeGreaterThan(0.5);
  await shot(demo.page, 'added');

  // 4. The second tab shows it without a reload (the database tells every tab about writes).
  await expect(second.rows.locator('h3')).toHaveText(['Penguins play chess on a glacier']);
  await expect(second.localCount).toHaveText('3001 points');
  await shot(second.page, 'second-tab-sees-add');

  // 5. Edit it in the first tab: same id, new title; still one document, in both tabs.
  await demo.setFilters({ onlyMine: true });
  await demo.search('penguins');
  await demo.edit('Penguins play chess on a glacier');
  expect(await demo.saveDocument({ title: 'Penguins play chess on a frozen glacier' })).toBe(id);
  await expect(demo.rows.locator('h3')).toHaveText(['Penguins play chess on a frozen glacier']);
  await expect(second.rows.locator('h3')).toHaveText(['Penguins play chess on a frozen glacier']);
  await expect(demo.localCount).toHaveText('3001 points');
  await shot(demo.page, 'edited');

  // 6. Reload: the documents come from IndexedDB, the shipped set is not loaded again, the edit is there.
  await demo.reload();
  await expect(demo.banner).toHaveText(/Loaded from this browser/);
  await expect(demo.localCount).toHaveText('3001 points');
  await demo.setFilters({ onlyMine: true });
  const kept = await demo.search('penguins');
  expect(kept.map((r) => [r.id, r.title])).toEqual([[id, 'Penguins play chess on a frozen glacier']]);
  await shot(demo.page, 'after-reload');
});

test('deleting a document removes it from search, from the count and from the other tab', async ({ demo, openTab }) => {
  const second = await openTab();
  const ranked = await demo.search('volcano eruption lava');
  const victim = ranked[0]!;
  await second.search('volcano eruption lava');
  await expect(second.rows.first().locator('.id')).toHaveText(`id ${victim.id}`);

  await demo.remove(victim.title);
  await expect(demo.localCount).toHaveText('2999 points');
  await expect(demo.rows.locator('.id')).not.toContainText([`id ${victim.id}`]);
  await expect(second.rows.first().locator('.id')).not.toHaveText(`id ${victim.id}`);
  await expect(second.localCount).toHaveText('2999 points');

  // A later visit must not bring the shipped document back: the first load happened once.
  await demo.reload();
  await expect(demo.localCount).toHaveText('2999 points');
  expect((await demo.search('volcano eruption lava')).map((r) => r.id)).not.toContain(victim.id);
});
