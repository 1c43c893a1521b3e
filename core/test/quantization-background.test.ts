import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, seededRandom } from '@sextant/core';
import type { DenseSlot, LocalSegment } from '../src/collection/local-segment.js';
import { ProductQuantizedStorage } from '../src/segment/quantized-product-storage.js';
import { TurboQuantizedStorage } from '../src/segment/quantized-turbo-storage.js';
import { searchNearest } from '../src/query/nearest.js';

const DIM = 64;
const N = 3000;
const K = 10;

/** Seeded clustered vectors (as quantization-product-turbo.test.ts makes them). */
function clustered(seed: number, n: number): Float32Array {
  const r = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centers = Array.from({ length: 24 }, () => Array.from({ length: DIM }, g));
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = centers[Math.floor(r() * centers.length)]!;
    for (let d = 0; d < DIM; d++) out[i * DIM + d] = c[d]! + (0.5 + 0.5 * r()) * g();
  }
  return out;
}
const row = (data: Float32Array, i: number) => Array.from(data.subarray(i * DIM, (i + 1) * DIM));

type Collection = { segment: LocalSegment; whenIndexed(): Promise<void> };
const configs = [
  ['product x16', { product: { compression: 'x16' } }],
  ['turbo bits2', { turbo: { bits: 'bits2' } }],
] as const;

async function indexed(data: Float32Array) {
  const client = await createEmbeddedClient();
  await client.createCollection('q', {
    vectors: { size: DIM, distance: 'Cosine' },
    hnsw_config: { full_scan_threshold: 0, m: 16, ef_construct: 64 },
    optimizers_config: { indexing_threshold: 1 },
  });
  await client.upsert('q', { wait: true, points: Array.from({ length: N }, (_, id) => ({ id, vector: row(data, id) })) });
  const collection = client.engine.resolve('q') as unknown as Collection;
  await collection.whenIndexed();
  return { client, collection, slot: () => [...collection.segment.slots.values()][0] as DenseSlot };
}

describe('product and turbo codes are fitted in the background', () => {
  it.each(configs)('%s: searches answer from the floats until the codes are ready, then rank through them', async (_name, config) => {
    const data = clustered(5, N + 20);
    const { client, collection, slot } = await indexed(data);
    const ask = (i: number, quantization: object) =>
      searchNearest(collection.segment, { slot: slot(), vector: row(data, N + i), filter: undefined, k: K, hnswEf: 64, quantization });
    // 1. Right after the update (no timer turn between): float answers, equal to `ignore: true`; status yellow.
    await client.updateCollection('q', { quantization_config: config as never });
    for (let i = 0; i < 5; i++) {
      const found = ask(i, { rescore: false });
      expect(found.quantized).toBeUndefined();
      const floats = ask(i, { ignore: true });
      expect(found.ids).toEqual(floats.ids);
      expect(Array.from(found.scores)).toEqual(Array.from(floats.scores));
    }
    const info = await client.getCollection('q');
    expect(info.status).toBe('yellow');
    const q = slot().quantized as ProductQuantizedStorage | TurboQuantizedStorage;
    expect(q.ready).toBe(false);
    // 2. Once ready the codes rank: unrescored scores are their estimates, not the exact cosines.
    await collection.whenIndexed();
    expect(q.ready).toBe(true);
    expect((await client.getCollection('q')).status).toBe('green');
    let differ = 0;
    for (let i = 0; i < 5; i++) {
      const found = ask(i, { rescore: false });
      expect(found.quantized).toBe(true);
      const floats = ask(i, { ignore: true });
      if (Math.abs(found.scores[0]! - floats.scores[0]!) > 1e-4) differ++;
    }
    expect(differ).toBeGreaterThan(0);
    await client.close();
  }, 120_000);

  it.each(configs)('%s: rows written during the fit and the encode pass end up with the codes a whole fit gives', async (_name, config) => {
    const data = clustered(9, N + 400);
    const { client, collection, slot } = await indexed(data);
    await client.updateCollection('q', { quantization_config: config as never });
    const q = slot().quantized ?? (searchNearest(collection.segment, { slot: slot(), vector: row(data, 0), filter: undefined, k: K }), slot().quantized!);
    const live = q as ProductQuantizedStorage | TurboQuantizedStorage;
    // 1. A reference fitted whole on the same rows (same seed, same sample), before any write below.
    const Kind = live.constructor as new (v: DenseSlot['storage'], spec: never) => ProductQuantizedStorage | TurboQuantizedStorage;
    const reference = new Kind(slot().storage, live.spec as never);
    reference.refresh();
    // 2. Writes while k-means / calibration runs (nothing encoded yet), then while the encode pass is half-way
    //    (a vector update of a row behind it, new rows past it).
    live.fitSome(0);
    expect(live.ready).toBe(false);
    expect(live.encodedTo).toBe(0);
    await client.upsert('q', { wait: true, points: Array.from({ length: 200 }, (_, i) => ({ id: N + i, vector: row(data, N + i) })) });
    while (live.encodedTo < 1000 && live.fitSome(0));
    expect(live.ready).toBe(false);
    expect(live.encodedTo).toBeLessThan(N);
    // A collection write takes a new internal id (past the pass); a row rewritten in place behind it is met by `set`.
    slot().storage.set(5, Float32Array.from(row(data, N + 399)));
    live.set(5);
    await client.updateVectors('q', { wait: true, points: [{ id: 10, vector: row(data, N + 398) }] });
    await client.upsert('q', { wait: true, points: Array.from({ length: 199 }, (_, i) => ({ id: N + 200 + i, vector: row(data, N + 200 + i) })) });
    await collection.whenIndexed();
    expect(live.ready).toBe(true);
    // 3. The reference encodes the same written rows with the same fit: byte-identical parameters and codes.
    const storage = slot().storage;
    expect(storage.idLimit).toBeGreaterThan(N + 398);
    for (let id = 0; id < storage.idLimit; id++) if (storage.has(id)) reference.set(id);
    expect(Buffer.from(live.encodeParams()).equals(Buffer.from(reference.encodeParams()))).toBe(true);
    await client.close();
  }, 120_000);
});
