import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { multivecCollection } from './qdrant-collections.js';
import { asF32 } from './result-values.js';

// Qdrant's optional named vectors: a point may carry any subset of the collection's vectors (none included),
// vectors are deleted per point and name, updated per name without touching the others (several updates of one
// point in a batch apply in order), and the errors are Qdrant's: 404 for an unknown point, 422 for an update with no
// vector, 400 for an unknown vector name.
const C = 'optional_vectors';

describe('optional vectors behave as in Qdrant', () => {
  let s: Server;
  const vector = async (id: number) => asF32((await s.ok('GET', `/collections/${C}/points/${id}`)).vector) as Record<string, number[]>;
  const deleteVectors = (body: unknown) => s.ok('POST', `/collections/${C}/points/vectors/delete?wait=true`, body);
  const updateVectors = (points: unknown[]) => s.call('PUT', `/collections/${C}/points/vectors?wait=true`, { points });
  const close = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]!) <= 1e-5);

  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(() => multivecCollection(s, C, 'Dot'));
  afterAll(() => s.close());

  it('search asking for a vector some points lack still answers', async () => {
    await deleteVectors({ points: [2, 3], vector: ['text'] });
    const reply = await s.call('POST', `/collections/${C}/points/search`, {
      vector: { name: 'image', vector: [0, 0, 1, 1] },
      limit: 10,
      with_payload: true,
      with_vector: ['text'],
    });
    expect(reply.status).toBe(200);
    const byId = new Map(reply.body.result.map((p: any) => [p.id, p.vector]));
    expect((byId.get(2) as any).text).toBeUndefined();
    expect((byId.get(1) as any).text).toHaveLength(8);
  });

  it('retrieve shows exactly the vectors each point still has', async () => {
    await deleteVectors({ points: [1, 3], vector: ['text'] });
    const result = await s.ok('POST', `/collections/${C}/points`, { ids: [1, 2, 3, 4], with_vectors: ['text', 'image'], with_payload: true });
    expect(result).toHaveLength(4);
    const has = Object.fromEntries(result.map((r: any) => [r.id, Object.keys(r.vector).sort()]));
    expect(has).toEqual({ 1: ['image'], 2: ['image', 'text'], 3: ['image'], 4: ['image', 'text'] });
  });

  it('a point may be written with some or none of the vectors', async () => {
    await s.ok('PUT', `/collections/${C}/points?wait=true`, {
      points: [
        { id: 101, vector: { text: [0.05, 0.61, 0.76, 0.74, 0.05, 0.61, 0.76, 0.74] }, payload: { city: 'Berlin' } },
        { id: 102, vector: { image: [0.19, 0.81, 0.75, 0.11] }, payload: { city: ['Berlin', 'London'] } },
        { id: 103, vector: {}, payload: { city: ['Berlin', 'Moscow'] } },
      ],
    });
    expect(Object.keys(await vector(101))).toEqual(['text']);
    expect(Object.keys(await vector(102))).toEqual(['image']);
    expect(Object.keys(await vector(103))).toEqual([]);
  });

  it('update vectors adds or replaces the named ones and keeps the others and the payload', async () => {
    await s.ok('PUT', `/collections/${C}/points?wait=true`, { points: [{ id: 1000, vector: {}, payload: { city: 'Berlin' } }] });
    expect((await vector(1000)).text).toBeUndefined();
    let text = [0.34035879, 0.344099, 0.3478392, 0.35157941, 0.35531961, 0.35905982, 0.36280003, 0.36654023];
    expect((await updateVectors([{ id: 1000, vector: { text } }])).status).toBe(200);
    const point = await s.ok('GET', `/collections/${C}/points/1000`);
    expect(close(point.vector.text, text)).toBe(true);
    expect(point.payload.city).toBe('Berlin');
    text = [0.07902951, 0.22391693, 0.36880436, 0.51369179, 0.59272129, 0.07902951, 0.22391693, 0.36880436];
    let image = [0.19, 0.28, 0.37, 0.46];
    await updateVectors([{ id: 1000, vector: { text, image } }]);
    expect(close((await vector(1000)).image, image) && close((await vector(1000)).text, text)).toBe(true);
    image = [0, 0.01, 0, 0.01];
    await updateVectors([{ id: 1000, vector: { image } }]);
    const after = await vector(1000);
    expect(close(after.image, image) && close(after.text, text)).toBe(true);
  });

  it('a point stripped of all vectors takes them back one by one', async () => {
    await deleteVectors({ points: [1], vector: ['image', 'text'] });
    expect(await vector(1)).toEqual({});
    const text = [0.34035879, 0.344099, 0.3478392, 0.35157941, 0.35531961, 0.35905982, 0.36280003, 0.36654023];
    await updateVectors([{ id: 1, vector: { text } }]);
    expect(Object.keys(await vector(1))).toEqual(['text']);
    const image = [0.19, 0.28, 0.37, 0.46];
    await updateVectors([{ id: 1, vector: { image } }]);
    const v = await vector(1);
    expect(close(v.image, image) && close(v.text, text)).toBe(true);
  });

  it('updating a missing point is 404 with Qdrant\'s text', async () => {
    // Qdrant's own case uses 424242424242424242, above 2^53: Sextant's integer ids stop at 2^53 - 1 (see the report)
    const reply = await updateVectors([
      { id: 1, vector: { text: [0.05, 0.61, 0.76, 0.74, 0.05, 0.61, 0.76, 0.74] } },
      { id: 4242424242424242, vector: { image: [0.19, 0.81, 0.75, 0.11] } },
    ]);
    expect(reply.status).toBe(404);
    expect(reply.body.status.error).toBe('Not found: No point with id 4242424242424242 found');
  });

  it('several updates of one point in a batch apply in order', async () => {
    await s.ok('PUT', `/collections/${C}/points?wait=true`, {
      points: [{ id: 1000, vector: { text: [0.1, 0.3, 0.2, 0.9, 0.9, 0.1, 0.4, 0.9], image: [0.8, 0.6, 0.3, 0.0] } }],
    });
    expect(await vector(1000)).toEqual(asF32({ text: [0.1, 0.3, 0.2, 0.9, 0.9, 0.1, 0.4, 0.9], image: [0.8, 0.6, 0.3, 0.0] }));
    await updateVectors([
      { id: 1000, vector: { text: [0.8, 0.8, 0.9, 0.2, 0.7, 0.5, 0.2, 0.6] } },
      { id: 1000, vector: { image: [0.3, 0.6, 0.4, 0.4] } },
    ]);
    expect(await vector(1000)).toEqual(asF32({ text: [0.8, 0.8, 0.9, 0.2, 0.7, 0.5, 0.2, 0.6], image: [0.3, 0.6, 0.4, 0.4] }));
    await updateVectors([
      { id: 1000, vector: { text: [0.2, 0.0, 0.1, 0.3, 0.1, 0.0, 0.0, 0.5] } },
      { id: 1000, vector: { image: [0.7, 0.5, 0.0, 0.5], text: [0.9, 0.2, 0.5, 0.6, 0.4, 0.1, 0.6, 0.7] } },
      { id: 1, vector: { image: [0.4, 0.4, 0.0, 0.9], text: [0.8, 0.6, 0.9, 0.2, 0.3, 0.9, 0.5, 0.9] } },
      { id: 2, vector: { text: [0.5, 0.8, 0.9, 0.8, 0.3, 0.2, 0.1, 0.1] } },
      { id: 3, vector: { image: [0.1, 0.1, 0.3, 0.7] } },
      { id: 1000, vector: { image: [0.9, 0.9, 0.7, 0.5] } },
      { id: 1000, vector: { image: [0.4, 0.5, 0.6, 0.2] } },
    ]);
    expect(await vector(1000)).toEqual(asF32({ text: [0.9, 0.2, 0.5, 0.6, 0.4, 0.1, 0.6, 0.7], image: [0.4, 0.5, 0.6, 0.2] }));
  });

  it('an update with no vector is 422 with Qdrant\'s validation text', async () => {
    const reply = await updateVectors([{ id: 1, vector: {} }]);
    expect(reply.status).toBe(422);
    expect(reply.body.status.error).toContain('Validation error in JSON body: [points[0].vector: must specify vectors to update for point]');
  });

  it('deleting vectors is idempotent, by ids or by filter; an unknown name is 400', async () => {
    for (let round = 0; round < 2; round++) {
      await deleteVectors({ points: [1, 2], vector: ['image'] });
      await deleteVectors({ points: [2, 3], vector: ['text'] });
      expect(Object.keys(await vector(1))).toEqual(['text']);
      expect(Object.keys(await vector(2))).toEqual([]);
      expect(Object.keys(await vector(3))).toEqual(['image']);
    }
    await deleteVectors({ filter: {}, vector: ['image', 'text'] });
    expect(Object.keys(await vector(4))).toEqual([]);
    const reply = await s.call('POST', `/collections/${C}/points/vectors/delete?wait=true`, { points: [1, 2], vector: ['a'] });
    expect(reply.status).toBe(400);
    expect(reply.body.status.error).toContain('Wrong input: Not existing vector name error: a');
  });
});
