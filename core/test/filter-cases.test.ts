import { describe, expect, it } from 'vitest';
import type { Payload, PointId } from '../src/client/sextant-client.js';
import { compileFilter, parseFilter, planFilter, type PointAccess } from '../src/filter/index.js';
import { parseDatetimeMicros } from '../src/filter/datetime.js';
import { sipHash24 } from '../src/filter/slice-hash.js';
import { PayloadIndexSet } from '../src/index/payload/payload-index-set.js';
import { SextantError } from '../src/client/errors.js';

/** A tiny segment: point i has external id ids[i] (default i) and payload payloads[i]; vectors named in `vectors`. */
function makeAccess(payloads: (Payload | undefined)[], opts: { ids?: PointId[]; vectors?: string[][] } = {}): PointAccess {
  const ids = opts.ids ?? payloads.map((_, i) => i);
  return {
    capacity: payloads.length,
    isLive: (id) => id < payloads.length,
    payload: (id) => payloads[id],
    externalId: (id) => ids[id]!,
    internalId: (ext) => {
      const i = ids.indexOf(ext);
      return i < 0 ? undefined : i;
    },
    hasVector: (id, name) => (opts.vectors?.[id] ?? ['']).includes(name),
  };
}

/** Does the filter match this single payload? Checked without indexes and with every plausible index. */
function matches(payload: Payload, filter: unknown, indexSpec: Record<string, string | object> = {}): boolean {
  const access = makeAccess([payload]);
  const plain = compileFilter(parseFilter(filter), access, new PayloadIndexSet())(0);
  const indexes = new PayloadIndexSet();
  for (const [k, s] of Object.entries(indexSpec)) indexes.create(k, s as never, access);
  const indexed = compileFilter(parseFilter(filter), access, indexes)(0);
  if (Object.keys(indexSpec).length > 0 && !Object.values(indexSpec).some((s) => s === 'text' || (s as { type?: string }).type === 'text')) {
    expect(indexed).toBe(plain);
  }
  const { candidates } = planFilter(parseFilter(filter), access, indexes, 1);
  if (candidates && indexed) expect([...candidates]).toContain(0);
  return Object.keys(indexSpec).length > 0 ? indexed : plain;
}

const must = (c: unknown) => ({ must: [c] });
const field = (key: string, rest: object) => must({ key, ...rest });

describe('boolean structure', () => {
  const red = { key: 'color', match: { value: 'red' } };
  const blue = { key: 'color', match: { value: 'blue' } };
  const p = { color: 'red' };
  it.each([
    ['empty filter matches', {}, true],
    ['must [] matches', { must: [] }, true],
    ['empty should list matches nothing', { should: [] }, false],
    ['must_not [] matches', { must_not: [] }, true],
    ['single condition instead of a list', { must: red }, true],
    ['should: any', { should: [blue, red] }, true],
    ['should: none', { should: [blue] }, false],
    ['must_not red', { must_not: [red] }, false],
    ['min_should 1 of 2', { min_should: { conditions: [red, blue], min_count: 1 } }, true],
    ['min_should 2 of 2', { min_should: { conditions: [red, blue], min_count: 2 } }, false],
    ['min_should more than conditions', { min_should: { conditions: [red], min_count: 2 } }, false],
    ['nested filter as condition', { must: [{ should: [blue, { must: [red] }] }] }, true],
    ['must on a missing key', { must: [{ key: 'size', match: { value: 'xl' } }] }, false],
    ['must_not on a missing key', { must_not: [{ key: 'size', match: { value: 'xl' } }] }, true],
  ])('%s', (_name, filter, want) => {
    expect(matches(p, filter)).toBe(want);
  });
});

