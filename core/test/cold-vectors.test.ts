import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage, seededRandom } from '@sextant/core';
import { ColdDenseStorage } from '../src/segment/dense-cold-storage.js';
import { LocalSegment } from '../src/collection/local-segment.js';

/**
 * Originals served from a row file (`on_disk: true` / `memory: "cold"`), through MemoryStorage's row files: every
 * answer must equal a twin collection that keeps its floats in RAM, before and after the rows leave RAM, after a
 * reopen, and after a compaction renumbers the rows into a new file.
 */
const DIM = 16;
const N = 600;

function points(seed: number, n = N, from = 0) {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => ({ id: from + i, vector: Array.from({ length: DIM }, () => rand() * 2 - 1), payload: { k: (from + i) % 7 } }));
}

type Slot = { storage: unknown; quantized?: unknown };
const slotOf = (client: Awaited<ReturnType<typeof createEmbeddedClient>>, name: string) =>
  (client.engine.resolve(name) as unknown as { segment: { slots: Map<string, Slot> } }).segment.slots.get('')!;

async function answers(client: Awaited<ReturnType<typeof createEmbeddedClient>>, name: string, queries: number[][]) {
  const out = [];
  for (const query of queries) {
    out.push((await client.query(name, { query, limit: 10, params: { hnsw_ef: 64, quantization: { rescore: true, oversampling: 2 } } })).points);
    out.push((await client.query(name, { query, limit: 5, params: { exact: true } })).points);
    out.push((await client.query(name, { query, limit: 5, filter: { must: [{ key: 'k', match: { value: 3 } }] }, params: { quantization: { ignore: true } } })).points);
  }
  out.push((await client.retrieve(name, { ids: [0, 17, 333, N - 1], with_vector: true })).map((p) => [p.id, p.vector]));
  out.push((await client.scroll(name, { limit: 50, with_vector: true, offset: 100 })).points.map((p) => [p.id, p.vector]));
  return out;
}

describe.each([
  ['scalar', { scalar: { type: 'int8', quantile: 0.99 } }],
  ['binary', { binary: {} }],
])('originals on disk with %s codes', (_kind, quantization) => {
  it('answer as in RAM while warm, cold, reopened and compacted', async () => {
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    const common = { quantization_config: quantization as never, optimizers_config: { indexing_threshold: 1, deleted_threshold: 0.2, vacuum_min_vector_number: 100 }, hnsw_config: { full_scan_threshold: 0 } };
    await client.createCollection('disk', { vectors: { size: DIM, distance: 'Cosine', on_disk: true }, ...common });
    await client.createCollection('ram', { vectors: { size: DIM, distance: 'Cosine' }, ...common });
    for (const name of ['disk', 'ram']) await client.upsert(name, { wait: true, points: points(7) });
    for (const name of ['disk', 'ram']) await client.engine.resolve(name).whenIndexed();
    const rand = seededRandom(99);
    const queries = Array.from({ length: 12 }, () => Array.from({ length: DIM }, () => rand() * 2 - 1));
    const expected = await answers(client, 'ram', queries);

    // 1. Before the first flush the rows are in RAM; after it (graph complete) they are read from the row file.
    expect(slotOf(client, 'disk').storage).toBeInstanceOf(ColdDenseStorage);
    expect(await answers(client, 'disk', queries)).toEqual(expected);
    await client.flush();
    const cold = slotOf(client, 'disk').storage as ColdDenseStorage;
    expect(cold.isCold).toBe(true);
    expect(cold.ramBytes).toBeLessThan(N * 4);
    const files = await storage.list('collections/disk/rows/');
    expect(files).toEqual([cold.fileName]);
    expect(storage.size(files[0]!)).toBe(N * DIM * 4);
    expect(await storage.list('collections/ram/rows/')).toEqual([]);
    expect(await answers(client, 'disk', queries)).toEqual(expected);

    // 2. Writes after the flush go to the overlay, then to the file at the next flush.
    for (const name of ['disk', 'ram']) await client.upsert(name, { wait: true, points: points(8, 10, N) });
    const more = await answers(client, 'ram', queries);
    expect(await answers(client, 'disk', queries)).toEqual(more);
    await client.flush();
    expect(storage.size(files[0]!)).toBe((N + 10) * DIM * 4);

    // 2b. Enough new points to warm the rows for the graph build; once the graph holds them all, the rows leave
    //     RAM again without waiting for a flush (the new ones stay in the overlay until it).
    for (const name of ['disk', 'ram']) await client.upsert(name, { wait: true, points: points(9, 100, N + 10) });
    for (const name of ['disk', 'ram']) await client.engine.resolve(name).whenIndexed();
    expect((slotOf(client, 'disk').storage as ColdDenseStorage).isCold).toBe(true);
    const most = await answers(client, 'ram', queries);
    expect(await answers(client, 'disk', queries)).toEqual(most);
    await client.flush();
    expect(storage.size(files[0]!)).toBe((N + 110) * DIM * 4);

    // 3. A reopen reads the flags and the file's name, never the rows.
    const reopened = await createEmbeddedClient({ storage });
    expect((slotOf(reopened, 'disk').storage as ColdDenseStorage).isCold).toBe(true);
    expect(await answers(reopened, 'disk', queries)).toEqual(most);

    // 4. Compaction renumbers rows into a new file; the old one goes once no manifest names it.
    const gone = Array.from({ length: 200 }, (_, i) => i * 3);
    for (const name of ['disk', 'ram']) await reopened.delete(name, { wait: true, points: gone });
    await reopened.flush();
    const compacted = slotOf(reopened, 'disk').storage as ColdDenseStorage;
    expect(compacted.fileName).not.toBe(files[0]);
    for (const name of ['disk', 'ram']) await reopened.engine.resolve(name).whenIndexed();
    await reopened.flush();
    expect(await storage.list('collections/disk/rows/')).toEqual([compacted.fileName]);
    expect(await answers(reopened, 'disk', queries)).toEqual(await answers(reopened, 'ram', queries));
  });
});

