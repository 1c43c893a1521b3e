import { shippedPoint, type LoadProgress, type ShippedData } from './load-dataset.js';

const BATCH = 500;

/**
 * What the server says about the demo's collection: 'present', 'missing' (reachable, no such collection), or
 * 'unreachable' (no answer: stopped, or this browser is offline).
 */
export async function serverCollection(origin: URL, collection: string): Promise<'present' | 'missing' | 'unreachable'> {
  try {
    const response = await fetch(new URL(`/collections/${encodeURIComponent(collection)}/exists`, origin));
    if (!response.ok) return 'unreachable';
    const body = (await response.json()) as { result?: { exists?: boolean } };
    return body.result?.exists ? 'present' : 'missing';
  } catch {
    return 'unreachable';
  }
}

/**
 * Creates the demo's collection on the server and uploads the shipped documents, through Qdrant's REST API (the
 * calls `demo/scripts/seed-server.mjs` makes with the official client): a fresh `npm start` has no collection, and
 * the browser syncs from the server. Safe to run from two tabs at once: creating an existing collection is a 409
 * that is ignored, and the ids are fixed, so a second upload rewrites the same points.
 */
export async function seedServer(origin: URL, data: ShippedData, onProgress: (p: LoadProgress) => void): Promise<void> {
  const { manifest } = data;
  const base = `/collections/${encodeURIComponent(manifest.collection)}`;
  // Sextant answers an existing name with 409, Qdrant with 400 "... already exists!": either means another tab won.
  const created = await call(origin, 'PUT', base, { vectors: { size: manifest.dims, distance: 'Cosine' } }, /already exists/);
  if (created) {
    for (const [field, schema] of [['category', 'keyword'], ['source', 'keyword'], ['year', 'integer']] as const) {
      await call(origin, 'PUT', `${base}/index?wait=true`, { field_name: field, field_schema: schema });
    }
  }
  const { documents } = manifest;
  for (let start = 0; start < documents.length; start += BATCH) {
    const points = documents.slice(start, start + BATCH).map((d) => shippedPoint(data, d));
    await call(origin, 'PUT', `${base}/points?wait=true`, { points });
    onProgress({ loaded: Math.min(start + BATCH, documents.length), total: documents.length });
  }
}

/** One REST call; resolves to false when the error text matches `tolerated`, else throws Qdrant's error text. */
async function call(origin: URL, method: string, path: string, body: unknown, tolerated?: RegExp): Promise<boolean> {
  const response = await fetch(new URL(path, origin), {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.ok) return true;
  const text = await response.text();
  let reason = text;
  try {
    reason = (JSON.parse(text) as { status?: { error?: string } }).status?.error ?? text;
  } catch {
    // not JSON: keep the text
  }
  if (tolerated?.test(reason)) return false;
  throw new Error(`${method} ${path.split('?')[0]} answered ${response.status}: ${reason}`);
}