describe('match', () => {
  it.each([
    ['keyword equal', { tag: 'a' }, { value: 'a' }, true],
    ['keyword is case sensitive', { tag: 'A' }, { value: 'a' }, false],
    ['keyword in array', { tag: ['x', 'a'] }, { value: 'a' }, true],
    ['keyword in nested array is not flattened twice', { tag: [['a']] }, { value: 'a' }, false],
    ['integer equal', { n: 3 }, { value: 3 }, true],
    ['integer vs float payload', { n: 3.5 }, { value: 3 }, false],
    ['integer vs numeric string', { n: '3' }, { value: 3 }, false],
    ['bool equal', { b: true }, { value: true }, true],
    ['bool vs string', { b: 'true' }, { value: true }, false],
    ['any strings', { tag: 'b' }, { any: ['a', 'b'] }, true],
    ['any integers', { tag: 2 }, { any: [1, 2] }, true],
    ['any empty list', { tag: 'a' }, { any: [] }, false],
    ['except strings: other value', { tag: 'c' }, { except: ['a', 'b'] }, true],
    ['except strings: listed value', { tag: 'a' }, { except: ['a', 'b'] }, false],
    ['except: array with one other value', { tag: ['a', 'c'] }, { except: ['a'] }, true],
    ['except: number vs string list', { tag: 5 }, { except: ['a'] }, true],
    ['except: bool is never listed', { tag: false }, { except: [1] }, true],
    ['except: null never matches', { tag: null }, { except: ['a'] }, false],
    ['except: empty array matches nothing', { tag: [] }, { except: ['a'] }, false],
    ['text substring without index', { d: 'Hello World' }, { text: 'lo Wo' }, true],
    ['text is case sensitive without index', { d: 'Hello World' }, { text: 'hello' }, false],
    ['text_any without index', { d: 'Hello World' }, { text_any: 'xyz World' }, true],
    ['phrase without index is a substring', { d: 'a quick fox' }, { phrase: 'quick fox' }, true],
    ['prefix', { d: 'prefix-match' }, { prefix: 'pre' }, true],
    ['prefix is case sensitive', { d: 'Prefix' }, { prefix: 'pre' }, false],
  ])('%s', (_name, payload, match, want) => {
    expect(matches(payload as Payload, field(Object.keys(payload)[0]!, { match }))).toBe(want);
  });

  it('gives the same answers with keyword / integer / bool indexes', () => {
    expect(matches({ tag: ['x', 'a'] }, field('tag', { match: { value: 'a' } }), { tag: 'keyword' })).toBe(true);
    expect(matches({ n: [1, 2] }, field('n', { match: { any: [2, 9] } }), { n: 'integer' })).toBe(true);
    expect(matches({ n: 2.5 }, field('n', { match: { value: 2 } }), { n: 'integer' })).toBe(false);
    expect(matches({ b: false }, field('b', { match: { value: false } }), { b: 'bool' })).toBe(true);
    expect(matches({ d: 'prefix' }, field('d', { match: { prefix: 'pre' } }), { d: 'keyword' })).toBe(true);
    const u = '550e8400-e29b-41d4-a716-446655440000';
    expect(matches({ u }, field('u', { match: { value: u } }), { u: 'uuid' })).toBe(true);
  });

  it('uses the full-text index tokenizer when the key has one', () => {
    const d = { d: 'The Quick, brown fox!' };
    // without an index: substring, case sensitive
    expect(matches(d, field('d', { match: { text: 'quick' } }))).toBe(false);
    // with a word-tokenizer index (lowercase by default): every query token must be a document token
    expect(matches(d, field('d', { match: { text: 'QUICK fox' } }), { d: 'text' })).toBe(true);
    expect(matches(d, field('d', { match: { text: 'quic' } }), { d: 'text' })).toBe(false);
    expect(matches(d, field('d', { match: { text_any: 'cat fox' } }), { d: 'text' })).toBe(true);
    expect(matches(d, field('d', { match: { phrase: 'brown fox' } }), { d: 'text' })).toBe(true);
    expect(matches(d, field('d', { match: { phrase: 'fox brown' } }), { d: 'text' })).toBe(false);
    expect(matches(d, field('d', { match: { text: 'quic' } }), { d: { type: 'text', tokenizer: 'prefix' } })).toBe(true);
    expect(matches(d, field('d', { match: { text: 'quick' } }), { d: { type: 'text', lowercase: false } })).toBe(false);
    expect(matches(d, field('d', { match: { text: 'the brown' } }), { d: { type: 'text', min_token_len: 4 } })).toBe(true);
  });
});

