/**
 * What the build ships in dist/data/ and the page loads on a first visit. The contract between
 * build/build-dataset.ts (writer, Node) and src/data/load-dataset.ts (reader, browser).
 *
 * - docs.json: `DatasetManifest`, documents in id order.
 * - vectors.f32: little-endian float32, `count * dims` values, row i = documents[i] (unit length, Cosine).
 * - glove-100d-50k.bin: the word table the embedder needs for queries and new documents.
 */
export interface DocPayload {
  title: string;
  text: string;
  category: string;
  year: number;
  author: string;
  /** 'dataset' for the shipped documents, 'user' for the ones added on the page: lets the loader count its own. */
  source: 'dataset' | 'user';
}

export interface DatasetManifest {
  version: 1;
  /** Name of the collection the page creates in the browser database (and that sync will mirror). */
  collection: string;
  /** Human-readable description of the embedder, shown on the page. */
  embedder: string;
  dims: number;
  count: number;
  /** SIF's common direction, removed from every vector; queries must use the same one. */
  commonDirection: number[];
  categories: string[];
  years: { min: number; max: number };
  vectorsFile: string;
  wordVectorsFile: string;
  /** Ids are 1..count (unsigned integers, as Qdrant accepts). */
  documents: Array<{ id: number; payload: DocPayload }>;
}

export const DEMO_COLLECTION = 'demo-docs';
