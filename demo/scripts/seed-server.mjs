// Puts the demo's shipped data set (demo/dist/data, from `npm run build -w demo`) into a Sextant or Qdrant server
// through the official Qdrant REST client, so the server side holds the same collection the page loads locally
// (and that sync will mirror). Idempotent: ids are fixed, and an already complete collection is left alone.
//   node demo/scripts/seed-server.mjs [http://127.0.0.1:6333] [--api-key KEY]
import { QdrantClient } from '@qdrant/js-client-rest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const keyAt = args.indexOf('--api-key');
const apiKey = keyAt >= 0 ? args.splice(keyAt, 2)[1] : process.env.SEXTANT_API_KEY;
const url = args[0] ?? 'http://127.0.0.1:6333';
const data = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'data');
const manifest = JSON.parse(readFileSync(join(data, 'docs.json'), 'utf8'));
const bytes = readFileSync(join(data, manifest.vectorsFile));
const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);

const client = new QdrantClient({ url, apiKey, checkCompatibility: false });
const name = manifest.collection;
if (!(await client.collectionExists(name)).exists) {
  await client.createCollection(name, { vectors: { size: manifest.dims, distance: 'Cosine' } });
  for (const [field, schema] of [['category', 'keyword'], ['source', 'keyword'], ['year', 'integer']]) {
    await client.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true });
  }
}
const filter = { must: [{ key: 'source', match: { value: 'dataset' } }] };
const before = (await client.count(name, { filter, exact: true })).count;
if (before >= manifest.count) {
  console.log(`${name} on ${url} already holds the ${manifest.count} shipped documents`);
} else {
  const dims = manifest.dims;
  for (let start = 0; start < manifest.documents.length; start += 500) {
    const points = manifest.documents.slice(start, start + 500).map((d) => ({
      id: d.id,
      vector: Array.from(vectors.subarray((d.id - 1) * dims, d.id * dims)),
      payload: d.payload,
    }));
    await client.upsert(name, { wait: true, points });
  }
  console.log(`${name} on ${url}: ${(await client.count(name, { exact: true })).count} points`);
}
