import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Payload, PointId } from '../src/client/sextant-client.js';
import { compileFilter, parseFilter, planFilter, type PointAccess } from '../src/filter/index.js';
import { planFilterLazy } from '../src/filter/plan-filter.js';
import { PayloadIndexSet } from '../src/index/payload/payload-index-set.js';
import { PayloadStorage } from '../src/segment/payload-storage.js';

// ---- a straightforward reference evaluator, written from Qdrant's rules without sharing code with the engine ----

type Json = unknown;

/** Values at a dotted path where a `[]` suffix on a segment walks that array (only what the generators produce). */
function refValues(payload: Record<string, Json>, key: string): Json[] {
  let current: Json[] = [payload];
  for (const seg of key.split('.')) {
    const wild = seg.endsWith('[]');
    const name = wild ? seg.slice(0, -2) : seg;
    const next: Json[] = [];
    for (const v of current) {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !(name in v)) continue;
      const x = (v as Record<string, Json>)[name];
      if (wild) {
        if (Array.isArray(x)) next.push(...x);
      } else next.push(x);
    }
    current = next;
  }
  return current.filter((v) => v !== undefined);
}

function refElement(cond: Record<string, any>, v: Json): boolean {
  const m = cond['match'];
  if (m) {
    if ('value' in m) return v === m.value;
    if ('any' in m) return (m.any as Json[]).includes(v) && (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)));
    if ('except' in m) {
      if (v === null) return false;
      const strings = m.except.length === 0 || typeof m.except[0] === 'string';
      if (strings && typeof v === 'string') return !m.except.includes(v);
      if (!strings && typeof v === 'number') return !m.except.includes(v);
      return true;
    }
    if ('text' in m) return typeof v === 'string' && v.includes(m.text);
    if ('prefix' in m) return typeof v === 'string' && v.startsWith(m.prefix);
  }
  const r = cond['range'];
  if (r) {
    if (typeof v !== 'number') return false;
    return (r.gt == null || v > r.gt) && (r.gte == null || v >= r.gte) && (r.lt == null || v < r.lt) && (r.lte == null || v <= r.lte);
  }
  return false;
}

function refCondition(c: Record<string, any>, payload: Record<string, Json>, id: PointId, nested: boolean): boolean {
  if ('key' in c) {
    const values = refValues(payload, c.key);
    const countOk = (n: number, b: Record<string, number | undefined>) =>
      (b.gt == null || n > b.gt) && (b.lt == null || n < b.lt) && (b.gte == null || n >= b.gte) && (b.lte == null || n <= b.lte);
    // a key with no value holds zero values
    if (values.length === 0) return c.values_count ? countOk(0, c.values_count) : false;
    if (c.values_count) return values.some((v) => countOk(v === null ? 0 : Array.isArray(v) ? v.length : 1, c.values_count));
    return values.some((v) => (Array.isArray(v) ? v.some((e) => refElement(c, e)) : refElement(c, v)));
  }
  if ('is_empty' in c) return refValues(payload, c.is_empty.key).every((v) => v === null || (Array.isArray(v) && v.length === 0));
  if ('is_null' in c) return refValues(payload, c.is_null.key).some((v) => v === null || (Array.isArray(v) && v.includes(null)));
  if ('has_id' in c) return !nested && c.has_id.includes(id);
  if ('nested' in c) {
    return refValues(payload, c.nested.key + '[]').some(
      (e) => typeof e === 'object' && e !== null && !Array.isArray(e) && refFilter(c.nested.filter, e as Record<string, Json>, id, true),
    );
  }
  return refFilter(c, payload, id, nested);
}

function refFilter(f: Record<string, any>, payload: Record<string, Json>, id: PointId, nested = false): boolean {
  const ok = (c: any) => refCondition(c, payload, id, nested);
  if (f.must && !f.must.every(ok)) return false;
  if (f.must_not && f.must_not.some(ok)) return false;
  if (f.should && !f.should.some(ok)) return false;
  if (f.min_should && f.min_should.conditions.filter(ok).length < f.min_should.min_count) return false;
  return true;
}

// ---- generators ----

const word = fc.constantFrom('red', 'green', 'blue', 'Red', 're', '');
const int = fc.integer({ min: -3, max: 3 });
const num = fc.oneof(int, fc.constantFrom(0.5, -1.5, 2.25));
const scalar = fc.oneof(word, num, fc.boolean(), fc.constant(null));
const maybeArray = <T>(a: fc.Arbitrary<T>) => fc.oneof(a, fc.array(a, { maxLength: 3 }));

