// Builds the demo into demo/dist/ (served by the server at /demo/):
//   1. the data set: documents, their vectors (computed here by the page's own embedder) and the word table;
//   2. the page script, bundled for browsers (the Sextant SDK is not bundled: the page imports /sdk/sextant.js
//      from the server at run time, so the demo always runs the SDK that server ships);
//   3. index.html and styles.css;
//   4. sw.js, the offline page cache, told which files to store and a hash of them (a new build, a new cache).
// Usage: npm run build -w demo   (or: node demo/scripts/build.mjs)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'data'), { recursive: true });

const started = performance.now();
const scratch = mkdtempSync(join(tmpdir(), 'sextant-demo-build-'));
try {
  const script = join(scratch, 'build-dataset.mjs');
  await build({
    entryPoints: [join(root, 'build', 'build-dataset.ts')],
    outfile: script,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const { buildDataset } = await import(pathToFileURL(script).href);
  const result = buildDataset(join(dist, 'data'), join(root, 'data', 'glove-100d-50k.bin'));
  console.log(
    `demo data: ${result.count} documents x ${result.dims} dims; docs.json ${kb(result.bytes.manifest)}, ` +
      `vectors ${kb(result.bytes.vectors)}, word table ${kb(result.bytes.wordVectors)}`,
  );
  if (result.unknownWords.length > 0) {
    console.log(`demo data: words outside the vocabulary (ignored by the embedder): ${result.unknownWords.join(', ')}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const page = await build({
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
const appBytes = Object.values(page.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
for (const file of ['index.html', 'styles.css']) copyFileSync(join(root, 'src', file), join(dist, file));

// Paths relative to the page (served under /demo/); the SDK's files are the browser package's build outputs (the
// search workers' script too: the demo is served cross-origin isolated, so the engine starts them, offline as well).
const own = ['index.html', 'app.js', 'styles.css', 'data/docs.json', 'data/vectors.f32', 'data/glove-100d-50k.bin'];
const hash = createHash('sha256');
for (const file of own) hash.update(file).update(readFileSync(join(dist, file)));
await build({
  entryPoints: [join(root, 'src', 'offline', 'service-worker.ts')],
  outfile: join(dist, 'sw.js'),
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  minify: true,
  define: {
    BUILD_ID: JSON.stringify(hash.digest('hex').slice(0, 12)),
    PRECACHE: JSON.stringify(['./', ...own, '/sdk/sextant.js', '/sdk/sextant-worker.js', '/sdk/sextant-search-worker.js']),
  },
  logLevel: 'warning',
});
console.log(`demo page: app.js ${kb(appBytes)}; built in ${Math.round(performance.now() - started)} ms -> ${dist}`);

function kb(bytes) {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
