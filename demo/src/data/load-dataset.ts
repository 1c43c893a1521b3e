import type { SextantClient, Schemas } from '@sextant/core';
import type { DatasetManifest } from './dataset-format.js';

export interface ShippedData {
  manifest: DatasetManifest;
  /** `count * dims` floats, row i = manifest.documents[i]. */
  vectors: Float32Array;
  wordVectors: ArrayBuffer;
}

/** Fetches what the build wrote into dist/data/ (relative to the page, so it works under /demo/). */
export async function fetchShippedData(base: URL): Promise<ShippedData> {
  const manifest = (await (await fetchOk(new URL('data/docs.json', base))).json()) as DatasetManifest;
  const [vectorBytes, wordVectors] = await Promise.all([
    fetchOk(new URL(`data/${manifest.vectorsFile}`, base)).then((r) => r.arrayBuffer()),
    fetchOk(new URL(`data/${manifest.wordVectorsFile}`, base)).then((r) => r.arrayBuffer()),
  ]);
  const vectors = new Float32Array(vectorBytes);
  if (vectors.length !== manifest.count * manifest.dims) {
    throw new Error(`vectors file has ${vectors.length} floats, expected ${manifest.count} x ${manifest.dims}`);
  }
  return { manifest, vectors, wordVectors };
}

async function fetchOk(url: URL): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url.pathname} answered ${response.status}`);
  return response;
}

export interface LoadProgress {
  loaded: number;
  total: number;
}

const BATCH = 256;

/** localStorage key that marks a finished first load, so a later visit never re-adds documents the user deleted. */
const loadedKey = (db: string, collection: string) => `sextant-demo:${db}:${collection}:loaded`;

/**
 * Makes sure the browser database holds the shipped documents: creates the collection and its payload indexes when
 * missing, then upserts the documents in batches (wait: true, so each batch is in IndexedDB before the next).
 *
 * Resumable: an interrupted first load (tab closed mid-way) continues on the next visit, adding only the ids that
 * are not there yet, so edits made in between survive. After one complete load it never writes again.
 *
 * Returns whether it created anything (false on a returning visit).
 */
export async function ensureShippedData(
  db: SextantClient,
  dbName: string,
  data: ShippedData,
  onProgress: (p: LoadProgress) => void,
): Promise<boolean> {
  const { manifest } = data;
  const name = manifest.collection;
  const key = loadedKey(dbName, name);
  const { exists } = await db.collectionExists(name);
  if (exists && localStorage.getItem(key) === 'yes') return false;
  if (!exists) {
    localStorage.removeItem(key);
    await db.createCollection(name, { vectors: { size: manifest.dims, distance: 'Cosine' } });
    await db.createPayloadIndex(name, { field_name: 'category', field_schema: 'keyword', wait: true });
    await db.createPayloadIndex(name, { field_name: 'source', field_schema: 'keyword', wait: true });
    await db.createPayloadIndex(name, { field_name: 'year', field_schema: 'integer', wait: true });
  }
  const { documents } = manifest;
  for (let start = 0; start < documents.length; start += BATCH) {
    const batch = documents.slice(start, start + BATCH);
    let wanted = batch;
    if (exists) {
      // Resuming: skip the ids an earlier, interrupted load already wrote.
      const present = await db.retrieve(name, { ids: batch.map((d) => d.id), with_payload: false, with_vector: false });
      const have = new Set(present.map((p) => p.id));
      wanted = batch.filter((d) => !have.has(d.id));
    }
    if (wanted.length > 0) {
      const points = wanted.map((d) => shippedPoint(data, d));
      await db.upsert(name, { wait: true, points });
    }
    onProgress({ loaded: Math.min(start + BATCH, documents.length), total: documents.length });
  }
  localStorage.setItem(key, 'yes');
  return true;
}

/** A shipped document as a Qdrant point: ids are 1..count, so row `id - 1` of the vectors file is its vector. */
export function shippedPoint(data: ShippedData, doc: DatasetManifest['documents'][number]): Schemas['PointStruct'] {
  const { dims } = data.manifest;
  const row = doc.id - 1;
  return { id: doc.id, vector: Array.from(data.vectors.subarray(row * dims, row * dims + dims)), payload: { ...doc.payload } };
}
