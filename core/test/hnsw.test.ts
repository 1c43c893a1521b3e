import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DISTANCES, type Distance } from '../src/distance/distance.js';
import { DenseVectorStorage } from '../src/segment/vector-storage.js';
import { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import { exactSearch } from '../src/index/hnsw/exact-search.js';
import { seededRandom as rng } from '../src/query/advanced/sample-random.js';

/** Points around `clusters` random centres: the hard case for a graph, with many near-ties. */
function clusteredVectors(n: number, dim: number, seed: number, clusters = 20): Float32Array[] {
  const r = rng(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, g));
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(r() * clusters)]!;
    return Float32Array.from(c, (x) => x + 0.6 * g());
  });
}

function recallAt10(index: HnswIndex, vs: DenseVectorStorage, queries: Float32Array[], ef: number, accept?: (id: number) => boolean): number {
  let hit = 0;
  let total = 0;
  for (const raw of queries) {
    const q = vs.prepareQuery(raw);
    const truth = exactSearch(vs, q, 10, accept).ids;
    const got = index.search(q, 10, ef, accept).ids;
    const set = new Set(truth);
    for (const id of got) if (set.has(id)) hit++;
    total += truth.length;
  }
  return hit / total;
}

function build(distance: Distance, vectors: Float32Array[], seed = 7): { vs: DenseVectorStorage; index: HnswIndex } {
  const vs = new DenseVectorStorage(vectors[0]!.length, distance);
  const index = new HnswIndex(vs, { m: 16, efConstruct: 100, seed });
  vectors.forEach((v, id) => {
    vs.set(id, v);
    index.insert(id);
  });
  return { vs, index };
}

