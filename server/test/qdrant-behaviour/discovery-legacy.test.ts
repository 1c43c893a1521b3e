import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@sextant/core';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// The pre-Query-API discover endpoints (points/discover and points/discover/batch) score as Qdrant's do (its
// test_discovery.py): same facts as the query form, answered as a bare list of scored points.
describe('points/discover as Qdrant scores it', () => {
  let s: Server;
  const random = seededRandom(23);
  const vector = () => [random(), random(), random(), random()];
  const example = (): number | number[] => (random() < 0.5 ? vector() : 1 + Math.floor(random() * 8));
  const pairs = () => [{ positive: example(), negative: example() }, { positive: example(), negative: example() }];
  const idsUsed = (context: Array<{ positive: unknown; negative: unknown }>, target?: unknown) =>
    new Set([...context.flatMap((p) => [p.positive, p.negative]), target].filter((e) => typeof e === 'number')).size;
  const discover = (body: object) => s.ok('POST', '/collections/c/points/discover', { limit: 8, ...body });
  const frac = (x: number) => x - Math.floor(x);

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, 'c');
  });
  afterAll(() => s.close());

  it('context alone leaves example ids out and scores at most 0', async () => {
    for (let round = 0; round < 5; round++) {
      const context = pairs();
      const points = await discover({ context });
      expect(points).toHaveLength(8 - idsUsed(context));
      for (const p of points) expect(p.score).toBeLessThanOrEqual(0);
    }
  });

  it('a target alone ranks as the search does, with other scores; a null offset is accepted', async () => {
    const target = vector();
    const searched = await s.ok('POST', '/collections/c/points/search', { vector: target, limit: 8 });
    const discovered = await discover({ target, offset: null });
    expect(discovered).toHaveLength(8);
    expect(ids(discovered)).toEqual(ids(searched));
    discovered.forEach((p: { score: number }, i: number) => expect(p.score).not.toBe(searched[i].score));
  });

  it('the same context keeps the integer part of scores; the same target keeps the fraction', async () => {
    for (let round = 0; round < 5; round++) {
      const context = pairs();
      const [t1, t2] = [example(), example()];
      const one = await discover({ target: t1, context, params: { exact: true } });
      const two = new Map((await discover({ target: t2, context, params: { exact: true } })).map((p: { id: number; score: number }) => [p.id, p.score]));
      expect(one).toHaveLength(8 - idsUsed(context, t1));
      for (const p of one) if (two.has(p.id)) expect(Math.floor(p.score)).toBe(Math.floor(two.get(p.id) as number));
      const target = example();
      const a = await discover({ target, context: pairs() });
      const b = new Map((await discover({ target, context: pairs() })).map((p: { id: number; score: number }) => [p.id, p.score]));
      for (const p of a) if (b.has(p.id)) expect(frac(p.score)).toBeCloseTo(frac(b.get(p.id) as number), 5);
    }
  });

  it('the batch endpoint answers as the same requests one by one', async () => {
    const searches = Array.from({ length: 10 }, () => ({ target: example(), context: pairs(), limit: 8 }));
    const singles = [];
    for (const search of searches) singles.push(await s.ok('POST', '/collections/c/points/discover', search));
    expect(await s.ok('POST', '/collections/c/points/discover/batch', { searches })).toEqual(singles);
  });

  it('ids looked up in another collection equal the same vectors inline', async () => {
    await s.ok('PUT', '/collections/lookup', { vectors: { other: { size: 4, distance: 'Dot' } } });
    await s.ok('PUT', '/collections/lookup/points?wait=true', { points: [{ id: 1, vector: { other: [1, 0, 0, 0] } }, { id: 2, vector: { other: [0, 0, 0, 2] } }] });
    const target = [0.2, 0.1, 0.9, 0.7];
    const byId = await discover({ target, context: [{ positive: 1, negative: 2 }], limit: 10, lookup_from: { collection: 'lookup', vector: 'other' } });
    const byVector = await discover({ target, context: [{ positive: [1, 0, 0, 0], negative: [0, 0, 0, 2] }], limit: 10 });
    expect(byId).toEqual(byVector);
    expect(byId).toHaveLength(8);
  });
});
