// Measures the browser package in a real Chromium: load time, cold open of a collection from IndexedDB (a new page,
// hence a new worker that reads the segment back), and query latency in the worker. For bench/ to call and print.
//
//   node browser/scripts/bench-chromium.mjs [--points 100000] [--dim 384] [--m 16] [--queries 100] [--quick] [--json]
//   import { benchChromium } from '<repo>/browser/scripts/bench-chromium.mjs'
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildSdk } from './build-sdk.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * @param {{ points?: number, dim?: number, m?: number, queries?: number, executablePath?: string }} [options]
 * @returns {Promise<{ points: number, indexed: number, dim: number, m: number, loadMs: number, indexMs: number,
 *   closeMs: number, storedBytes: number, coldOpenMs: number, firstQueryMs: number, p50Ms: number, p95Ms: number,
 *   queries: number }>}
 */
export async function benchChromium(options = {}) {
  const { points = 100_000, dim = 384, m = 16, queries = 100 } = options;
  const dir = await mkdtemp(path.join(tmpdir(), 'sextant-browser-bench-'));
  const sdk = path.join(dir, 'sdk');
  await buildSdk(sdk);
  await build({
    entryPoints: { page: path.join(here, 'bench-page.ts') },
    outdir: sdk,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
    plugins: [
      {
        name: 'sdk-as-external',
        setup(b) {
          b.onResolve({ filter: /^@sextant\/browser$/ }, () => ({ path: '/sdk/sextant.js', external: true }));
        },
      },
    ],
  });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><script type="module">import * as b from '/sdk/page.js'; window.bench = b; window.ready = true;</script>`);
      return;
    }
    const file = path.join(dir, path.normalize(url.pathname));
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  const browser = await chromium.launch({
    executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const context = await browser.newContext();
    const open = async () => {
      const page = await context.newPage();
      await page.goto(`http://localhost:${port}/`);
      await page.waitForFunction('window.ready === true');
      return page;
    };
    const loader = await open();
    const loaded = await loader.evaluate(`window.bench.load('bench', ${points}, ${dim}, ${m})`, undefined, { timeout: 0 });
    await loader.close();
    const reader = await open();
    const read = await reader.evaluate(`window.bench.coldOpenAndQuery('bench', ${dim}, ${queries})`);
    return { dim, m, loadMs: loaded.loadMs, indexMs: loaded.indexMs, closeMs: loaded.closeMs, storedBytes: loaded.usage, ...read };
  } finally {
    await browser.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The `browser` section of `npm run bench` (bench/src/sections.ts): flat rows, one figure each.
 * @param {Awaited<ReturnType<typeof benchChromium>>} r
 */
export function browserRows(r) {
  const size = `${r.points / 1000}k x ${r.dim}`;
  return [
    { metric: `cold open of ${size} from IndexedDB (new page, new worker)`, value: Math.round(r.coldOpenMs), unit: 'ms', note: `${(r.storedBytes / 1048576).toFixed(0)} MB stored, ${r.indexed} of ${r.points} vectors in the graph on open` },
    { metric: 'first query after the cold open', value: Math.round(r.firstQueryMs * 10) / 10, unit: 'ms' },
    { metric: `query latency p50 in the worker (${r.queries} queries, limit 10)`, value: Math.round(r.p50Ms * 10) / 10, unit: 'ms' },
    { metric: `query latency p95 in the worker (${r.queries} queries, limit 10)`, value: Math.round(r.p95Ms * 10) / 10, unit: 'ms' },
    { metric: `load of ${size} (upserts of 2,000), graph built, close`, value: Math.round(r.loadMs + r.indexMs + r.closeMs), unit: 'ms', note: `upserts ${(r.loadMs / 1000).toFixed(1)} s, graph ${(r.indexMs / 1000).toFixed(1)} s more, close ${(r.closeMs / 1000).toFixed(1)} s` },
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // --quick: 10,000 points unless --points says otherwise. --json: the last line of stdout is the section's JSON.
  const quick = process.argv.includes('--quick');
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(`--${name}`);
    return at === -1 ? fallback : Number(process.argv[at + 1]);
  };
  const result = await benchChromium({ points: arg('points', quick ? 10_000 : 100_000), dim: arg('dim', 384), m: arg('m', 16), queries: arg('queries', 100) });
  console.log(JSON.stringify(result, null, 2));
  if (process.argv.includes('--json')) console.log(JSON.stringify({ section: 'browser', rows: browserRows(result) }));
}