describe('HnswIndex', () => {
  const dim = 24;
  const points = clusteredVectors(3000, dim, 1);
  const queries = clusteredVectors(100, dim, 2);

  describe.each(DISTANCES)('%s', (distance) => {
    it('reaches recall@10 >= 0.95 against brute force', () => {
      const { vs, index } = build(distance, points);
      expect(index.size).toBe(points.length);
      // Inner product is not a metric: the hubs (large-norm points) win most queries and the pruning heuristic
      // keeps fewer useful links, so Dot needs a wider beam for the same recall (as in Qdrant and hnswlib).
      const ef = distance === 'Dot' ? 256 : 64;
      expect(recallAt10(index, vs, queries, ef)).toBeGreaterThanOrEqual(0.95);
    });

    it('returns scores equal to exact scores, best first', () => {
      const { vs, index } = build(distance, points.slice(0, 500));
      const q = vs.prepareQuery(queries[0]!);
      const got = index.search(q, 10, 128);
      for (let i = 0; i < got.ids.length; i++) expect(got.scores[i]).toBeCloseTo(vs.score(q, got.ids[i]!), 4);
      for (let i = 1; i < got.scores.length; i++) {
        if (distance === 'Cosine' || distance === 'Dot') expect(got.scores[i]!).toBeLessThanOrEqual(got.scores[i - 1]!);
        else expect(got.scores[i]!).toBeGreaterThanOrEqual(got.scores[i - 1]!);
      }
    });
  });

  it('keeps recall after deleting 30% and updating 10%, and never returns deleted ids', () => {
    const { vs, index } = build('Cosine', points);
    const r = rng(3);
    const deleted = new Set<number>();
    // 1. Delete 30%: graph first, then the storage bit, as the collection does.
    while (deleted.size < points.length * 0.3) {
      const id = Math.floor(r() * points.length);
      if (deleted.has(id)) continue;
      deleted.add(id);
      index.remove(id);
      vs.delete(id);
    }
    expect(index.size).toBe(points.length - deleted.size);
    // 2. Update 10% of the survivors with fresh vectors: storage first, then relink.
    const fresh = clusteredVectors(points.length, dim, 9);
    let updated = 0;
    for (let id = 0; id < points.length && updated < points.length * 0.1; id += 3) {
      if (deleted.has(id)) continue;
      vs.set(id, fresh[id]!);
      index.insert(id);
      updated++;
    }
    expect(index.size).toBe(points.length - deleted.size);
    // 3. Recall against brute force over the live vectors; no deleted id anywhere.
    expect(recallAt10(index, vs, queries, 64)).toBeGreaterThanOrEqual(0.95);
    for (const raw of queries) {
      const got = index.search(vs.prepareQuery(raw), 50, 100).ids;
      for (const id of got) expect(deleted.has(id)).toBe(false);
    }
  });

  it('filters during the walk: only accepted ids, high recall at 10% selectivity', () => {
    const { vs, index } = build('Euclid', points);
    const accept = (id: number) => (id * 2654435761) % 10 === 3; // a scattered 10%
    for (const raw of queries.slice(0, 30)) {
      for (const id of index.search(vs.prepareQuery(raw), 10, 64, accept).ids) expect(accept(id)).toBe(true);
    }
    expect(recallAt10(index, vs, queries, 64, accept)).toBeGreaterThanOrEqual(0.9);
  });

  it('round-trips through encode/decode with identical search results and keeps inserting', () => {
    const { vs, index } = build('Dot', points.slice(0, 1500));
    index.remove(10);
    vs.delete(10);
    const vs2 = DenseVectorStorage.decode(vs.encode());
    const copy = HnswIndex.decode(index.encode(), vs2);
    expect(copy.size).toBe(index.size);
    for (const raw of queries) {
      const a = index.search(vs.prepareQuery(raw), 10, 50);
      const b = copy.search(vs2.prepareQuery(raw), 10, 50);
      expect(Array.from(b.ids)).toEqual(Array.from(a.ids));
      expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    }
    // The decoded graph carries its level generator state: both grow identically.
    for (let id = 1500; id < 1600; id++) {
      vs.set(id, points[id]!);
      index.insert(id);
      vs2.set(id, points[id]!);
      copy.insert(id);
    }
    expect(copy.encode()).toEqual(index.encode());
  });

  it('stays sound under random interleavings of insert, update and remove (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('set', 'remove'), fc.integer({ min: 0, max: 199 }), fc.integer({ min: 0, max: 999 })), {
          minLength: 50,
          maxLength: 400,
        }),
        (ops) => {
          const pool = clusteredVectors(1000, 8, 5, 5);
          const vs = new DenseVectorStorage(8, 'Cosine');
          const index = new HnswIndex(vs, { m: 4, efConstruct: 20, seed: 1 });
          for (const [op, id, v] of ops) {
            if (op === 'set') {
              vs.set(id, pool[v]!);
              index.insert(id);
            } else {
              index.remove(id);
              vs.delete(id);
            }
          }
          expect(index.size).toBe(vs.count);
          // With ef >= live count a sound graph returns every live point (all reachable), none of the dead.
          const q = vs.prepareQuery(pool[0]!);
          const got = index.search(q, 1000, 1000).ids;
          for (const id of got) expect(vs.has(id)).toBe(true);
          expect(got.length).toBeGreaterThanOrEqual(Math.floor(vs.count * 0.95));
        },
      ),
      { seed: 42, numRuns: 40 },
    );
  });

  it('returns nothing from an empty graph and after removing everything', () => {
    const vs = new DenseVectorStorage(4, 'Cosine');
    const index = new HnswIndex(vs, { m: 8, efConstruct: 32 });
    expect(index.search(vs.prepareQuery([1, 0, 0, 0]), 5, 10).ids.length).toBe(0);
    for (let id = 0; id < 20; id++) {
      vs.set(id, [id, 1, 2, 3]);
      index.insert(id);
    }
    for (let id = 0; id < 20; id++) index.remove(id);
    expect(index.size).toBe(0);
    expect(index.search(vs.prepareQuery([1, 0, 0, 0]), 5, 10).ids.length).toBe(0);
    vs.set(3, [1, 0, 0, 0]);
    index.insert(3);
    expect(Array.from(index.search(vs.prepareQuery([1, 0, 0, 0]), 5, 10).ids)).toEqual([3]);
  });
});
