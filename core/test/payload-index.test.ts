import { describe, expect, it } from 'vitest';
import type { Payload } from '../src/client/sextant-client.js';
import { SextantError } from '../src/client/errors.js';
import { compileFilter, parseFilter, planFilter, type PointAccess } from '../src/filter/index.js';
import { PayloadIndexSet } from '../src/index/payload/payload-index-set.js';

function segment(payloads: (Payload | undefined)[]) {
  const live = payloads.map(() => true);
  const access: PointAccess = {
    get capacity() {
      return payloads.length;
    },
    isLive: (id) => live[id] === true,
    payload: (id) => payloads[id],
    externalId: (id) => id,
    internalId: (ext) => (typeof ext === 'number' && live[ext] ? ext : undefined),
    hasVector: () => true,
  };
  const indexes = new PayloadIndexSet();
  const write = (id: number, p: Payload | undefined) => {
    indexes.update(id, payloads[id], p);
    payloads[id] = p;
    live[id] = p !== undefined;
  };
  const query = (filter: unknown) => {
    const f = parseFilter(filter);
    const ok = compileFilter(f, access, indexes);
    const plan = planFilter(f, access, indexes, live.filter(Boolean).length);
    const hits = payloads.map((_, i) => i).filter((i) => live[i] && ok(i));
    return { hits, candidates: plan.candidates && [...plan.candidates], estimate: plan.estimate };
  };
  return { access, indexes, write, query, live };
}

const rows: Payload[] = [
  { city: 'Berlin', n: 3, price: 9.5, ok: true, at: '2024-01-01T00:00:00Z', loc: { lon: 13.4, lat: 52.5 }, d: 'Red fox jumps' },
  { city: ['Paris', 'Berlin'], n: [1, 7], price: 1.25, ok: false, at: '2024-06-01', loc: { lon: 2.35, lat: 48.85 }, d: 'lazy brown dog' },
  { city: 'Rome', n: 7, ok: [true, false], at: '2023-12-31T23:00:00-02:00', d: 'the red dog' },
  { other: 1 },
];

describe('payload index schema', () => {
  it('reports data_type, params and the number of points with an indexed value', () => {
    const s = segment(rows.slice());
    s.indexes.create('city', 'keyword', s.access);
    s.indexes.create('n', { type: 'integer', lookup: true, range: true }, s.access);
    s.indexes.create('loc', 'geo', s.access);
    expect(s.indexes.schema()).toEqual({
      city: { data_type: 'keyword', points: 3 },
      n: { data_type: 'integer', params: { type: 'integer', lookup: true, range: true }, points: 3 },
      loc: { data_type: 'geo', points: 2 },
    });
    s.write(1, undefined);
    s.write(3, { city: 'Oslo' });
    expect(s.indexes.schema()['city']!.points).toBe(3);
    expect(s.indexes.schema()['loc']!.points).toBe(1);
    expect(s.indexes.has('city')).toBe(true);
    expect(s.indexes.drop('city')).toBe(true);
    expect(s.indexes.drop('city')).toBe(false);
    expect(s.indexes.has('city')).toBe(false);
  });

  it('rejects an unknown field schema with a 422', () => {
    const s = segment([]);
    expect(() => s.indexes.create('x', 'keywords' as never, s.access)).toThrow(SextantError);
  });
});

describe('candidates from each index type', () => {
  const s = segment(rows.slice());
  for (const [k, t] of [['city', 'keyword'], ['n', 'integer'], ['price', 'float'], ['ok', 'bool'], ['at', 'datetime'], ['loc', 'geo'], ['d', 'text']] as const) {
    s.indexes.create(k, t, s.access);
  }
  it.each([
    [{ key: 'city', match: { value: 'Berlin' } }, [0, 1]],
    [{ key: 'city', match: { any: ['Rome', 'Paris'] } }, [1, 2]],
    [{ key: 'city', match: { prefix: 'R' } }, [2]],
    [{ key: 'n', match: { value: 7 } }, [1, 2]],
    [{ key: 'n', range: { gt: 3 } }, [1, 2]],
    [{ key: 'price', range: { lte: 9.5 } }, [0, 1]],
    [{ key: 'ok', match: { value: false } }, [1, 2]],
    [{ key: 'at', range: { gte: '2024-01-01T00:00:00Z' } }, [0, 1, 2]],
    [{ key: 'at', range: { lt: '2024-01-01T00:00:00Z' } }, []],
    [{ key: 'loc', geo_radius: { center: { lon: 13.4, lat: 52.5 }, radius: 1000 } }, [0]],
    [{ key: 'd', match: { text: 'red' } }, [0, 2]],
    [{ key: 'd', match: { text_any: 'fox dog' } }, [0, 1, 2]],
    [{ key: 'd', match: { phrase: 'red dog' } }, [2]],
  ])('%j', (cond, want) => {
    const r = s.query({ must: [cond] });
    expect(r.hits).toEqual(want);
    expect(r.candidates).toEqual(want);
    expect(r.estimate).toEqual({ min: want.length, exp: want.length, max: want.length });
  });
  it('intersects must candidates and unions should candidates', () => {
    const both = s.query({ must: [{ key: 'city', match: { value: 'Berlin' } }, { key: 'n', match: { value: 7 } }] });
    expect(both.candidates).toEqual([1]);
    const either = s.query({ should: [{ key: 'city', match: { value: 'Rome' } }, { key: 'ok', match: { value: true } }] });
    expect(either.candidates).toEqual([0, 2]);
    const open = s.query({ should: [{ key: 'city', match: { value: 'Rome' } }, { key: 'other', match: { value: 1 } }] });
    expect(open.candidates).toBeUndefined();
    expect(open.hits).toEqual([2, 3]);
    expect(s.query({ must_not: [{ key: 'city', match: { value: 'Rome' } }] }).candidates).toBeUndefined();
  });
  it('estimates unindexed conditions as Qdrant does (0 .. n, n / 2 expected)', () => {
    expect(s.query({ must: [{ key: 'other', match: { value: 1 } }] }).estimate).toEqual({ min: 0, exp: 2, max: 4 });
  });
});