const payloadArb: fc.Arbitrary<Payload> = fc.record(
  {
    k: maybeArray(fc.oneof(word, word, num, fc.constant(null))),
    n: maybeArray(fc.oneof(num, num, word)),
    b: maybeArray(fc.oneof(fc.boolean(), scalar)),
    obj: fc.record({ x: maybeArray(scalar) }, { requiredKeys: [] }),
    list: fc.array(fc.record({ v: maybeArray(int), w: word }, { requiredKeys: [] }), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

const keyArb = fc.constantFrom('k', 'n', 'b', 'obj.x', 'list[].v', 'list[].w', 'missing');
const matchArb = fc.oneof(
  word.map((value) => ({ value })),
  int.map((value) => ({ value })),
  fc.boolean().map((value) => ({ value })),
  fc.uniqueArray(word, { maxLength: 3 }).map((any) => ({ any })),
  fc.uniqueArray(int, { maxLength: 3 }).map((any) => ({ any })),
  fc.uniqueArray(word, { maxLength: 2 }).map((except) => ({ except })),
  fc.uniqueArray(int, { maxLength: 2 }).map((except) => ({ except })),
  word.map((text) => ({ text })),
  word.map((prefix) => ({ prefix })),
);
const rangeArb = fc.record({ gt: num, gte: num, lt: num, lte: num }, { requiredKeys: [] });
const countArb = fc.record({ gt: fc.nat(3), lt: fc.nat(4), gte: fc.nat(3), lte: fc.nat(3) }, { requiredKeys: [] });

const leafArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ key: keyArb, match: matchArb }),
  fc.record({ key: keyArb, match: matchArb }),
  fc.record({ key: keyArb, range: rangeArb }),
  fc.record({ key: keyArb, values_count: countArb }),
  keyArb.map((key) => ({ is_empty: { key } })),
  keyArb.map((key) => ({ is_null: { key } })),
  fc.uniqueArray(fc.nat(12), { maxLength: 4 }).map((has_id) => ({ has_id })),
  fc.record({ key: fc.constantFrom('v', 'w'), match: matchArb }).map((c) => ({ nested: { key: 'list', filter: { must: [c] } } })),
);

const filterArb = fc.letrec((tie) => ({
  filter: fc.record(
    {
      must: fc.array(tie('cond'), { maxLength: 3 }),
      should: fc.array(tie('cond'), { maxLength: 3 }),
      must_not: fc.array(tie('cond'), { maxLength: 2 }),
      min_should: fc.record({ conditions: fc.array(tie('cond'), { maxLength: 3 }), min_count: fc.integer({ min: 1, max: 3 }) }),
    },
    { requiredKeys: [] },
  ),
  cond: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, leafArb, leafArb, tie('filter')),
})).filter as fc.Arbitrary<Record<string, any>>;

/** Mostly simple filters, so that index-served conditions often have matches to miss. */
const anyFilterArb = fc.oneof(
  filterArb,
  leafArb.map((c) => ({ must: [c] })),
  leafArb.map((c) => ({ must: [c] })),
  fc.array(leafArb, { minLength: 1, maxLength: 3 }).map((should) => ({ should })),
  fc.tuple(leafArb, leafArb).map(([a, b]) => ({ must: [a], must_not: [b] })),
);

// ---- the segment under test ----

function accessOver(payloads: PayloadStorage, live: boolean[]): PointAccess {
  return {
    get capacity() {
      return live.length;
    },
    isLive: (id) => live[id] === true,
    payload: (id) => payloads.get(id),
    externalId: (id) => id,
    internalId: (ext) => (typeof ext === 'number' && live[ext] ? ext : undefined),
    hasVector: () => true,
  };
}

const INDEXES: [string, string | object][] = [
  ['k', 'keyword'],
  ['n', 'integer'],
  ['b', 'bool'],
  ['obj.x', { type: 'integer', lookup: true, range: true }],
  ['list[].v', 'float'],
  ['list[].w', 'keyword'],
];

function buildIndexes(access: PointAccess): PayloadIndexSet {
  const set = new PayloadIndexSet();
  for (const [k, s] of INDEXES) set.create(k, s as never, access);
  return set;
}