describe('range', () => {
  it.each([
    ['gte / lte inclusive', { n: 5 }, { gte: 5, lte: 5 }, true],
    ['gt exclusive', { n: 5 }, { gt: 5 }, false],
    ['lt exclusive', { n: 5 }, { lt: 5 }, false],
    ['any array element', { n: [1, 10] }, { gt: 8 }, true],
    ['floats', { n: 0.5 }, { gt: 0.25, lt: 0.75 }, true],
    ['string is not a number', { n: '5' }, { gte: 0 }, false],
    ['no bounds matches any number', { n: -1 }, {}, true],
  ])('%s', (_name, payload, range, want) => {
    expect(matches(payload as Payload, field('n', { range }))).toBe(want);
    expect(matches(payload as Payload, field('n', { range }), { n: 'float' })).toBe(want);
  });

  it('compares datetimes with and without time zones', () => {
    const p = { t: '2020-02-15T00:00:00Z' };
    expect(matches(p, field('t', { range: { gte: '2020-02-01T00:00:00Z', lt: '2020-03-01' } }))).toBe(true);
    expect(matches(p, field('t', { range: { gte: '2020-03-01T00:00:00Z' } }))).toBe(false);
    expect(matches({ t: '2020-02-15T01:00:00+02:00' }, field('t', { range: { lt: '2020-02-15T00:00:00' } }), { t: 'datetime' })).toBe(true);
    expect(matches({ t: '2020-02-15 10:30' }, field('t', { range: { gt: '2020-02-15T10:29:59.999999Z' } }), { t: 'datetime' })).toBe(true);
    expect(matches({ t: 'not a date' }, field('t', { range: { gt: '2000-01-01' } }))).toBe(false);
  });

  it('parses the datetime forms Qdrant accepts', () => {
    expect(parseDatetimeMicros('1970-01-01T00:00:00Z')).toBe(0);
    expect(parseDatetimeMicros('1970-01-01T00:00:01.5Z')).toBe(1_500_000);
    expect(parseDatetimeMicros('1970-01-01T01:00:00+01:00')).toBe(0);
    expect(parseDatetimeMicros('1970-01-01 00:01')).toBe(60_000_000);
    expect(parseDatetimeMicros('1970-01-02')).toBe(86_400_000_000);
    expect(parseDatetimeMicros('0001-01-01')).toBe(-62135596800_000_000);
    expect(parseDatetimeMicros('2020-02-30')).toBeUndefined();
    expect(parseDatetimeMicros('2020-01-01T10:00Z')).toBeUndefined();
    expect(parseDatetimeMicros('yesterday')).toBeUndefined();
  });
});

describe('geo', () => {
  const berlin = { loc: { lon: 13.404954, lat: 52.520008 } };
  it('bounding box, radius and polygon with a hole', () => {
    const box = { top_left: { lon: 13.08835, lat: 52.67551 }, bottom_right: { lon: 13.76116, lat: 52.33826 } };
    expect(matches(berlin, field('loc', { geo_bounding_box: box }))).toBe(true);
    expect(matches(berlin, field('loc', { geo_bounding_box: box }), { loc: 'geo' })).toBe(true);
    const moscow = { top_left: { lon: 37.0366, lat: 56.1859 }, bottom_right: { lon: 38.2532, lat: 55.317 } };
    expect(matches(berlin, field('loc', { geo_bounding_box: moscow }), { loc: 'geo' })).toBe(false);
    // antimeridian-crossing box
    const wrap = { top_left: { lon: 170, lat: 10 }, bottom_right: { lon: -170, lat: -10 } };
    expect(matches({ loc: { lon: 179, lat: 0 } }, field('loc', { geo_bounding_box: wrap }))).toBe(true);
    expect(matches({ loc: { lon: 0, lat: 0 } }, field('loc', { geo_bounding_box: wrap }))).toBe(false);
    // ~1.1 km from the centre
    const near = { center: { lon: 13.404954, lat: 52.53 }, radius: 2000 };
    expect(matches(berlin, field('loc', { geo_radius: near }), { loc: 'geo' })).toBe(true);
    expect(matches(berlin, field('loc', { geo_radius: { ...near, radius: 1000 } }))).toBe(false);
    const square = (a: number) => ({ points: [{ lon: -a, lat: -a }, { lon: a, lat: -a }, { lon: a, lat: a }, { lon: -a, lat: a }, { lon: -a, lat: -a }] });
    const poly = { exterior: square(10), interiors: [square(1)] };
    expect(matches({ loc: { lon: 5, lat: 5 } }, field('loc', { geo_polygon: poly }), { loc: 'geo' })).toBe(true);
    expect(matches({ loc: { lon: 0, lat: 0 } }, field('loc', { geo_polygon: poly }))).toBe(false);
    expect(matches({ loc: [{ lon: 50, lat: 0 }, { lon: 0.5, lat: 5 }] }, field('loc', { geo_polygon: poly }))).toBe(true);
  });
});

