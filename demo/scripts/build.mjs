// Builds the demo into demo/dist/ (served by the server at /demo/):
//   1. the data set: documents, their vectors (computed here by the page's own embedder) and the word table;
//   2. the page script, bundled for browsers (the Sextant SDK is not bundled: the page imports /sdk/sextant.js
//      from the server at run time, so the demo always runs the SDK that server ships);
//   3. index.html and styles.css.
// Usage: npm run build -w demo   (or: node demo/scripts/build.mjs)
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
console.log(`demo page: app.js ${kb(appBytes)}; built in ${Math.round(performance.now() - started)} ms -> ${dist}`);

function kb(bytes) {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}
