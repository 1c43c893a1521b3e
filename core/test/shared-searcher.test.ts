import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseVectorStorage, HnswIndex, SharedSearcher, shareWithThreads, sharedMemorySupported, sharedSearchTarget } from '../src/index.js';
import type { SearchRequest, SharedSearchTarget } from '../src/index.js';
import { acceptOfBits, WalkBitsPool } from '../src/executor/shared-searcher.js';
import { seededRandom as rng } from '../src/query/advanced/sample-random.js';
import { scanTarget, sharedCodesTarget } from '../src/executor/executor.js';
import { exactSearch } from '../src/index/hnsw/exact-search.js';
import { ScalarQuantizedStorage } from '../src/segment/quantized-scalar-storage.js';
import { BinaryQuantizedStorage } from '../src/segment/quantized-binary-storage.js';

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

  /** As `asker`, for a walk of quantized codes: the graph and the codes again whenever the pair's epoch moved. */
  function codesAsker(searcher: SharedSearcher) {
    let sent = -1;
    let id = 0;
    return (target: SharedSearchTarget, query: Float32Array, k: number, ef: number) => {
      const req: SearchRequest = { id: ++id, key: target.key, distance: target.distance, query, k, ef };
      if (sent !== target.epoch) (req.graph = target.graph), (req.codes = target.codes), (sent = target.epoch);
      return searcher.search(req);
    };
  }

  for (const [kind, distance] of [['int8', 'Cosine'], ['int8', 'Euclid'], ['binary', 'Dot']] as const) {
    it(`walks ${kind} codes (${distance}) exactly as HnswIndex.search with them, across re-fits and grown row sums`, () => {
      // 1. A SIMD arena (1 MB of rows), so the codes sit in a shared WasmU8Arena too.
      const storage = new DenseVectorStorage(DIM, distance, 4096);
      const index = new HnswIndex(storage, { m: 6, efConstruct: 40, seed: 7 });
      for (let id = 0; id < 600; id++) {
        storage.set(id, row());
        index.insert(id);
      }
      const codes =
        kind === 'int8' ? new ScalarQuantizedStorage(storage, 0.99) : new BinaryQuantizedStorage(storage, { encoding: 'two_bits', queryEncoding: 'scalar4bits' } as never);
      const first = sharedCodesTarget(index, codes)!;
      expect(first.codes?.kind).toBe(kind === 'int8' ? 'scalar' : 'binary');
      expect(first.arena).toBeUndefined();
      const ask = codesAsker(new SharedSearcher(2));
      const queries = Array.from({ length: 20 }, () => storage.prepareQuery(row()));
      const check = () => {
        codes.refresh();
        const target = sharedCodesTarget(index, codes)!;
        for (const q of queries) {
          const mine = index.search(q, 10, 40, undefined, codes);
          const theirs = ask(target, q, 10, 40);
          expect('ids' in theirs).toBe(true);
          if ('ids' in theirs) {
            expect(Array.from(theirs.ids)).toEqual(Array.from(mine.ids));
            expect(Array.from(theirs.scores)).toEqual(Array.from(mine.scores));
          }
        }
      };
      check();
      // 2. Past 4,096 ids the row sums move to a larger array, and the count doubles: a re-fit re-encodes every row.
      for (let id = 600; id < 5000; id++) {
        storage.set(id, row());
        codes.set(id);
        index.insert(id);
      }
      codes.refresh();
      expect(sharedCodesTarget(index, codes)!.codes!.epoch).not.toBe(first.codes!.epoch);
      check();
      // 3. A thread still holding the first codes: int8 row sums (read for Cosine / Dot) end at 4,096 ids, so a walk
      // reaching past them asks for a retry instead of ranking with sums it does not have.
      if (kind === 'int8' && distance === 'Cosine') {
        const stale = new SharedSearcher(1);
        const reply = stale.search({ id: 1, key: first.key, distance, query: queries[0]!, k: 10, ef: 400, graph: index.sharedView()!, codes: first.codes! });
        expect(reply).toMatchObject({ id: 1, retry: true, reason: 'codes grown' });
      }
    });
  }

  it('scans rows exactly as exactSearch (ids, scores, ties by lower id), with the live rows as bits', () => {
    // 1. Shared rows (WebAssembly memory from the start), a quarter of them copies of others: many equal ranks.
    for (const distance of ['Cosine', 'Euclid', 'Dot'] as const) {
      const storage = new DenseVectorStorage(DIM, distance, 4096);
      const rows = Array.from({ length: 3000 }, row);
      for (let id = 0; id < 3000; id++) storage.set(id, id % 4 === 3 ? rows[id - 3]! : rows[id]!);
      const target = scanTarget(storage)!;
      expect(target).toBeDefined();
      const searcher = new SharedSearcher(1);
      let id = 0;
      const scan = (query: Float32Array, k: number, limit: number, live?: Uint32Array) => {
        const req: SearchRequest = { id: ++id, key: target.key, distance, query, k, ef: 0, limit };
        if (id === 1) req.arena = target.arena;
        if (live !== undefined) req.filter = { bits: live, twoHop: false };
        const reply = searcher.search(req);
        if (!('ids' in reply)) throw new Error(reply.reason);
        return { ids: Array.from(reply.ids), scores: Array.from(reply.scores) };
      };
      const plain = (r: { ids: Uint32Array; scores: Float32Array }) => ({ ids: Array.from(r.ids), scores: Array.from(r.scores) });
      const queries = [...Array.from({ length: 6 }, () => storage.prepareQuery(row())), storage.prepareQuery(rows[8]!)];
      for (const q of queries) {
        for (const k of [1, 10, 300]) expect(scan(q, k, 3000)).toEqual(plain(exactSearch(storage, q, k, () => true)));
      }
      // 2. Deletions: the owner's live rows as bits; rows past the limit (written after the dispatch) are not ranked.
      for (let d = 0; d < 3000; d += 7) storage.delete(d);
      const live = new Uint32Array(Math.ceil(3000 / 32));
      for (let d = 0; d < 3000; d++) if (storage.has(d)) live[d >>> 5]! |= 1 << (d & 31);
      for (const q of queries) {
        expect(scan(q, 25, 3000, live)).toEqual(plain(exactSearch(storage, q, 25, () => true)));
        expect(scan(q, 25, 1000, live)).toEqual(plain(exactSearch(storage, q, 25, (i) => i < 1000)));
      }
    }
  });

  it('fills pooled accept bits from the candidates exactly as the accept, and hands them back cleared', () => {
    const pool = new WalkBitsPool(2);
    const pick = rng(9);
    for (let round = 0; round < 20; round++) {
      // 1. A growing collection (n), a candidate list (sorted, some ids past n), an accept within it.
      const n = 500 + round * 97;
      const candidates = Uint32Array.from(Array.from({ length: n + 40 }, (_, id) => id).filter(() => pick() < 0.2));
      const accepted = new Set(Array.from(candidates).filter(() => pick() < 0.7));
      const accept = (id: number) => accepted.has(id);
      const bits = pool.fill(accept, n, candidates);
      // 2. The thread's accept of the bits is the owner's for every id: candidates below n only.
      expect(bits.length).toBeGreaterThanOrEqual((n + 31) >>> 5);
      const read = acceptOfBits({ bits, twoHop: false });
      for (let id = 0; id < bits.length * 32; id++) expect(read(id)).toBe(id < n && accepted.has(id));
      // 3. Back in the pool all zeros, and the next fill reuses it (or drops it when the collection outgrew it).
      pool.release(bits, candidates);
      expect(bits.every((w) => w === 0)).toBe(true);
      expect(pool.size).toBe(1);
      const again = pool.fill(() => false, n, candidates);
      expect(again).toBe(bits);
      pool.release(again, candidates);
    }
    // 4. No more than `keep` free buffers are held.
    const held = [0, 1, 2].map(() => pool.fill(() => true, 64, Uint32Array.of(1, 2)));
    for (const b of held) pool.release(b, Uint32Array.of(1, 2));
    expect(pool.size).toBe(2);
  });
});
