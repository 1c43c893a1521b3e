import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';
import { basicCollection } from './qdrant-collections.js';
import { ids } from './result-values.js';

// Qdrant's payload indexes over REST: creating and deleting one shows in `payload_schema` with its data type and
// the number of points it holds; datetime ranges accept RFC 3339 and its common relaxations but refuse other
// formats with 400; and a payload edit on a point leaves its indexed values findable.
const C = 'payload_indexing';

describe('payload indexes behave as in Qdrant', () => {
  let s: Server;
  const info = () => s.ok('GET', `/collections/${C}`);
  const setPayload = (payload: unknown, points: number[]) =>
    s.ok('POST', `/collections/${C}/points/payload?wait=true`, { payload, points });
  const createIndex = (field_name: string, field_schema: unknown) =>
    s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name, field_schema });
  const deleteIndex = (field: string) => s.ok('DELETE', `/collections/${C}/index/${encodeURIComponent(field)}?wait=true`);

  beforeAll(async () => {
    s = await startServer();
  });
  beforeEach(() => basicCollection(s, C));
  afterAll(() => s.close());

  it('an index appears in payload_schema with its type and leaves it when deleted', async () => {
    await setPayload({ test_payload: 'keyword' }, [6]);
    await createIndex('test_payload', 'keyword');
    const schema = (await info()).payload_schema;
    expect(schema.test_payload.data_type).toBe('keyword');
    expect(schema.test_payload.points).toBe(1);
    await deleteIndex('test_payload');
    expect((await info()).payload_schema).toEqual({});
  });

  it('a field name made of digits is a valid key', async () => {
    await createIndex('123', 'keyword');
    expect((await info()).payload_schema['123'].data_type).toBe('keyword');
  });

  it('a bool index counts every point holding a boolean, arrays included', async () => {
    await setPayload({ boolean_payload: false }, [1, 2, 3, 4]);
    await setPayload({ boolean_payload: [true, false] }, [5]);
    await setPayload({ boolean_payload: true }, [6, 7]);
    await createIndex('boolean_payload', 'bool');
    const schema = (await info()).payload_schema;
    expect(schema.boolean_payload).toMatchObject({ data_type: 'bool', points: 7 });
    await deleteIndex('boolean_payload');
    expect((await info()).payload_schema).toEqual({});
  });

  it('datetime ranges: RFC 3339 and its relaxed forms match, other formats are refused with 400', async () => {
    await setPayload({ dt: '2015-01-01T00:00:00Z' }, [1]);
    await setPayload({ dt: '2015-02-01T08:00:00+02:00' }, [2]);
    await createIndex('dt', 'datetime');
    const scroll = (range: unknown) => s.call('POST', `/collections/${C}/points/scroll`, { with_vector: false, filter: { must: [{ key: 'dt', range }] } });
    const accepted: Array<[unknown, number[]]> = [
      [{ gte: '2015-01-01', lte: '2015-01-01 00:00' }, [1]],
      [{ gte: '2015-01-01T01:00:00+01:00', lte: '2015-01-01T01:00:00+01:00' }, [1]],
      [{ gte: '2015-02-01T06:00:00', lte: '2015-02-01T06:00:00Z' }, [2]],
      [{ gte: '2015-02-01T06:00:00.000000000', lte: '2015-02-01T06:00:00.000000000' }, [2]],
    ];
    for (const [range, expected] of accepted) {
      const reply = await scroll(range);
      expect(reply.status, JSON.stringify(range)).toBe(200);
      expect(ids(reply.body.result.points)).toEqual(expected);
    }
    const refused = [
      ['Thu, 01 Jan 2015 01:00:00 +0100', 'Thu, 01 Jan 2015 01:00:00 +0100'],
      ['1422758400000', '1422758400000'],
      ['1420070400', '1420070400'],
      ['2015-02-01 06:00:00 AM', '2015-02-01 06:00:00 AM'],
      ['20150201', '20150201'],
      ['20150201T060000.000Z', '20150201T060000.000Z'],
      ['2015032T060000Z', '2015032T060000Z'],
      ['2015032T060000Z', '2015-02-01T06:00:00'],
    ];
    for (const [gte, lte] of refused) {
      const reply = await scroll({ gte, lte });
      expect(reply.status, `${gte} .. ${lte}`).toBe(400);
      expect(typeof reply.body.status.error).toBe('string');
    }
  });

  it('setting another key on points with an indexed keyword keeps them findable by it', async () => {
    await createIndex('city', 'keyword');
    await s.ok('PATCH', `/collections/${C}`, { optimizers_config: { indexing_threshold: 100 } });
    const berlin = async () =>
      ids((await s.ok('POST', `/collections/${C}/points/scroll`, { with_vector: false, filter: { must: [{ key: 'city', match: { value: 'Berlin' } }] } })).points);
    expect(await berlin()).toEqual([1, 2, 3]);
    await setPayload({ foo: 'bar' }, [2, 4]);
    expect(await berlin()).toEqual([1, 2, 3]);
  });
});