function checkAll(filterValue: Record<string, any>, payloads: PayloadStorage, live: boolean[], indexes: PayloadIndexSet): void {
  const access = accessOver(payloads, live);
  const filter = parseFilter(filterValue);
  const plain = compileFilter(filter, access, new PayloadIndexSet());
  const indexed = compileFilter(filter, access, indexes);
  const expected: number[] = [];
  for (let id = 0; id < live.length; id++) {
    if (!live[id]) continue;
    const want = refFilter(filterValue, (payloads.get(id) ?? {}) as Record<string, Json>, id);
    expect(plain(id), `point ${id} unindexed`).toBe(want);
    expect(indexed(id), `point ${id} indexed`).toBe(want);
    if (want) expected.push(id);
  }
  const liveCount = live.filter(Boolean).length;
  const { estimate, candidates } = planFilter(filter, access, indexes, liveCount);
  // An exact plan lets the engine skip the payload check on its candidates: they must be the matches, no more.
  const lazy = planFilterLazy(filter, access, indexes, liveCount);
  if (lazy.exact && lazy.candidates) expect([...lazy.candidates()], 'exact candidates').toEqual(expected);
  if (candidates) {
    const set = new Set(candidates);
    for (const id of expected) expect(set.has(id), `candidate ${id}`).toBe(true);
    for (let i = 1; i < candidates.length; i++) expect(candidates[i]!).toBeGreaterThan(candidates[i - 1]!);
  }
  expect(estimate.min).toBeLessThanOrEqual(expected.length);
  expect(estimate.max).toBeGreaterThanOrEqual(expected.length);
  expect(estimate.min <= estimate.exp && estimate.exp <= estimate.max).toBe(true);
}

describe('filters: indexed == unindexed == reference', () => {
  it('on random payloads and filters', () => {
    fc.assert(
      fc.property(fc.array(fc.option(payloadArb, { nil: undefined }), { minLength: 1, maxLength: 12 }), fc.array(anyFilterArb, { minLength: 1, maxLength: 6 }), (rows, filters) => {
        const payloads = new PayloadStorage();
        rows.forEach((p, id) => p && payloads.set(id, p));
        const live = rows.map(() => true);
        const indexes = buildIndexes(accessOver(payloads, live));
        for (const f of filters) checkAll(f, payloads, live, indexes);
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });

  it('after random updates and deletes, and after an encode/decode round trip', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id: fc.nat(9), payload: payloadArb }),
      fc.record({ kind: fc.constant('merge' as const), id: fc.nat(9), payload: payloadArb }),
      fc.record({ kind: fc.constant('mergeKey' as const), id: fc.nat(9), payload: fc.record({ x: maybeArray(scalar) }) }),
      fc.record({ kind: fc.constant('deleteKeys' as const), id: fc.nat(9), keys: fc.array(fc.constantFrom('k', 'n', 'obj.x', 'list[].v', 'list[]'), { maxLength: 2 }) }),
      fc.record({ kind: fc.constant('clear' as const), id: fc.nat(9) }),
      fc.record({ kind: fc.constant('delete' as const), id: fc.nat(9) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.array(anyFilterArb, { minLength: 1, maxLength: 5 }), (ops, filters) => {
        const payloads = new PayloadStorage();
        const live: boolean[] = Array.from({ length: 10 }, () => false);
        const access = accessOver(payloads, live);
        const indexes = buildIndexes(access);
        for (const o of ops) {
          const before = payloads.get(o.id);
          if (o.kind === 'delete') {
            payloads.delete(o.id);
            live[o.id] = false;
            indexes.update(o.id, before, undefined);
            continue;
          }
          live[o.id] = true;
          if (o.kind === 'set') payloads.set(o.id, o.payload);
          else if (o.kind === 'merge') payloads.merge(o.id, o.payload);
          else if (o.kind === 'mergeKey') payloads.merge(o.id, o.payload, 'obj');
          else if (o.kind === 'deleteKeys') payloads.deleteKeys(o.id, o.keys);
          else payloads.clear(o.id);
          indexes.update(o.id, before, payloads.get(o.id));
        }
        const fresh = buildIndexes(access);
        expect(indexes.schema()).toEqual(fresh.schema());
        const decoded = PayloadIndexSet.decode(indexes.encode());
        expect(decoded.schema()).toEqual(fresh.schema());
        const storage2 = PayloadStorage.decode(payloads.encode());
        for (let id = 0; id < live.length; id++) expect(storage2.get(id)).toEqual(payloads.get(id));
        for (const f of filters) {
          checkAll(f, payloads, live, indexes);
          checkAll(f, storage2, live, decoded);
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});
