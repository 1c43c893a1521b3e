import { defineConfig } from '@playwright/test';

/**
 * The end-to-end suite: the built server (started by the `server` fixture in support/fixtures.ts, on free ports
 * over a fresh temporary folder, so it can also be stopped and restarted mid-test) and the demo in Debian's
 * Chromium. Playwright cannot download its own browser here; CI installs `chromium` with apt.
 *
 * One worker: the machine has two cores, and Chromium plus the server already use both.
 */
export default defineConfig({
  testDir: './tests',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env['CI'],
  outputDir: './test-results',
  reporter: [['list'], ['html', { open: 'never', outputFolder: './playwright-report' }]],
  use: {
    viewport: { width: 1280, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    serviceWorkers: 'allow',
    launchOptions: {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