describe('originals on disk: config', () => {
  it('memory overrides on_disk; float16 stays in RAM', async () => {
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    await client.createCollection('a', { vectors: { size: 4, distance: 'Dot', on_disk: true, memory: 'cached' } as never });
    await client.createCollection('b', { vectors: { size: 4, distance: 'Dot', on_disk: false, memory: 'cold' } as never });
    await client.createCollection('c', { vectors: { size: 4, distance: 'Dot', on_disk: true, datatype: 'float16' } });
    for (const name of ['a', 'b', 'c']) await client.upsert(name, { wait: true, points: [{ id: 1, vector: [1, 2, 3, 4] }] });
    await client.flush();
    expect(await storage.list('collections/a/rows/')).toEqual([]);
    expect((await storage.list('collections/b/rows/')).length).toBe(1);
    expect(await storage.list('collections/c/rows/')).toEqual([]);
    const reopened = await createEmbeddedClient({ storage });
    expect((await reopened.retrieve('b', { ids: [1], with_vector: true }))[0]!.vector).toEqual([1, 2, 3, 4]);
  });
});

describe('originals on disk: named vectors and the portable image', () => {
  it('drops an on-disk vector name with its row file, re-creates it in RAM, and encodes rows inline for a download', async () => {
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    // 1. One of two named vectors on disk (Qdrant's create-vector body has no on_disk: only a collection's config sets it).
    await client.createCollection('c', { vectors: { text: { size: 4, distance: 'Dot' }, image: { size: 3, distance: 'Euclid', on_disk: true } } });
    await client.upsert('c', { wait: true, points: [{ id: 1, vector: { text: [1, 0, 0, 0] } }] });
    await client.upsert('c', { wait: true, points: [{ id: 2, vector: { text: [0, 1, 0, 0], image: [1, 2, 3] } }] });
    await client.flush();
    const files = await storage.list('collections/c/rows/');
    expect(files.length).toBe(1);
    const segment = (client.engine.resolve('c') as unknown as { segment: LocalSegment }).segment;
    expect((segment.slots.get('image')!.storage as ColdDenseStorage).isCold).toBe(true);
    // 2. The portable image (sync download, snapshot) carries the rows inline and decodes without the file.
    const copy = LocalSegment.decode(segment.encode(), [...segment.slots.values()].map((s) => s.spec));
    expect(Array.from(copy.slots.get('image')!.storage.get(segment.internalId(2)!) as Float32Array)).toEqual([1, 2, 3]);
    const query = await client.query('c', { query: [1, 2, 2.5], using: 'image', limit: 1, with_vector: true });
    expect(query.points[0]!.vector).toEqual({ text: [0, 1, 0, 0], image: [1, 2, 3] });
    // 3. Dropping the name drops its file once no kept manifest names it (two flushes: the previous generation).
    await client.deleteVectorName('c', 'image');
    await client.flush();
    await client.upsert('c', { wait: true, points: [{ id: 3, vector: { text: [0, 0, 1, 0] } }] });
    await client.flush();
    expect(await storage.list('collections/c/rows/')).toEqual([]);
    await client.createVectorName('c', 'image', { dense: { size: 3, distance: 'Euclid' } });
    await client.upsert('c', { wait: true, points: [{ id: 4, vector: { text: [0, 0, 0, 1], image: [3, 2, 1] } }] });
    await client.flush();
    expect(await storage.list('collections/c/rows/')).toEqual([]);
    const reopened = await createEmbeddedClient({ storage });
    expect((await reopened.retrieve('c', { ids: [2, 4], with_vector: true })).map((p) => p.vector)).toEqual([{ text: [0, 1, 0, 0] }, { text: [0, 0, 0, 1], image: [3, 2, 1] }]);
  });
});
