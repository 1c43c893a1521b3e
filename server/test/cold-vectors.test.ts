import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@sextant/core';
import { openDatabase } from '../src/open-database.js';
import { installCli, serveCli } from './support/installed-cli.js';

/**
 * Quantized vectors with their originals on disk (`on_disk: true`), on real files through the real server and the
 * official REST client: searches with rescoring and stored vectors are identical across a graceful restart and
 * across a kill -9 right after `wait=true` upserts; the row files hold exactly the rows; RAM per point is measured.
 */
const DIM = 32;
const N = 3000;

let cli: Awaited<ReturnType<typeof installCli>>;
beforeAll(async () => {
  cli = await installCli('sextant-cold-vectors-');
}, 60_000);
afterAll(() => cli.dispose());

const startServer = (storage: string) => serveCli(cli, storage);

function vectors(seed: number, n: number): number[][] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => Array.from({ length: DIM }, () => rand() * 2 - 1));
}

const COLLECTIONS = {
  int8: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
  bits: { binary: { always_ram: true } },
} as const;

async function snapshot(client: QdrantClient, name: string, queries: number[][], oversampling: number) {
  const searches = [];
  for (const query of queries) {
    const r = await client.query(name, { query, limit: 10, params: { hnsw_ef: 64, quantization: { rescore: true, oversampling } } });
    searches.push(r.points.map((p) => [p.id, p.score]));
  }
  const exact = await client.query(name, { query: queries[0]!, limit: 10, params: { exact: true } });
  const stored = await client.retrieve(name, { ids: [0, 1, 500, 1234, N - 1], with_vector: true });
  return { searches, exact: exact.points.map((p) => [p.id, p.score]), stored: stored.map((p) => [p.id, p.vector]) };
}

async function rowFiles(storage: string, name: string): Promise<number[]> {
  const dir = join(storage, 'collections', name, 'rows');
  const names = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(names.map(async (file) => (await stat(join(dir, file))).size));
}

describe('originals on disk through the server', () => {
  it('searches and vectors survive a graceful restart and a kill -9 after wait=true upserts', async () => {
    const storage = join(cli.work, 'storage');
    const queries = vectors(5, 20);
    let server = await startServer(storage);
    let client = new QdrantClient({ url: `http://127.0.0.1:${server.port}`, checkCompatibility: false });
    const data = vectors(1, N);
    for (const [name, quantization] of Object.entries(COLLECTIONS)) {
      await client.createCollection(name, {
        vectors: { size: DIM, distance: 'Cosine', on_disk: true },
        quantization_config: quantization as never,
        // Graph from the first KB on, and walked (not scanned) from 10 points on.
        optimizers_config: { indexing_threshold: 1 },
        hnsw_config: { full_scan_threshold: 10 },
      }).catch((e: { data?: unknown }) => {
        throw new Error(JSON.stringify(e.data));
      });
      for (let from = 0; from < N; from += 500) {
        await client.upsert(name, { wait: true, points: data.slice(from, from + 500).map((vector, i) => ({ id: from + i, vector })) });
      }
      await expect.poll(async () => (await client.getCollection(name)).status, { timeout: 60_000, interval: 100 }).toBe('green');
    }
    const before = { int8: await snapshot(client, 'int8', queries, 2), bits: await snapshot(client, 'bits', queries, 8) };

    // 1. A graceful stop flushes: the rows are in the row files, exactly N rows each.
    await server.kill('SIGTERM');
    for (const name of Object.keys(COLLECTIONS)) expect(await rowFiles(storage, name)).toEqual([N * DIM * 4]);
    server = await startServer(storage);
    client = new QdrantClient({ url: `http://127.0.0.1:${server.port}`, checkCompatibility: false });
    expect({ int8: await snapshot(client, 'int8', queries, 2), bits: await snapshot(client, 'bits', queries, 8) }).toEqual(before);

    // 2. More points acknowledged with wait=true, then kill -9 before any flush: the op log replays them.
    const extra = vectors(2, 200);
    for (const name of Object.keys(COLLECTIONS)) {
      await client.upsert(name, { wait: true, points: extra.map((vector, i) => ({ id: N + i, vector })) });
      await client.delete(name, { wait: true, points: [1234] });
    }
    const acknowledged = { int8: await snapshot(client, 'int8', queries, 2), bits: await snapshot(client, 'bits', queries, 8) };
    expect(acknowledged.int8.stored.map(([id]) => id)).not.toContain(1234);
    await server.kill('SIGKILL');
    server = await startServer(storage);
    client = new QdrantClient({ url: `http://127.0.0.1:${server.port}`, checkCompatibility: false });
    expect({ int8: await snapshot(client, 'int8', queries, 2), bits: await snapshot(client, 'bits', queries, 8) }).toEqual(acknowledged);
    const extraBack = await client.retrieve('int8', { ids: [N, N + 199], with_vector: true });
    expect(extraBack.map((p) => p.id)).toEqual([N, N + 199]);
    await server.kill('SIGTERM');
    for (const name of Object.keys(COLLECTIONS)) expect(await rowFiles(storage, name)).toEqual([(N + 200) * DIM * 4]);
  }, 180_000);

  it('keeps about a byte per point of the originals in RAM once flushed (engine accounting and RSS)', async () => {
    const path = join(cli.work, 'memory');
    const db = await openDatabase({ path });
    const dim = 256;
    const n = 8000;
    const rand = seededRandom(3);
    type Slot = { storage: { ramBytes?: number; bytesPerVector: number; capacity: number } };
    const slot = (name: string) => (db.engine.resolve(name) as unknown as { segment: { slots: Map<string, Slot> } }).segment.slots.get('')!;
    const rows = Array.from({ length: n }, () => Array.from({ length: dim }, () => rand() * 2 - 1));
    const rss: Record<string, number> = {};
    for (const onDisk of [false, true]) {
      const name = onDisk ? 'disk' : 'ram';
      global.gc?.();
      const start = process.memoryUsage().rss;
      await db.createCollection(name, {
        vectors: { size: dim, distance: 'Dot', on_disk: onDisk },
        quantization_config: { scalar: { type: 'int8', always_ram: true } },
        optimizers_config: { indexing_threshold: 0 },
      });
      for (let from = 0; from < n; from += 1000) {
        await db.upsert(name, { wait: true, points: rows.slice(from, from + 1000).map((vector, i) => ({ id: from + i, vector })) });
      }
      await db.query(name, { query: rows[0]!, limit: 5 });
      await db.flush();
      global.gc?.();
      rss[name] = (process.memoryUsage().rss - start) / n;
    }
    const disk = slot('disk').storage;
    const ram = slot('ram').storage;
    // Engine accounting: the float arena (dim x 4 + 1 bytes a slot) against the live flags and scratch alone.
    expect(ram.bytesPerVector * ram.capacity / n).toBeGreaterThanOrEqual(dim * 4);
    expect(disk.ramBytes! / n).toBeLessThan(2);
    const answer = await db.query('disk', { query: rows[7]!, limit: 1, params: { quantization: { rescore: true } } });
    expect(answer.points[0]!.id).toBe(7);
    console.log(`RSS growth per point: RAM ${rss.ram!.toFixed(0)} B, on disk ${rss.disk!.toFixed(0)} B (dim ${dim}, float32 ${dim * 4} B)`);
    await db.close();
  }, 120_000);
});
