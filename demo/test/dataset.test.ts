import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset } from '../build/build-dataset.js';
import { generateDocuments } from '../build/generate-documents.js';
import type { DatasetManifest } from '../src/data/dataset-format.js';
import { documentText } from '../src/data/document-text.js';
import { SentenceEmbedder } from '../src/embed/sentence-embedder.js';
import { decodeWordVectors } from '../src/embed/word-vectors.js';

const wordTable = new URL('../data/glove-100d-50k.bin', import.meta.url).pathname;
let dir: string;
let manifest: DatasetManifest;
let vectors: Float32Array;
let embedder: SentenceEmbedder;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sextant-demo-data-'));
  buildDataset(dir, wordTable, 100);
  manifest = JSON.parse(readFileSync(join(dir, 'docs.json'), 'utf8')) as DatasetManifest;
  const bytes = readFileSync(join(dir, manifest.vectorsFile));
  vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  embedder = new SentenceEmbedder(decodeWordVectors(readFileSync(wordTable)), Float32Array.from(manifest.commonDirection));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Brute-force nearest documents: the oracle the browser database's answers can be compared with. */
function nearest(query: Float32Array, k: number): number[] {
  const { dims, count } = manifest;
  const scores = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let d = 0; d < dims; d++) s += query[d]! * vectors[i * dims + d]!;
    scores[i] = s;
  }
  return Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!).slice(0, k);
}

describe('the shipped data set', () => {
  it('is the same on every build (seeded)', () => {
    expect(generateDocuments(20)).toEqual(generateDocuments(20));
    expect(generateDocuments(20, 8)).not.toEqual(generateDocuments(20));
  });

  it('covers every topic and year range with ids 1..count', () => {
    expect(manifest.count).toBe(1000);
    expect(manifest.documents.map((d) => d.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(new Set(manifest.documents.map((d) => d.payload.category))).toEqual(new Set(manifest.categories));
    for (const { payload } of manifest.documents) {
      expect(payload.year).toBeGreaterThanOrEqual(manifest.years.min);
      expect(payload.year).toBeLessThanOrEqual(manifest.years.max);
      expect(payload.source).toBe('dataset');
    }
  });

  it('ships the vectors the page would compute for the same text', () => {
    for (const i of [0, 1, 517, 999]) {
      const doc = manifest.documents[i]!;
      const again = embedder.embed(documentText(doc.payload)).vector!;
      expect(Array.from(again)).toEqual(Array.from(vectors.subarray(i * manifest.dims, (i + 1) * manifest.dims)));
    }
  });

  it.each([
    ['telescope observing distant galaxies', 'astronomy'],
    ['bake bread with butter and garlic', 'cooking'],
    ['the team won the championship match', 'sports'],
    ['guitar chords and melody', 'music'],
    ['software bugs and fast database queries', 'technology'],
    ['doctors and patients with heart disease', 'health'],
    ['a train journey with a backpack and a passport', 'travel'],
    ['saving money with low interest rates', 'finance'],
    ['kings and emperors of ancient empires', 'history'],
    ['planting seeds and growing flowers in the soil', 'gardening'],
  ])('finds %s in %s', (query, category) => {
    const top = nearest(embedder.embed(query).vector!, 10);
    const hits = top.filter((i) => manifest.documents[i]!.payload.category === category).length;
    expect(hits).toBeGreaterThanOrEqual(8);
  });
});