describe('values_count, is_empty, is_null', () => {
  const p: Payload = { rating: [3, 7, 9, 9], one: 'x', parts: [], packaging: null, not_null: [null], obj: {} };
  it.each([
    ['values_count of an array', field('rating', { values_count: { lt: 5, gte: 4 } }), true],
    ['values_count of a scalar is 1', field('one', { values_count: { gte: 1, lte: 1 } }), true],
    ['values_count of null is 0', field('packaging', { values_count: { lt: 1 } }), true],
    ['values_count on a missing key counts 0 values', field('missing', { values_count: { lt: 1 } }), true],
    ['values_count on a missing key: 0 is not 1 or more', field('missing', { values_count: { gte: 1 } }), false],
    ['is_empty on missing', must({ is_empty: { key: 'missing' } }), true],
    ['is_empty on []', must({ is_empty: { key: 'parts' } }), true],
    ['is_empty on null', must({ is_empty: { key: 'packaging' } }), true],
    ['is_empty on [null]', must({ is_empty: { key: 'not_null' } }), false],
    ['is_empty on {}', must({ is_empty: { key: 'obj' } }), false],
    ['is_empty on a value', must({ is_empty: { key: 'one' } }), false],
    ['is_null on null', must({ is_null: { key: 'packaging' } }), true],
    // an array holding a null is null, as for the field condition (Qdrant 1.19.1, its issue 10096)
    ['is_null on [null]', must({ is_null: { key: 'not_null' } }), true],
    ['is_null on missing', must({ is_null: { key: 'missing' } }), false],
    ['is_null on []', must({ is_null: { key: 'parts' } }), false],
    ['field is_empty: true on missing', field('missing', { is_empty: true }), true],
    ['field is_null: true on [null]', field('not_null', { is_null: true }), true],
    ['field is_null: false on missing', field('missing', { is_null: false }), true],
    ['field is_empty: false on [null]', field('not_null', { is_empty: false }), true],
  ])('%s', (_name, filter, want) => {
    expect(matches(p, filter)).toBe(want);
  });
});

describe('key paths and nested', () => {
  const p: Payload = {
    a: { b: [{ c: 1 }, { c: 2 }, { d: { e: 3 } }] },
    arr: [{ x: [1, 2, 3] }, { x: 4 }],
    g: ['g0', 'g1', 'g2'],
    'dotted.key': 'yes',
    country: {
      cities: [
        { name: 'Berlin', sightseeing: ['Brandenburg Gate', 'Reichstag'] },
        { name: 'Paris', sightseeing: ['Eiffel Tower'] },
      ],
    },
    diet: [
      { food: 'meat', likes: false },
      { food: 'leaves', likes: true },
    ],
  };
  it.each([
    ['a.b[].c', field('a.b[].c', { match: { value: 2 } }), true],
    ['a.b.c does not walk the array', field('a.b.c', { match: { value: 2 } }), false],
    ['a.b[1].c', field('a.b[1].c', { match: { value: 2 } }), true],
    ['a.b[0].c', field('a.b[0].c', { match: { value: 2 } }), false],
    ['a.b[].d.e', field('a.b[].d.e', { range: { gte: 3 } }), true],
    ['leaf arrays are flattened once', field('arr[].x', { match: { value: 2 } }), true],
    ['g[2]', field('g[2]', { match: { value: 'g2' } }), true],
    ['quoted key', field('"dotted.key"', { match: { value: 'yes' } }), true],
    ['values_count per found value', field('arr[].x', { values_count: { gte: 3 } }), true],
    [
      'nested: same element must satisfy both',
      must({ nested: { key: 'diet', filter: { must: [{ key: 'food', match: { value: 'meat' } }, { key: 'likes', match: { value: true } }] } } }),
      false,
    ],
    [
      'nested: one element satisfies both',
      must({ nested: { key: 'diet', filter: { must: [{ key: 'food', match: { value: 'leaves' } }, { key: 'likes', match: { value: true } }] } } }),
      true,
    ],
    [
      'flat conditions mix elements',
      { must: [{ key: 'diet[].food', match: { value: 'meat' } }, { key: 'diet[].likes', match: { value: true } }] },
      true,
    ],
    ['nested path inside an object', must({ nested: { key: 'country.cities', filter: { must: [{ key: 'name', match: { value: 'Paris' } }] } } }), true],
    ['has_id inside nested is false', must({ nested: { key: 'diet', filter: { must: [{ has_id: [0] }] } } }), false],
  ])('%s', (_name, filter, want) => {
    expect(matches(p, filter)).toBe(want);
  });

  it('uses a full-text index on a nested key inside nested', () => {
    const filter = must({ nested: { key: 'country.cities', filter: { must: [{ key: 'sightseeing', match: { text: 'eiffel' } }] } } });
    expect(matches(p, filter)).toBe(false);
    expect(matches(p, filter, { 'country.cities[].sightseeing': 'text' })).toBe(true);
  });
});

