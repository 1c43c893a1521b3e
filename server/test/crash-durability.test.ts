import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase } from '../src/open-database.js';
import { pointFor } from './fixtures/crash-data.js';
import { bundleForNode } from './support/bundle.js';

let writer: string;
let dir: string;

beforeAll(async () => {
  writer = await bundleForNode(fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url)));
  dir = await mkdtemp(join(tmpdir(), 'sextant-crash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the writer until `killAfterMs` after it is ready, kills it with SIGKILL, returns the acknowledged ids. */
function runAndKill(firstId: number, killAfterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir, String(firstId)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (line.startsWith('ack ')) acked.push(...line.slice(4).split(' ').map(Number));
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`writer exited on its own: ${stderr}`)),
    );
  });
}

it('keeps every write acknowledged with wait=true across repeated kill -9', async () => {
  // A deterministic spread of kill moments: right after start, mid-stream, and after many writes.
  const delays = [0, 7, 35, 120, 260, 15, 90];
  const acknowledged: number[] = [];
  for (let round = 0; round < delays.length; round++) {
    acknowledged.push(...(await runAndKill(round * 1_000_000, delays[round]!)));

    // Reopen as the next process would, and check every acknowledged point exactly.
    const db = await openDatabase({ path: dir });
    const found = await db.retrieve('crash', { ids: acknowledged, with_payload: true, with_vector: true });
    expect(found.length).toBe(acknowledged.length);
    const byId = new Map(found.map((record) => [record.id, record]));
    for (const id of acknowledged) {
      const expected = pointFor(id);
      const record = byId.get(id);
      expect(record?.payload).toEqual(expected.payload);
      expect(record?.vector).toEqual(expected.vector);
    }
    // Nothing half-written: every stored point is one the writer produced whole.
    const { points } = await db.scroll('crash', { limit: 1_000_000, with_payload: true, with_vector: true });
    for (const point of points) {
      const expected = pointFor(point.id as number);
      expect(point.payload).toEqual(expected.payload);
      expect(point.vector).toEqual(expected.vector);
    }
    await db.close();
  }
  expect(acknowledged.length).toBeGreaterThan(50);
}, 120_000);
