import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pointFor } from './fixtures/crash-data.js';
import { installCli, serveCli } from './support/installed-cli.js';

let cli: Awaited<ReturnType<typeof installCli>>;
beforeAll(async () => {
  cli = await installCli('sextant-crash-server-');
}, 60_000);
afterAll(() => cli.dispose());

const startServer = (storage: string) => serveCli(cli, storage);

it('keeps every write the server acknowledged (wait=true) to several clients across repeated kill -9', async () => {
  const storage = join(cli.work, 'storage');
  const acknowledged: number[] = [];
  // Kill moments spread from "right after the first write" to "after many"; four clients write all the time. The
  // last round waits for 60 acknowledged writes of its own before its delay, so the run covers many writes however
  // slow the machine is (a count of writes within a fixed time failed under load).
  const delays = [5, 60, 150, 25, 300];
  const ackedFirst = [1, 1, 1, 1, 60];
  for (let round = 0; round < delays.length; round++) {
    const server = await startServer(storage);
    const url = `http://127.0.0.1:${server.port}`;
    const clients = Array.from({ length: 4 }, () => new QdrantClient({ url, checkCompatibility: false }));
    if (!(await clients[0]!.collectionExists('crash')).exists) {
      await clients[0]!.createCollection('crash', { vectors: { size: 8, distance: 'Dot' } });
    }
    let next = round * 1_000_000;
    let stop = false;
    const writers = clients.map(async (client) => {
      while (!stop) {
        const batch = [pointFor(next++), pointFor(next++)];
        try {
          await client.upsert('crash', { wait: true, points: batch });
          acknowledged.push(...batch.map((p) => p.id));
        } catch {
          return; // the server died under this request: it was never acknowledged
        }
      }
    });
    // The delay counts from the round's first acknowledged writes, so every round kills mid-stream.
    const before = acknowledged.length;
    await expect.poll(() => acknowledged.length, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(before + ackedFirst[round]!);
    await new Promise((resolve) => setTimeout(resolve, delays[round]));
    await server.kill();
    stop = true;
    await Promise.all(writers);

    // Restart on the same folder: every acknowledged point is there, exactly, and nothing is half-written.
    const check = await startServer(storage);
    const client = new QdrantClient({ url: `http://127.0.0.1:${check.port}`, checkCompatibility: false });
    const { points } = await client.scroll('crash', { limit: 10_000_000, with_payload: true, with_vector: true });
    const stored = new Map(points.map((p) => [p.id as number, p]));
    for (const id of acknowledged) expect(stored.has(id), `acknowledged point ${id}`).toBe(true);
    for (const [id, point] of stored) {
      const expected = pointFor(id);
      expect(point.payload).toEqual(expected.payload);
      // REST prints float32s as their shortest decimals: bit for bit means as the float32s they read back as
      expect((point.vector as number[]).map(Math.fround)).toEqual(expected.vector);
    }
    await check.kill();
  }
  expect(acknowledged.length).toBeGreaterThan(50);
}, 180_000);
