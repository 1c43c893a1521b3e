import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startHarness, type Harness } from './support/chromium-harness.js';

// What a collection keeps in IndexedDB after a bulk load and a close: about one copy of the data (no second
// generation of chunks, no op log copy), and a later small change adds little.
describe('stored size in IndexedDB (Chromium)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('stored-size-scenarios.ts');
  }, 60_000);
  afterAll(async () => harness?.close());

  it('keeps about one copy of a bulk load, and a few changed points add only the chunks they change', async () => {
    const page = await harness.newPage();
    const dim = 64;
    const n = 30_000;
    await run(page, 'load', 'size', n, dim, 0);
    const after = await run<Record<string, number>>(page, 'storedBytes', 'size');
    const raw = n * dim * 4;
    const total = Object.values(after).reduce((a, b) => a + b, 0);
    // Vectors, ids and payloads: about 1.2x the float32 vectors at this size; two generations or a kept log would
    // be 2x or more.
    expect(total).toBeGreaterThan(raw);
    expect(total).toBeLessThan(raw * 1.4);
    expect((after['wal'] ?? 0) + (after['wal.prev'] ?? 0)).toBe(0);
    await run(page, 'load', 'size', 0, dim, 20);
    const changed = await run<Record<string, number>>(page, 'storedBytes', 'size');
    const grown = Object.values(changed).reduce((a, b) => a + b, 0) - total;
    // The changed chunks (presence bits at the arena's front, the appended rows at its end, ids, payloads; ~1 MB
    // each) and the log kept for the previous generation; the arena's middle chunks are shared by both generations,
    // so the previous generation is far from a second copy.
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThan(total * 0.65);
    expect(await run(page, 'count', 'size')).toEqual({ n, hit: 5 });
  }, 120_000);
});
