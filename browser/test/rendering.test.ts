import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, startHarness, type Harness } from './support/chromium-harness.js';

// Searches run in the worker, so the page keeps painting frames while they run. Timing goals live in bench/; this
// only checks the property with a wide margin: a page that searched on its own thread would paint about one frame
// per query (each exact scan of 50,000 x 384 takes well over a frame), far below the floor asserted here.
describe('search in the worker (Chromium)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness('db-scenarios.ts');
  }, 60_000);
  afterAll(async () => harness?.close());

  it('searches 50,000 x 384 points while the page keeps rendering', { timeout: 300_000 }, async () => {
    const page = await harness.newPage();
    // m = 0: every query scans all 50,000 vectors exactly, the heaviest search there is (and the fastest load).
    await run(page, 'fillPlain', 'frames', 'v', 50_000, 384, 0);
    expect(await run(page, 'countPoints', 'frames', 'v')).toBe(50_000);
    const { frames, elapsed, queries } = await run<{ frames: number; elapsed: number; queries: number }>(
      page,
      'searchWhileRendering',
      'frames',
      'v',
      40,
      384,
    );
    expect(queries).toBe(40);
    // At least 10 frames a second on average while the searches ran.
    expect(frames).toBeGreaterThanOrEqual(Math.floor(elapsed / 100));
  });
});
