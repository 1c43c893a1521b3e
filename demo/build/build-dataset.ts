import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DEMO_COLLECTION, type DatasetManifest } from '../src/data/dataset-format.js';
import { documentText } from '../src/data/document-text.js';
import { SentenceEmbedder, commonDirection } from '../src/embed/sentence-embedder.js';
import { decodeWordVectors } from '../src/embed/word-vectors.js';
import { TOPICS } from './topics.js';
import { YEARS, generateDocuments } from './generate-documents.js';

export interface BuildDatasetResult {
  count: number;
  dims: number;
  /** Tokens of the documents that the word table does not know (they simply do not count in the vectors). */
  unknownWords: string[];
  bytes: { manifest: number; vectors: number; wordVectors: number };
}

/**
 * Writes docs.json, vectors.f32 and the word table into `outDir`. Vectors come from the same SentenceEmbedder the
 * page runs, in two passes: raw SIF vectors give the corpus' common direction, then every document is embedded
 * again with that direction removed (so the shipped vectors equal what the page would compute for the same text).
 */
export function buildDataset(outDir: string, wordVectorsPath: string, perTopic = 300): BuildDatasetResult {
  mkdirSync(outDir, { recursive: true });
  const wv = decodeWordVectors(readFileSync(wordVectorsPath));
  const docs = generateDocuments(perTopic);
  const dims = wv.dims;

  const raw = new SentenceEmbedder(wv);
  const rawMatrix = new Float32Array(docs.length * dims);
  const unknown = new Set<string>();
  docs.forEach((doc, i) => {
    const r = raw.embed(documentText(doc));
    if (!r.vector) throw new Error(`document ${i + 1} has no known word: ${doc.title}`);
    rawMatrix.set(r.vector, i * dims);
    for (const u of r.unknown) unknown.add(u);
  });
  const common = commonDirection(rawMatrix, dims);

  const embedder = new SentenceEmbedder(wv, common);
  const vectors = new Float32Array(docs.length * dims);
  docs.forEach((doc, i) => vectors.set(embedder.embed(documentText(doc)).vector!, i * dims));

  const manifest: DatasetManifest = {
    version: 1,
    collection: DEMO_COLLECTION,
    embedder: embedder.name,
    dims,
    count: docs.length,
    commonDirection: Array.from(common),
    categories: TOPICS.map((t) => t.category),
    years: { min: YEARS.min, max: YEARS.max },
    vectorsFile: 'vectors.f32',
    wordVectorsFile: basename(wordVectorsPath),
    documents: docs.map((payload, i) => ({ id: i + 1, payload })),
  };
  const manifestJson = JSON.stringify(manifest);
  writeFileSync(join(outDir, 'docs.json'), manifestJson);
  // Float32Array is little endian on every platform Node and browsers run on.
  writeFileSync(join(outDir, manifest.vectorsFile), new Uint8Array(vectors.buffer));
  copyFileSync(wordVectorsPath, join(outDir, manifest.wordVectorsFile));
  return {
    count: docs.length,
    dims,
    unknownWords: [...unknown].sort(),
    bytes: {
      manifest: Buffer.byteLength(manifestJson),
      vectors: vectors.byteLength,
      wordVectors: readFileSync(wordVectorsPath).byteLength,
    },
  };
}
