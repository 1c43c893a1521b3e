// Builds the ready-to-import ES modules the server serves at /sdk/: `sextant.js` (the page side: openDatabase,
// IdbStorage, SextantError), `sextant-worker.js` (the engine in a Web Worker, loaded by sextant.js from the URL
// next to itself) and `sextant-search-worker.js` (the search workers the engine's worker starts beside itself when
// the page is cross-origin isolated). Bundled from the TypeScript sources, so it never depends on a stale `tsc`
// output.
//
//   node browser/scripts/build-sdk.mjs [outdir]     (default: browser/dist/sdk)
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const root = path.resolve(pkg, '..');

/**
 * @param {string} outdir where sextant.js, sextant-worker.js and sextant-search-worker.js go
 * @param {{ minify?: boolean, worker?: boolean }} [options] `worker: false` builds the page module alone (tests of
 *   the storage layer do not need the engine)
 * @returns {Promise<Array<{ file: string, bytes: number, gzip: number }>>} the size of each output
 */
export async function buildSdk(outdir, options = {}) {
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: {
      sextant: path.join(pkg, 'src/index.ts'),
      ...(options.worker === false
        ? {}
        : {
            'sextant-worker': path.join(pkg, 'src/sextant-worker.ts'),
            'sextant-search-worker': path.join(pkg, 'src/sextant-search-worker.ts'),
          }),
    },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    alias: {
      '@sextant/core': path.join(root, 'core/src/index.ts'),
      '@sextant/browser': path.join(pkg, 'src/index.ts'),
    },
  });
  const sizes = [];
  for (const file of Object.keys(result.metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const bytes = readFileSync(file);
    sizes.push({ file: path.relative(outdir, path.resolve(file)), bytes: bytes.length, gzip: gzipSync(bytes).length });
  }
  // Tracked so a change that bloats the bundle shows up in review (STYLE.md §9).
  await writeFile(path.join(outdir, 'size.json'), JSON.stringify(sizes, null, 2) + '\n');
  return sizes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = path.resolve(process.argv[2] ?? path.join(pkg, 'dist/sdk'));
  const sizes = await buildSdk(outdir);
  for (const { file, bytes, gzip } of sizes) {
    console.log(`${file.padEnd(24)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB  ${(gzip / 1024).toFixed(1).padStart(7)} KiB gzip`);
  }
}
