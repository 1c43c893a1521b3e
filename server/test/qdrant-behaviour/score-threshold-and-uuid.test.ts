import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';

// Two small facts from Qdrant's REST tests: a search's score_threshold cuts exactly at the score (Dot: higher is
// better), and points with UUID ids are written and read back by that id.
const C = 'threshold_uuid';

describe('score threshold and uuid ids', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, C);
  });
  afterAll(() => s.close());

  it('a threshold just above the second score keeps one point, just below keeps two', async () => {
    const search = (extra: object) => s.ok('POST', `/collections/${C}/points/search`, { vector: [0.2, 0.1, 0.9, 0.7], limit: 3, ...extra });
    const top = await search({});
    expect(top).toHaveLength(3);
    const second = top[1].score as number;
    expect(await search({ score_threshold: second + 0.0001 })).toHaveLength(1);
    expect(await search({ score_threshold: second - 0.0001 })).toHaveLength(2);
  });

  it('upserts points by uuid and reads one back by its id', async () => {
    const a = 'b524a3c4-c568-4383-8019-c9ca08243d6a';
    await s.ok('PUT', `/collections/${C}/points?wait=true`, { points: [
      { id: a, vector: [0.15, 0.21, 0.96, 0.04], payload: { city: 'Berlin' } },
      { id: '1d675313-d3dd-4646-8b98-8052364872da', vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'] } },
    ] });
    const point = await s.ok('GET', `/collections/${C}/points/${a}`);
    expect(point.id).toBe(a);
    expect(point.payload).toEqual({ city: 'Berlin' });
  });
});