describe('facet', () => {
  const s = segment(rows.slice());
  s.indexes.create('city', 'keyword', s.access);
  s.indexes.create('n', 'integer', s.access);
  s.indexes.create('ok', 'bool', s.access);
  s.indexes.create('price', 'float', s.access);
  it('counts points per value, by count then value', () => {
    expect(s.indexes.facet('city', () => true, s.access, 10, true)).toEqual([
      { value: 'Berlin', count: 2 },
      { value: 'Paris', count: 1 },
      { value: 'Rome', count: 1 },
    ]);
    expect(s.indexes.facet('n', () => true, s.access, 1, true)).toEqual([{ value: 7, count: 2 }]);
    expect(s.indexes.facet('ok', (id) => id !== 0, s.access, 10, false)).toEqual([
      { value: false, count: 2 },
      { value: true, count: 1 },
    ]);
  });
  it('needs a keyword / integer / bool / uuid index, like Qdrant', () => {
    expect(() => s.indexes.facet('price', () => true, s.access, 10, true)).toThrow(/No appropriate index for faceting: `price`/);
    expect(() => s.indexes.facet('nope', () => true, s.access, 10, true)).toThrow(SextantError);
  });
});

describe('order_by', () => {
  const s = segment([{ n: 5 }, { n: [1, 9] }, { n: 5 }, { n: 'x' }, { t: '2020-01-01T00:00:00Z' }, { t: '2021-01-01' }]);
  s.indexes.create('n', 'integer', s.access);
  s.indexes.create('t', 'datetime', s.access);
  s.indexes.create('k', 'keyword', s.access);
  s.indexes.create('m', { type: 'integer', range: false }, s.access);
  it('walks values in order from start_from, one entry per value', () => {
    expect([...s.indexes.orderBy('n', 'asc', undefined, s.access)]).toEqual([
      { id: 1, value: 1 },
      { id: 0, value: 5 },
      { id: 2, value: 5 },
      { id: 1, value: 9 },
    ]);
    expect([...s.indexes.orderBy('n', 'desc', 5, s.access)].map((e) => e.id)).toEqual([2, 0, 1]);
    expect([...s.indexes.orderBy('n', 'asc', 6, s.access)].map((e) => e.id)).toEqual([1]);
    expect([...s.indexes.orderBy('t', 'desc', '2020-06-01T00:00:00Z', s.access)]).toEqual([{ id: 4, value: Date.UTC(2020, 0, 1) * 1000 }]);
  });
  it('skips deleted points', () => {
    s.live[0] = false;
    expect([...s.indexes.orderBy('n', 'asc', undefined, s.access)].map((e) => e.id)).toEqual([1, 2, 1]);
    s.live[0] = true;
  });
  it('needs a range index', () => {
    expect(() => [...s.indexes.orderBy('k', 'asc', undefined, s.access)]).toThrow(/No range index for `order_by` key: `k`/);
    expect(() => [...s.indexes.orderBy('m', 'asc', undefined, s.access)]).toThrow(/No range index/);
  });
});

describe('encode / decode', () => {
  it('round trips every index type, and the decoded set keeps updating', () => {
    const s = segment(rows.slice());
    const types = [['city', 'keyword'], ['n', 'integer'], ['price', 'float'], ['ok', 'bool'], ['at', 'datetime'], ['loc', 'geo'], ['d', { type: 'text', tokenizer: 'prefix', min_token_len: 2 }], ['u', 'uuid']] as const;
    s.write(3, { u: '550e8400-e29b-41d4-a716-446655440000', other: 1 });
    for (const [k, t] of types) s.indexes.create(k, t as never, s.access);
    const decoded = PayloadIndexSet.decode(s.indexes.encode());
    expect(decoded.schema()).toEqual(s.indexes.schema());
    const filters = [
      { must: [{ key: 'city', match: { value: 'Berlin' } }] },
      { must: [{ key: 'n', range: { gte: 2 } }] },
      { must: [{ key: 'price', range: { gt: 1 } }] },
      { must: [{ key: 'ok', match: { value: true } }] },
      { must: [{ key: 'at', range: { lt: '2024-03-01' } }] },
      { must: [{ key: 'loc', geo_bounding_box: { top_left: { lon: 0, lat: 60 }, bottom_right: { lon: 20, lat: 40 } } }] },
      { must: [{ key: 'd', match: { text: 'ju' } }] },
      { must: [{ key: 'u', match: { value: '550E8400-E29B-41D4-A716-446655440000' } }] },
    ];
    for (const f of filters) {
      const parsed = parseFilter(f);
      const a = planFilter(parsed, s.access, s.indexes, 4).candidates;
      const b = planFilter(parsed, s.access, decoded, 4).candidates;
      expect(b, JSON.stringify(f)).toEqual(a);
      expect(a, JSON.stringify(f)).toBeDefined();
    }
    decoded.update(0, rows[0], { city: 'Oslo' });
    expect(decoded.schema()['city']!.points).toBe(3);
    expect(planFilter(parseFilter(filters[0]), s.access, decoded, 4).candidates).toEqual(Uint32Array.from([1]));
  });
});
