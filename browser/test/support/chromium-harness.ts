import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
// @ts-expect-error -- a plain .mjs build script without declarations
import { buildSdk } from '../../scripts/build-sdk.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * A real Chromium on a page of a tiny local origin that serves the /sdk/ bundle exactly as the server will, plus the
 * test scenarios (`test/pages/*.ts`), bundled with `@sextant/browser` left as an import of `/sdk/sextant.js` so the
 * scenarios and the page share one copy of the SDK (one `SextantError` class for `instanceof`).
 */
export interface Harness {
  browser: Browser;
  origin: string;
  /** The same server under another origin (127.0.0.1 instead of localhost), to load the SDK cross-origin. */
  otherOrigin: string;
  /** A new page (in a new context unless `context` is given) with `window.scenarios` loaded. */
  newPage(context?: Awaited<ReturnType<Browser['newContext']>>): Promise<Page>;
  close(): Promise<void>;
}

export async function startHarness(
  scenarioFile: string,
  /**
   * `host`: the page's host name; anything but localhost/127.0.0.1 makes an insecure context (no Web Locks).
   * `headers`: sent with the page and every file (e.g. COOP/COEP, which make the page cross-origin isolated).
   */
  options: { worker?: boolean; host?: string; headers?: Record<string, string> } = {},
): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sextant-browser-test-'));
  const sdk = path.join(dir, 'sdk');
  await buildSdk(sdk, { minify: false, worker: options.worker ?? true });
  await build({
    entryPoints: { scenarios: path.join(here, '../pages', scenarioFile) },
    outdir: sdk,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
    plugins: [sdkAsExternal],
  });
  const server = await serve(dir, options.headers ?? {});
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no port');
  const host = options.host ?? 'localhost';
  const origin = `http://${host}:${address.port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(host === 'localhost' ? [] : [`--host-resolver-rules=MAP ${host} 127.0.0.1`]),
    ],
  });
  return {
    browser,
    origin,
    otherOrigin: `http://127.0.0.1:${address.port}`,
    async newPage(context) {
      const page = await (context ?? (await browser.newContext())).newPage();
      page.on('pageerror', (error) => console.error('[page error]', error));
      await page.goto(`${origin}/`);
      await page.waitForFunction('window.scenariosReady === true');
      return page;
    },
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `window.scenarios[name](...args)` in the page. A string, so vitest's transform cannot inject helpers. */
export function run<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(`window.scenarios[${JSON.stringify(name)}](...${JSON.stringify(args)})`) as Promise<T>;
}

const sdkAsExternal: Plugin = {
  name: 'sdk-as-external',
  setup(b) {
    b.onResolve({ filter: /^@sextant\/browser$/ }, () => ({ path: '/sdk/sextant.js', external: true }));
  },
};

const PAGE = `<!doctype html><meta charset="utf-8"><title>sextant test</title>
<script type="module">
  import * as scenarios from '/sdk/scenarios.js';
  window.scenarios = scenarios;
  window.scenariosReady = true;
</script>`;

function serve(root: string, headers: Record<string, string>): Promise<Server> {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      response.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = path.join(root, path.normalize(url.pathname));
    if (!file.startsWith(root + path.sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.map') ? 'application/json' : 'application/octet-stream';
      // CORS as the REST server sends it for /sdk/: pages of any origin may import the module.
      response
        .writeHead(200, { ...headers, 'content-type': type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' })
        .end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
