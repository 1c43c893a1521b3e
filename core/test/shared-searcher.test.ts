import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseVectorStorage, HnswIndex, SharedSearcher, shareWithThreads, sharedMemorySupported, sharedSearchTarget } from '../src/index.js';
import type { SearchRequest, SharedSearchTarget } from '../src/index.js';
import { seededRandom as rng } from '../src/query/advanced/sample-random.js';

// The search threads' walker (SharedSearcher) run here, on this thread, against a graph another part of the test
// keeps writing: the same arrays a worker would get, without the worker. Answers must equal HnswIndex.search's.
const DIM = 64;

describe.runIf(sharedMemorySupported())('SharedSearcher over a shared graph', () => {
  beforeAll(() => shareWithThreads(2));
  afterAll(() => shareWithThreads(0));

  const rand = rng(42);
  const row = () => Array.from({ length: DIM }, () => rand() * 2 - 1);

  /** Sends what a pool would: the arena with the first request, the graph arrays whenever their epoch moved. */
  function asker(searcher: SharedSearcher) {
    let sentEpoch = -1;
    let id = 0;
    return (target: SharedSearchTarget, query: Float32Array, k: number, ef: number) => {
      const req: SearchRequest = { id: ++id, key: target.key, distance: target.distance, query, k, ef };
      if (sentEpoch < 0) req.arena = target.arena;
      if (sentEpoch !== target.graph.epoch) (req.graph = target.graph), (sentEpoch = target.graph.epoch);
      return searcher.search(req);
    };
  }

  it('walks exactly as HnswIndex.search while the graph grows, loses nodes and reuses their upper blocks', () => {
    // 1. Big enough for WebAssembly memory from the start (1 MB of rows), so the arena is shared.
    const storage = new DenseVectorStorage(DIM, 'Cosine', 4096);
    const index = new HnswIndex(storage, { m: 6, efConstruct: 40, seed: 7 });
    for (let id = 0; id < 600; id++) {
      storage.set(id, row());
      index.insert(id);
    }
    const target0 = sharedSearchTarget(index);
    expect(target0).toBeDefined();
    const ask = asker(new SharedSearcher(1));
    const queries = Array.from({ length: 30 }, () => storage.prepareQuery(row()));
    const check = () => {
      const target = sharedSearchTarget(index)!;
      for (const q of queries) {
        const mine = index.search(q, 10, 50);
        const theirs = ask(target, q, 10, 50);
        expect('ids' in theirs).toBe(true);
        if ('ids' in theirs) {
          expect(Array.from(theirs.ids)).toEqual(Array.from(mine.ids));
          expect(Array.from(theirs.scores)).toEqual(Array.from(mine.scores));
        }
      }
    };
    check();
    // 2. Growth: ids past the graph's first capacity replace its arrays (a new epoch).
    const epoch = target0!.graph.epoch;
    for (let id = 600; id < 5000; id++) {
      storage.set(id, row());
      index.insert(id);
    }
    expect(sharedSearchTarget(index)!.graph.epoch).toBeGreaterThan(epoch);
    check();
    // 3. Removals (the entry point among them) free upper blocks; re-inserted ids take them again.
    for (let id = 0; id < 5000; id += 3) index.remove(id);
    check();
    for (let id = 0; id < 5000; id += 6) {
      storage.set(id, row());
      index.insert(id);
    }
    check();
    // 4. The encoded graph decodes to one that walks the same (the pool is not part of the format).
    const decoded = HnswIndex.decode(index.encode(), storage);
    for (const q of queries) expect(decoded.search(q, 10, 50)).toEqual(index.search(q, 10, 50));
  });

  it('asks for a retry rather than walk a graph it was never given', () => {
    const searcher = new SharedSearcher(1);
    const reply = searcher.search({ id: 1, key: 12345, distance: 'Dot', query: new Float32Array(DIM), k: 3, ef: 10 });
    expect(reply).toMatchObject({ id: 1, retry: true });
  });

  it('shares nothing for arenas small enough to stay in JS arrays', () => {
    const storage = new DenseVectorStorage(4, 'Dot');
    const index = new HnswIndex(storage, { m: 4, efConstruct: 8 });
    storage.set(0, [1, 0, 0, 0]);
    index.insert(0);
    expect(sharedSearchTarget(index)).toBeUndefined();
  });
});
