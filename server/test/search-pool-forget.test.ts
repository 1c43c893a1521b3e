import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HnswIndex, createDenseVectors, linkOnThreads, seededRandom } from '@sextant/core';
import { SearchPool } from '../src/search/search-pool.js';

// A graph the threads only planned (an index build), never searched, is still held by each thread's planner (its
// walker: the graph's arrays and a reader of its rows) until the pool tells the thread to forget it, which it does
// once the owner's graph is garbage-collected, as for a graph the threads searched.
const DIM = 32;
const N = 3_000; // past the serial start (2,048 nodes), so the threads plan the rest

function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** A float16 graph of N seeded rows built with the pool's threads planning its batches. */
async function built(pool: SearchPool, seed: number): Promise<HnswIndex> {
  const r = seededRandom(seed);
  // SIMD rows from the start: only rows in shared memory are planned on the threads.
  const vs = createDenseVectors(DIM, 'Cosine', 'float16', N, { simd: true });
  for (let id = 0; id < N; id++) vs.set(id, Array.from({ length: DIM }, () => r() * 2 - 1));
  const index = new HnswIndex(vs, { m: 8, efConstruct: 40, seed });
  await linkOnThreads(index, Uint32Array.from({ length: N }, (_, i) => i), pool);
  return index;
}

describe('search pool threads forget graphs they only planned', () => {
  let pool: SearchPool;
  beforeAll(() => {
    pool = SearchPool.start(2)!;
    expect(pool).toBeDefined();
  });
  afterAll(() => pool.close());

  it('drops a planned-only graph once the owner dropped it, and keeps the one still in use', async () => {
    // 1. Two graphs built on the threads; neither is searched there.
    let dropped: HnswIndex | undefined = await built(pool, 1);
    const kept = await built(pool, 2);
    const before = await pool.heldGraphs();
    expect(before).toEqual([
      { searched: 0, planned: 2 },
      { searched: 0, planned: 2 },
    ]);
    // 2. The first graph is dropped (a collection deleted, an index rebuilt); collections run until the pool's
    //    finalizer has told the threads (the answer comes after the forget on each thread's queue).
    expect(dropped.size).toBe(N);
    dropped = undefined;
    let after = before;
    for (let round = 0; round < 50 && after.some((t) => t.planned !== 1); round++) {
      fullGc();
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await pool.heldGraphs();
    }
    expect(after).toEqual([
      { searched: 0, planned: 1 },
      { searched: 0, planned: 1 },
    ]);
    // 3. The kept graph is whole and searchable.
    expect(kept.size).toBe(N);
    expect(kept.search(kept.vectors.get(5), 1, 16).ids[0]).toBe(5);
  }, 60_000);
});
