import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '@sextant/core';
import { startServer, type Server } from './live-server.js';
import { basicCollection, upsert } from './qdrant-collections.js';

// Qdrant's scroll with order_by: ordered by an indexed payload key (integer, float, datetime), no next_page_offset,
// pagination by start_from plus excluding the ids already seen at the last value, a point with several values
// appearing once per value, and offset refused with 400.
const C = 'order_by';
const TOTAL = 300;

describe('scroll with order_by behaves as in Qdrant', () => {
  let s: Server;
  const scroll = (body: unknown) => s.call('POST', `/collections/${C}/points/scroll`, body);

  beforeAll(async () => {
    s = await startServer();
    await basicCollection(s, C);
    const random = seededRandom(11);
    let repeated = TOTAL;
    let day = Date.UTC(2024, 0, 1, 12, 30, 15, 250);
    const nextDate = () => {
      if (random() > 0.5) day += 86_400_000;
      return new Date(day).toISOString();
    };
    const points = Array.from({ length: TOTAL }, (_, i) => {
      if (random() <= 0.5) repeated -= 1;
      return {
        id: i,
        vector: [0.1 * i, 0.1 * i, 0.1 * i, 0.1 * i],
        payload: {
          city: i % 3 === 0 ? 'London' : 'Moscow',
          is_middle_split: i > TOTAL * 0.25 && i < TOTAL * 0.75,
          price: TOTAL - i,
          payload_id: i,
          multi_id: [i, TOTAL - i + 1],
          maybe_repeated_float: repeated,
          date_rfc3339: nextDate(),
          date_simple: nextDate().split('T')[0],
        },
      };
    });
    for (let at = 0; at < TOTAL; at += 50) await upsert(s, C, points.slice(at, at + 50));
    const indexes: Array<[string, string]> = [
      ['city', 'keyword'], ['is_middle_split', 'bool'], ['price', 'float'], ['maybe_repeated_float', 'float'],
      ['payload_id', 'integer'], ['multi_id', 'integer'], ['date_rfc3339', 'datetime'], ['date_simple', 'datetime'],
    ];
    for (const [field_name, field_schema] of indexes) await s.ok('PUT', `/collections/${C}/index?wait=true`, { field_name, field_schema });
  });
  afterAll(() => s.close());

  it('orders by an integer key both ways, without a next page offset', async () => {
    for (const [direction, expected] of [['asc', [0, 1, 2, 3, 4]], ['desc', [299, 298, 297, 296, 295]]] as const) {
      const reply = await scroll({ order_by: { key: 'payload_id', direction }, limit: 5 });
      expect(reply.status).toBe(200);
      expect(reply.body.result.points.map((p: any) => p.id)).toEqual(expected);
      expect(reply.body.result.next_page_offset).toBeNull();
    }
  });

  const keys = ['payload_id', 'price', 'maybe_repeated_float', 'date_rfc3339', 'date_simple'];
  const musts: unknown[] = [undefined, [{ key: 'city', match: { value: 'London' } }], [{ key: 'is_middle_split', match: { value: false } }]];

  it('pages through the whole (filtered) collection by start_from and the ids seen at the last value', async () => {
    const limit = 23;
    for (const key of keys) for (const direction of ['asc', 'desc']) for (const must of musts) {
      const expected = (await s.ok('POST', `/collections/${C}/points/count`, { filter: { must }, exact: true })).count;
      const seen = new Set<number>();
      const atLast = new Set<number>();
      let startFrom: unknown;
      let last: unknown;
      let pages = 0;
      let previous: unknown;
      for (;;) {
        const reply = await scroll({
          order_by: { key, direction, start_from: startFrom },
          limit,
          filter: { must, must_not: [{ has_id: [...atLast] }] },
        });
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        const points = reply.body.result.points as Array<{ id: number; payload: Record<string, unknown> }>;
        pages++;
        for (const p of points) {
          expect(seen.has(p.id), `${key} ${direction}: ${p.id} twice`).toBe(false);
          seen.add(p.id);
          const value = p.payload[key];
          if (previous !== undefined) {
            const ordered = direction === 'asc' ? (previous as number | string) <= (value as number | string) : (previous as number | string) >= (value as number | string);
            expect(ordered, `${key} ${direction}: ${String(previous)} then ${String(value)}`).toBe(true);
          }
          previous = value;
        }
        if (points.length > 0) last = points[points.length - 1]!.payload[key];
        if (startFrom !== last) {
          atLast.clear();
          startFrom = last;
        }
        for (const p of points) if (p.payload[key] === last) atLast.add(p.id);
        if (points.length < limit) break;
      }
      expect(seen.size, `${key} ${direction} ${JSON.stringify(must)}`).toBe(expected);
      expect(pages).toBe(Math.ceil(expected / limit) + (expected % limit === 0 ? 1 : 0));
    }
  });

  it('a point with two values of the key appears once for each', async () => {
    const reply = await scroll({ order_by: 'multi_id', limit: TOTAL * 2 });
    const points = reply.body.result.points as Array<{ id: number }>;
    expect(points).toHaveLength(TOTAL * 2);
    const counts = new Map<number, number>();
    for (const p of points) counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
  });

  it('offset together with order_by is refused with 400', async () => {
    const reply = await scroll({ order_by: 'payload_id', offset: 10, limit: 10 });
    expect(reply.status).toBe(400);
    expect(reply.body.status.error).toContain('Cannot use an `offset` when using `order_by`');
  });
});
