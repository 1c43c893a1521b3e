import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { DemoPage } from './demo-page.js';
import { SextantServer } from './sextant-server.js';

export { expect };

interface WorkerFixtures {
  /** One real server per Playwright worker (the suite runs one worker), shared by that worker's tests. */
  server: SextantServer;
}

interface TestFixtures {
  /** The demo in a fresh browser context (empty IndexedDB, no service worker yet), loaded and ready. */
  demo: DemoPage;
  /** Opens another tab of the same context (same origin: same IndexedDB, same service worker). */
  openTab: () => Promise<DemoPage>;
  /** Saves a screenshot of `page` as a test artifact, numbered in the order taken. */
  shot: (page: Page, name: string) => Promise<void>;
  serverUp: void;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: [
    async ({}, use) => {
      SextantServer.assertBuilt();
      const server = new SextantServer();
      await server.start();
      await use(server);
      await server.dispose();
    },
    { scope: 'worker' },
  ],

  // A test that stops the server and then fails must not take the following tests down with it.
  serverUp: [
    async ({ server }, use) => {
      await server.start();
      await use();
    },
    { auto: true },
  ],

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
