import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection, recreate, upsert } from './qdrant-collections.js';
import { ids } from './result-values.js';

// Qdrant's geo_polygon filter: points inside the exterior ring and outside every interior ring match, interiors
// are optional, a polygon may span the sign change and the whole globe, an unclosed or too short ring is refused,
// several polygons combine under should / must; and a geo index over single and array locations takes deletions.
const C = 'geo';
const ring = (corners: Array<[number, number]>) => ({ points: [...corners, corners[0]!].map(([lon, lat]) => ({ lon, lat })) });
const box = (lon0: number, lat0: number, lon1: number, lat1: number) => ring([[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1]]);

describe('geo filters behave as in Qdrant', () => {
  let s: Server;
  const search = (filter: unknown) => s.call('POST', `/collections/${C}/points/search`, { vector: [0.2, 0.1, 0.9, 0.7], limit: 3, filter });
  const found = async (filter: unknown) => {
    const reply = await search(filter);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return ids(reply.body.result).sort();
  };
  const polygon = (geo_polygon: unknown) => ({ key: 'location', geo_polygon });

  beforeAll(async () => {
    s = await startServer();
    await recreate(s, C, { vectors: { size: 4, distance: 'Dot' } });
    const places: Array<[number, number] | undefined> = [[50.52, 50.405], [60.52, 60.405], [-60.52, -60.405], [80.52, 80.405], [-72.52, -72.405], undefined];
    const vectors = [[0.05, 0.61, 0.76, 0.74], [0.19, 0.81, 0.75, 0.11], [0.36, 0.55, 0.47, 0.94], [0.18, 0.01, 0.85, 0.8], [0.24, 0.18, 0.22, 0.44], [0.24, 0.18, 0.22, 0.44]];
    await upsert(s, C, places.map((place, i) => ({
      id: i + 1,
      vector: vectors[i],
      payload: place ? { value: i + 1, location: { lon: place[0], lat: place[1] } } : { value: i + 1 },
    })));
  });
  afterAll(() => s.close());

  it('a simple polygon, with or without interiors, across the sign change and over the whole globe', async () => {
    const north = box(55.455868, 55.495862, 86.455868, 86.495862);
    expect(await found({ must: [polygon({ exterior: north, interiors: [] })] })).toEqual([2, 4]);
    expect(await found({ must: [polygon({ exterior: north })] })).toEqual([2, 4]);
    expect(await found({ must: [polygon({ exterior: box(-70, -70, 60, 60) })] })).toEqual([1, 3]);
    // limit 3 of the 5 located points: the three best by score
    expect((await found({ must: [polygon({ exterior: box(-180, -90, 180, 90) })] })).length).toBe(3);
    expect(await found({ must: [polygon({ exterior: box(-180, -90, 180, 90) })] })).toEqual([1, 3, 4]);
  });

  it('an interior ring cuts its area out', async () => {
    expect(await found({ must: [polygon({ exterior: box(-70, -70, 60, 60), interiors: [box(-65, -65, 0, 0)] })] })).toEqual([1]);
  });

  it('an unclosed ring or a ring of three points is refused', async () => {
    const open = { points: [[-180, -90], [180, -90], [180, 90], [-180, 90]].map(([lon, lat]) => ({ lon, lat })) };
    const short = { points: [[-180, -90], [180, -90], [-180, -90]].map(([lon, lat]) => ({ lon, lat })) };
    for (const exterior of [open, short]) {
      const reply = await search({ must: [polygon({ exterior })] });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
    }
  });

  it('several polygons: should takes the union, must the intersection', async () => {
    const two = [polygon({ exterior: box(55, 55, 65, 65) }), polygon({ exterior: box(75, 75, 85, 85) })];
    expect(await found({ should: two })).toEqual([2, 4]);
    expect(await found({ must: two })).toEqual([]);
  });

  it('a geo index takes single and array locations, and a deletion by filter', async () => {
    const G = 'geo_index';
    await basicCollection(s, G);
    await upsert(s, G, [
      { id: 1001, vector: [1.05, 1.61, 1.76, 0.74], payload: { location: { lon: 13.4, lat: 52.5 } } },
      { id: 1002, vector: [1.19, 1.81, 1.75, 0.11], payload: { location: [{ lon: 13.4, lat: 52.1 }, { lon: 13.2, lat: 52.5 }] } },
      { id: 1003, vector: [1.36, 1.55, 1.47, 0.94], payload: { location: { lon: 13.4, lat: 12.5 } } },
      { id: 1004, vector: [1.18, 1.01, 1.85, 0.8], payload: { location: { lon: 12.4, lat: 52.5 } } },
      { id: 1005, vector: [1.24, 1.18, 1.22, 0.44], payload: { location: [{ lon: 12.1, lat: 62.5 }, { lon: 13.4, lat: 52.5 }] } },
    ]);
    await s.ok('PUT', `/collections/${G}/index?wait=true`, { field_name: 'location', field_schema: 'geo' });
    expect((await s.ok('GET', `/collections/${G}`)).payload_schema.location).toMatchObject({ data_type: 'geo', points: 5 });
    await s.ok('POST', `/collections/${G}/points/delete?wait=true`, { filter: { must: [{ has_id: [1004] }] } });
    const near = await s.ok('POST', `/collections/${G}/points/scroll`, {
      filter: { must: [{ key: 'location', geo_radius: { center: { lon: 13.4, lat: 52.5 }, radius: 100_000 } }] },
    });
    expect(ids(near.points)).toEqual([1001, 1002, 1005]);
  });
});