describe('has_id, has_vector, slice', () => {
  const u = '550e8400-e29b-41d4-a716-446655440000';
  const access = makeAccess([{}, {}, {}], { ids: [7, u, 9], vectors: [[''], ['img'], []] });
  const run = (filter: unknown) => {
    const f = compileFilter(parseFilter(filter), access, new PayloadIndexSet());
    return [0, 1, 2].filter(f);
  };
  it('matches ids, including UUIDs in another spelling', () => {
    expect(run({ must: [{ has_id: [9, u.toUpperCase(), 100] }] })).toEqual([1, 2]);
    expect(run({ must_not: [{ has_id: [7] }] })).toEqual([1, 2]);
    const plan = planFilter(parseFilter({ must: [{ has_id: [9, 7, 100] }] }), access, new PayloadIndexSet(), 3);
    expect([...plan.candidates!]).toEqual([0, 2]);
    expect(plan.estimate).toEqual({ min: 2, exp: 2, max: 2 });
  });
  it('has_vector checks the named vector ("" is the default)', () => {
    expect(run({ must: [{ has_vector: 'img' }] })).toEqual([1]);
    expect(run({ must: [{ has_vector: '' }] })).toEqual([0]);
  });
  it('slices partition the points, and are nested as documented', () => {
    const all = [0, 1, 2];
    const parts = [0, 1, 2].map((index) => run({ must: [{ slice: { total: 3, index } }] }));
    expect(parts.flat().sort()).toEqual(all);
    const quarter = run({ must: [{ slice: { total: 4, index: 0 } }] });
    const half = run({ must: [{ slice: { total: 2, index: 0 } }] });
    for (const id of quarter) expect(half).toContain(id);
  });
  it('SipHash-2-4 matches the reference test vectors', () => {
    const k0 = 0x0706050403020100n, k1 = 0x0f0e0d0c0b0a0908n;
    expect(sipHash24(new Uint8Array(0), k0, k1)).toBe(0x726fdb47dd0e0e31n);
    expect(sipHash24(Uint8Array.from({ length: 15 }, (_, i) => i), k0, k1)).toBe(0xa129ca6149be45e5n);
  });
});

describe('parseFilter', () => {
  const fails = (value: unknown, status: number, text: string) => {
    try {
      parseFilter(value);
    } catch (e) {
      expect(e).toBeInstanceOf(SextantError);
      expect((e as SextantError).status).toBe(status);
      expect((e as SextantError).message).toContain(text);
      return;
    }
    throw new Error('expected parseFilter to throw');
  };
  it('normalizes single conditions and UUIDs', () => {
    expect(parseFilter({ must: { has_id: ['550E8400-E29B-41D4-A716-446655440000'] } })).toEqual({
      must: [{ has_id: ['550e8400-e29b-41d4-a716-446655440000'] }],
    });
  });
  it('names what is wrong', () => {
    fails({ musts: [] }, 400, 'unknown field `musts`');
    fails({ must: [{ key: 'a' }] }, 422, 'At least one field condition must be specified');
    fails({ must: [{ key: 'a', match: { value: 1.5 } }] }, 400, 'filter.must[0].match.value');
    fails({ must: [{ key: 'a', match: { any: ['x', 1] } }] }, 400, 'AnyVariants');
    fails({ must: [{ key: 'a', range: { gt: 1, lt: '2020-01-01' } }] }, 400, 'RangeInterface');
    fails({ must: [{ key: 'a', range: { gt: 'soon' } }] }, 400, 'invalid datetime');
    fails({ must: [{ key: 'a[x]', match: { value: 1 } }] }, 400, 'Invalid json path');
    fails({ min_should: { conditions: [], min_count: 0 } }, 422, 'min_count');
    fails({ must: [{ key: 'a', geo_radius: { center: { lon: 0, lat: 91 }, radius: 1 } }] }, 422, 'Latitude');
    fails({ must: [{ key: 'a', geo_polygon: { exterior: { points: [{ lon: 0, lat: 0 }, { lon: 1, lat: 0 }, { lon: 0, lat: 0 }] } } }] }, 422, 'at least 4');
    fails({ must: [{ has_id: ['nope'] }] }, 400, 'ExtendedPointId');
    fails({ must: [{ slice: { total: 2, index: 2 } }] }, 422, 'less than total');
    fails({ must: [42] }, 400, 'Condition');
  });
});
