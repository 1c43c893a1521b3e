import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from '@playwright/test';

const SDK_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'browser', 'dist', 'sdk');

/**
 * The test page (`/sync-app/`) and the built SDK (`/sdk/`, the same files the server serves) come from Playwright,
 * never the network, at the server's own origin: they load even while the Sextant server is stopped, so a reload
 * with the server down tests the replica's IndexedDB, not an offline cache. (Another origin would need the server's
 * CORS and Chromium's private network access rules to agree; same-origin keeps this test about sync.)
 */

/**
 * The app under test: opens database `db`, calls `db.sync(collection, { url })` and publishes the handle's last
 * status (and every snapshot download progress it reported) and the database on `window.app` for the test to drive, the way an app's code would use them.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>sync test page</title>
<script type="module">
  import { openDatabase } from '/sdk/sextant.js';
  const params = new URLSearchParams(location.search);
  const collection = params.get('collection');
  const db = await openDatabase({ name: params.get('db') ?? 'sync-e2e' });
  const handle = await db.sync(collection, { url: params.get('server'), live: true });
  const app = { db, handle, collection, status: null, statuses: [], progress: [] };
  handle.onStatus((status) => {
    app.status = status;
    app.statuses.push(status.state);
  });
  handle.onProgress((progress) => app.progress.push(progress));
  window.app = app;
</script>
`;

/** Serves the test page and the SDK at `serverUrl` for every page (and worker) of `context`. */
export async function routeSyncTestPage(context: BrowserContext, serverUrl: string): Promise<void> {
  await context.route(new RegExp(`^${serverUrl.replace(/[.]/g, '\\.')}/(sync-app|sdk)/`), async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/sync-app/') {
      await route.fulfill({ status: 200, contentType: 'text/html', body: PAGE });
      return;
    }
    const file = /^\/sdk\/([\w.-]+\.js)$/.exec(path)?.[1];
    if (file === undefined) {
      await route.fulfill({ status: 404, body: 'not found' });
      return;
    }
    await route.fulfill({ status: 200, contentType: 'text/javascript', body: readFileSync(join(SDK_DIR, file)) });
  });
}

/** The page's URL for syncing `collection` from the server at `serverUrl`. */
export function syncTestPageUrl(serverUrl: string, collection: string): string {
  const query = new URLSearchParams({ server: serverUrl, collection });
  return `${serverUrl}/sync-app/?${query.toString()}`;
}
