import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { DemoPage } from './demo-page.js';
import { SextantServer } from './sextant-server.js';

export { expect };

interface TestFixtures {
  /**
   * A real server of its own for each test, over an empty storage folder: tests stop, restart and write to it, and
   * the demo seeds it, so sharing one would make each test depend on the ones before. Starting one takes well
   * under a second.
   */
  server: SextantServer;
  /** The demo in a fresh browser context (empty IndexedDB, no service worker yet), loaded and ready. */
  demo: DemoPage;
  /** Opens another tab of the same context (same origin: same IndexedDB, same service worker). */
  openTab: () => Promise<DemoPage>;
  /** Saves a screenshot of `page` as a test artifact, numbered in the order taken. */
  shot: (page: Page, name: string) => Promise<void>;
}

export const test = base.extend<TestFixtures>({
  server: async ({}, use) => {
    SextantServer.assertBuilt();
    const server = new SextantServer();
    await server.start();
    await use(server);
    await server.dispose();
  },

  shot: async ({}, use, testInfo) => {
    let n = 0;
    await use(async (page, name) => {
      n += 1;
      await attachScreenshot(page, testInfo, `${String(n).padStart(2, '0')}-${name}`);
    });
  },

  demo: async ({ page, server }, use) => {
    const demo = new DemoPage(page, server);
    await demo.open();
    await use(demo);
    demo.assertNoPageErrors();
  },

  openTab: async ({ context, server }, use) => {
    const tabs: DemoPage[] = [];
    await use(async () => {
      const tab = new DemoPage(await context.newPage(), server);
      tabs.push(tab);
      await tab.open();
      return tab;
    });
    for (const tab of tabs) tab.assertNoPageErrors();
  },
});

async function attachScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}
