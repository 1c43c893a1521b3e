import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@sextant/core';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// Discovery and context queries through points/query, as Qdrant scores them (its test_discover.py): context alone
// scores the summed loss (never above 0); discover adds the target's similarity squashed into (0, 1) to an integer
// rank from the context, so the integer part depends only on the context and the fraction only on the target.
describe('discover and context queries as Qdrant scores them', () => {
  let s: Server;
  const random = seededRandom(11);
  const vector = () => [random(), random(), random(), random()];
  // half the examples are ids of points with the dense vector (1-8), half raw vectors
  const example = (): number | number[] => (random() < 0.5 ? vector() : 1 + Math.floor(random() * 8));
  const pairs = () => [{ positive: example(), negative: example() }, { positive: example(), negative: example() }];
  const idsUsed = (context: Array<{ positive: unknown; negative: unknown }>, target?: unknown) =>
    new Set([...context.flatMap((p) => [p.positive, p.negative]), target].filter((e) => typeof e === 'number')).size;
  const query = async (body: object) => (await s.ok('POST', '/collections/c/points/query', { limit: 8, ...body })).points;
  const frac = (x: number) => x - Math.floor(x);

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
  });
  afterAll(() => s.close());

  it('context alone: example ids are left out and every score is at most 0', async () => {
    for (let round = 0; round < 5; round++) {
      const context = pairs();
      const points = await query({ query: { context } });
      expect(points).toHaveLength(8 - idsUsed(context));
      for (const p of points) expect(p.score).toBeLessThanOrEqual(0);
    }
  });

  // Qdrant 1.19 squashes each pair's loss with x / (1 + |x|) (ContextPair::loss_by); its dev branch later returns the
  // raw loss (qdrant/qdrant#10612). Sextant follows 1.19.
  it('a single context pair scores the squashed loss of min(sim(positive) - sim(negative), 0)', async () => {
    const positive = [1, 0, 0, 0];
    const negative = [0, 1, 0, 0];
    const points = await query({ query: { context: [{ positive, negative }] }, params: { exact: true }, with_vector: true });
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) {
      const loss = Math.min(p.vector[0] - p.vector[1], 0);
      expect(p.score).toBeCloseTo(loss / (1 + Math.abs(loss)), 4);
    }
  });

  it('a target without context ranks as the nearest search does, with other scores', async () => {
    const target = vector();
    const nearest = await query({ query: target });
    const discovered = await query({ query: { discover: { target, context: null } }, offset: null });
    expect(discovered).toHaveLength(8);
    expect(ids(discovered)).toEqual(ids(nearest));
    discovered.forEach((p: { score: number }, i: number) => expect(p.score).not.toBe(nearest[i].score));
  });

  it('the integer part of a score follows the context, the fraction the target', async () => {
    for (let round = 0; round < 5; round++) {
      const context = pairs();
      const [t1, t2] = [example(), example()];
      const one = await query({ query: { discover: { target: t1, context } }, params: { exact: true } });
      const two = await query({ query: { discover: { target: t2, context } }, params: { exact: true } });
      expect(one).toHaveLength(8 - idsUsed(context, t1));
      expect(two).toHaveLength(8 - idsUsed(context, t2));
      const byId = new Map(two.map((p: { id: number; score: number }) => [p.id, p.score]));
      for (const p of one) {
        const other = byId.get(p.id) as number | undefined;
        if (other === undefined) continue;
        expect(Math.floor(p.score)).toBe(Math.floor(other));
        if (JSON.stringify(t1) === JSON.stringify(t2)) expect(frac(p.score)).toBeCloseTo(frac(other), 5);
        else expect(Math.abs(frac(p.score) - frac(other))).toBeGreaterThan(1e-6);
      }
      const target = example();
      const a = await query({ query: { discover: { target, context: pairs() } } });
      const b = new Map((await query({ query: { discover: { target, context: pairs() } } })).map((p: { id: number; score: number }) => [p.id, p.score]));
      for (const p of a) if (b.has(p.id)) expect(frac(p.score)).toBeCloseTo(frac(b.get(p.id) as number), 5);
    }
  });

  it('a batch answers as the same queries one by one', async () => {
    const searches = Array.from({ length: 10 }, () => ({ query: { discover: { target: example(), context: pairs() } }, limit: 8 }));
    const singles = [];
    for (const search of searches) singles.push(await s.ok('POST', '/collections/c/points/query', search));
    expect(await s.ok('POST', '/collections/c/points/query/batch', { searches })).toEqual(singles);
  });

  it('context ids looked up in another collection\'s named vector equal the same vectors given inline', async () => {
    await s.ok('PUT', '/collections/lookup', { vectors: { other: { size: 4, distance: 'Dot' } } });
    await s.ok('PUT', '/collections/lookup/points?wait=true', {
      points: [{ id: 1, vector: { other: [1, 0, 0, 0] } }, { id: 2, vector: { other: [0, 0, 0, 2] } }],
    });
    const target = [0.2, 0.1, 0.9, 0.7];
    const byId = await query({ query: { discover: { target, context: [{ positive: 1, negative: 2 }] } }, limit: 10, lookup_from: { collection: 'lookup', vector: 'other' } });
    const byVector = await query({ query: { discover: { target, context: [{ positive: [1, 0, 0, 0], negative: [0, 0, 0, 2] }] } }, limit: 10 });
    expect(byId).toEqual(byVector);
    // looked-up ids belong to the other collection, so no point of this one is left out
    expect(byId).toHaveLength(8);
  });
});
