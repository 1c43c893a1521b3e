import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { germany, nestedCollection } from './qdrant-collections.js';

// Qdrant's payload selectors on scroll: false leaves `payload` out of the point, true gives it whole, `include`
// keeps the listed paths (nested keys, whole arrays, a key inside every array element) and `exclude` drops them.
const C = 'payload_selector';

describe('payload selectors behave as in Qdrant', () => {
  let s: Server;
  const germanyWith = async (with_payload: unknown) => {
    const reply = await s.call('POST', `/collections/${C}/points/scroll`, {
      filter: { must: [{ key: 'country.name', match: { value: 'Germany' } }] },
      limit: 3,
      with_payload,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.result.points).toHaveLength(1);
    return reply.body.result.points[0];
  };

  beforeAll(async () => {
    s = await startServer();
    await nestedCollection(s, C);
  });
  afterAll(() => s.close());

  it('with_payload false: the point carries no payload at all', async () => {
    const point = await germanyWith(false);
    expect(point.payload ?? null).toBeNull();
  });

  it('with_payload true: the whole payload', async () => {
    expect((await germanyWith(true)).payload).toEqual({ country: germany });
  });

  it('include keeps nested keys, whole arrays and keys inside every element', async () => {
    expect((await germanyWith({ include: ['country.name', 'country.capital'] })).payload).toEqual({
      country: { name: 'Germany', capital: 'Berlin' },
    });
    expect((await germanyWith({ include: ['country.cities'] })).payload).toEqual({ country: { cities: germany.cities } });
    expect((await germanyWith({ include: ['country.cities[].name'] })).payload).toEqual({
      country: { cities: [{ name: 'Berlin' }, { name: 'Munich' }, { name: 'Hamburg' }] },
    });
  });

  it('include keeps an object on the way even when nothing under it matches, as Qdrant\'s path filter does', async () => {
    const reply = await s.ok('POST', `/collections/${C}/points`, { ids: [5], with_payload: { include: ['country.capital'] } });
    expect(reply[0].payload).toEqual({ country: {} });
  });

  it('exclude drops nested keys and whole arrays', async () => {
    expect((await germanyWith({ exclude: ['country.cities'] })).payload).toEqual({ country: { name: 'Germany', capital: 'Berlin' } });
    expect((await germanyWith({ exclude: ['country.name', 'country.capital'] })).payload).toEqual({ country: { cities: germany.cities } });
  });
});
