import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startHarness, type Harness } from './support/chromium-harness.js';

// Search workers over shared memory in a real Chromium (issue 9). Served with COOP/COEP the page is cross-origin
// isolated: the engine's worker starts search workers and hands them its shared arenas and graphs. Served without,
// nothing is shared and every search runs in the engine's worker. 3,000 x 96 floats: past the 1 MB at which an
// arena moves into (shared) WebAssembly memory.
const DIM = 96;
const COUNT = 3_000;
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

describe('search workers in a cross-origin isolated page (Chromium)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('threads-scenarios.ts', { headers: ISOLATION });
  }, 60_000);
  afterAll(async () => harness?.close());

  it('answers from the search workers exactly as with threads off, on seeded data', async () => {
    const page = await harness.newPage();
    expect(await run(page, 'contextInfo')).toMatchObject({ isolated: true, sharedArrayBuffer: true });
    expect(await run(page, 'fill', 'on', 2, 'c', COUNT, DIM)).toBe(COUNT);
    expect(await run(page, 'fill', 'off', 0, 'c', COUNT, DIM)).toBe(COUNT);
    expect(await run(page, 'threads', 'on')).toEqual({ isolated: true, searchThreads: 2, offloaded: 0 });
    expect(await run(page, 'threads', 'off')).toEqual({ isolated: true, searchThreads: 0, offloaded: 0 });

    const threaded = await run<unknown[]>(page, 'answers', 'on', 'c', DIM, 24);
    const inThread = await run<unknown[]>(page, 'answers', 'off', 'c', DIM, 24);
    expect((threaded[0] as unknown[]).length).toBe(10);
    expect(threaded).toEqual(inThread);
    // 24 queries sent at once + 1 search + 4 in the batch + 2 prefetch leaves + 8 filtered sent at once: of each
    // group sent together the engine's worker answers the first itself (nothing else in flight), the rest go to the
    // search workers.
    const walked = (await run<{ offloaded: number }>(page, 'threads', 'on')).offloaded;
    expect(walked).toBeGreaterThanOrEqual(12);
    expect(walked).toBeLessThan(39);
    expect((threaded[threaded.length - 1] as unknown[][]).every((points) => points.length === 10)).toBe(true);
    expect(await run(page, 'threads', 'off')).toMatchObject({ offloaded: 0 });
    // A search alone, with nothing in flight, never pays the hop to a search worker.
    expect(await run(page, 'lone', 'on', 'c', DIM)).toBe(10);
    expect((await run<{ offloaded: number }>(page, 'threads', 'on')).offloaded).toBe(walked);
    expect(await run<number>(page, 'recall', 'on', 'c', DIM, 20)).toBeGreaterThanOrEqual(0.9);
    await page.context().close();
  });

  it('never returns a deleted or unwritten point while writes run, with the arena and graph growing under the walks', async () => {
    const page = await harness.newPage();
    expect(await run(page, 'fill', 'w', null, 'c', COUNT, DIM)).toBe(COUNT);
    const report = await run<{ searchThreads: number; offloaded: number }>(page, 'threads', 'w');
    // The default: one less than the cores, at least one.
    const cores = (await run<{ cores: number }>(page, 'contextInfo')).cores;
    expect(report.searchThreads).toBe(Math.max(1, cores - 1));
    const result = await run<{ searches: number; bad: number; problems: string[]; count: number; expected: number }>(
      page,
      'searchDuringWrites',
      'w',
      'c',
      COUNT,
      DIM,
      15,
    );
    expect(result.problems).toEqual([]);
    expect(result.bad).toBe(0);
    expect(result.searches).toBeGreaterThan(20);
    expect(result.count).toBe(result.expected);
    // Four readers at once: walks went to the workers (the owner answers one of a turn itself, and a walk meeting a
    // moving entry point or a graph just replaced runs in-thread).
    const after = await run<{ offloaded: number }>(page, 'threads', 'w');
    expect(after.offloaded - report.offloaded).toBeGreaterThan(result.searches / 4);
    // Still exact answers once the writes settled.
    expect(await run<number>(page, 'recall', 'w', 'c', DIM, 20)).toBeGreaterThanOrEqual(0.9);
    await page.context().close();
  }, 120_000);

  it('refuses a bad searchThreads with a 400', async () => {
    const page = await harness.newPage();
    for (const value of [-1, 1.5, 'two', true]) {
      expect(await run(page, 'badOption', value)).toMatchObject({ ok: false, status: 400, code: 'bad_request' });
    }
    expect(await run(page, 'threads', 'no-threads', false)).toEqual({ isolated: true, searchThreads: 0, offloaded: 0 });
    await page.context().close();
  });
});

describe('search workers without cross-origin isolation (Chromium)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('threads-scenarios.ts');
  }, 60_000);
  afterAll(async () => harness?.close());

  it('falls back to searches in the engine worker, with the same answers', async () => {
    const page = await harness.newPage();
    expect(await run(page, 'contextInfo')).toMatchObject({ isolated: false, sharedArrayBuffer: false });
    // Threads asked for, but no shared memory: none start.
    expect(await run(page, 'fill', 'asked', 2, 'c', COUNT, DIM)).toBe(COUNT);
    expect(await run(page, 'threads', 'asked')).toEqual({ isolated: false, searchThreads: 0, offloaded: 0 });
    expect(await run(page, 'fill', 'off', 0, 'c', COUNT, DIM)).toBe(COUNT);
    expect(await run(page, 'answers', 'asked', 'c', DIM, 12)).toEqual(await run(page, 'answers', 'off', 'c', DIM, 12));
    expect(await run<number>(page, 'recall', 'asked', 'c', DIM, 20)).toBeGreaterThanOrEqual(0.9);
    expect(await run(page, 'threads', 'asked')).toEqual({ isolated: false, searchThreads: 0, offloaded: 0 });
    await page.context().close();
  }, 120_000);
});
