import { describe, expect, it } from 'vitest';
import type { Payload } from '../src/client/sextant-client.js';
import { createEmbeddedClient } from '../src/client/embedded-client.js';
import { compileFilter, parseFilter, type PointAccess } from '../src/filter/index.js';
import { planFilterLazy } from '../src/filter/plan-filter.js';
import { PayloadIndexSet } from '../src/index/payload/payload-index-set.js';

/**
 * Integer conditions against number payloads, with every numeric index kind and without one. Qdrant's rule
 * (condition_checker.rs): `match` on an integer takes a stored number only when it is an integer (`as_i64`), so
 * 3.5 never equals 3 nor is "in" [3]; `except` counts such a number as "not in the list"; `range` compares any
 * number. JSON's `3.0` is the number 3 in JavaScript, an integer here (as Qdrant's integer index reads it,
 * `value_to_integer`). Indexed or not, the answers must agree, and a plan that claims its candidates are exact
 * must name the matches and nothing else (the engine then skips the payload check).
 */
const VALUES: unknown[] = [3, JSON.parse('3.0'), 3.5, -0, 0, 2 ** 53, -7, '3', true, null, [3.5, 4], [2.5], [[3]], { v: 3 }];

const CONDITIONS: Record<string, unknown>[] = [
  { match: { value: 3 } },
  { match: { value: 0 } },
  { match: { value: 2 ** 53 } },
  { match: { any: [3, 4] } },
  { match: { any: [0, -7] } },
  { match: { except: [3] } },
  { match: { except: [0, 4] } },
  { range: { gte: 3, lte: 3 } },
  { range: { gt: 2, lt: 4 } },
  { range: { lt: 0 } },
  { range: { gte: 0, lte: 0 } },
];

const INDEXES: (string | object | undefined)[] = [
  undefined,
  'integer',
  'float',
  { type: 'integer', lookup: false, range: true },
  { type: 'integer', lookup: true, range: false },
  'keyword',
];

/** Qdrant's answer for one element value (arrays are walked one level by the caller). */
function qdrantElement(cond: Record<string, any>, v: unknown): boolean {
  const isInt = typeof v === 'number' && Number.isInteger(v);
  const m = cond['match'];
  if (m && 'value' in m) return isInt && v === m.value;
  if (m && 'any' in m) return isInt && (m.any as number[]).includes(v as number);
  if (m && 'except' in m) {
    if (v === null) return false;
    return !(isInt && (m.except as number[]).includes(v as number));
  }
  const r = cond['range'];
  if (typeof v !== 'number') return false;
  return (r.gt == null || v > r.gt) && (r.gte == null || v >= r.gte) && (r.lt == null || v < r.lt) && (r.lte == null || v <= r.lte);
}

function qdrant(cond: Record<string, any>, value: unknown): boolean {
  if (value === undefined) return false;
  return Array.isArray(value) ? value.some((e) => qdrantElement(cond, e)) : qdrantElement(cond, value);
}

function access(payloads: Payload[]): PointAccess {
  return {
    capacity: payloads.length,
    isLive: (id) => id < payloads.length,
    payload: (id) => payloads[id],
    externalId: (id) => id,
    internalId: (ext) => (typeof ext === 'number' && ext < payloads.length ? ext : undefined),
    hasVector: () => true,
  };
}

describe('integer and float conditions: indexed == unindexed == Qdrant', () => {
  const payloads: Payload[] = VALUES.map((n) => ({ n }));
  payloads.push({}); // no value at the key

  for (const spec of INDEXES) {
    it(`with ${spec === undefined ? 'no index' : JSON.stringify(spec)}`, () => {
      const acc = access(payloads);
      const indexes = new PayloadIndexSet();
      if (spec !== undefined) indexes.create('n', spec as never, acc);
      for (const c of CONDITIONS) {
        const filter = parseFilter({ must: [{ key: 'n', ...c }] });
        const expected = payloads.flatMap((p, id) => (qdrant(c, p['n']) ? [id] : []));
        const plain = compileFilter(filter, acc, new PayloadIndexSet());
        const indexed = compileFilter(filter, acc, indexes);
        const label = `${JSON.stringify(c)} on ${JSON.stringify(spec)}`;
        expect(payloads.flatMap((_, id) => (plain(id) ? [id] : [])), `${label}: unindexed`).toEqual(expected);
        expect(payloads.flatMap((_, id) => (indexed(id) ? [id] : [])), `${label}: indexed`).toEqual(expected);
        const plan = planFilterLazy(filter, acc, indexes, payloads.length);
        expect(plan.estimate.min, `${label}: min`).toBeLessThanOrEqual(expected.length);
        expect(plan.estimate.max, `${label}: max`).toBeGreaterThanOrEqual(expected.length);
        if (plan.candidates === undefined) continue;
        const candidates = [...plan.candidates()];
        for (const id of expected) expect(candidates, `${label}: candidates hold ${id}`).toContain(id);
        if (plan.exact) {
          expect(candidates, `${label}: exact candidates`).toEqual(expected);
          const bits = plan.candidateBits!(payloads.length);
          expect(payloads.flatMap((_, id) => (bits[id] === 1 ? [id] : [])), `${label}: exact bits`).toEqual(expected);
        }
      }
    });
  }

  it('the engine answers the same through scans and graph walks, with an integer and a float index', async () => {
    // 1. Many points, so the planner may walk the graph; every VALUES entry repeats.
    const client = await createEmbeddedClient();
    const points = Array.from({ length: 600 }, (_, i) => ({
      id: i,
      vector: [Math.cos(i), Math.sin(i), (i % 7) / 7, 1],
      payload: { n: VALUES[i % VALUES.length], f: VALUES[i % VALUES.length] } as Payload,
    }));
    for (const name of ['plain', 'indexed']) {
      await client.createCollection(name, { vectors: { size: 4, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 32, full_scan_threshold: 1 } });
      if (name === 'indexed') {
        await client.createPayloadIndex(name, { field_name: 'n', field_schema: 'integer', wait: true });
        await client.createPayloadIndex(name, { field_name: 'f', field_schema: 'float', wait: true });
      }
      await client.upsert(name, { wait: true, points });
    }
    // 2. Count (exact) and search (limit = all points, exact and not) must agree with Qdrant's rule on both.
    for (const key of ['n', 'f']) {
      for (const c of CONDITIONS) {
        const filter = { must: [{ key, ...c }] };
        const expected = points.filter((p) => qdrant(c, p.payload[key])).map((p) => p.id);
        for (const name of ['plain', 'indexed']) {
          const label = `${name} ${key} ${JSON.stringify(c)}`;
          expect((await client.count(name, { filter, exact: true })).count, label).toBe(expected.length);
          for (const exact of [true, false]) {
            const res = await client.query(name, { query: [1, 0, 0.5, 1], filter, limit: 600, params: { exact, hnsw_ef: 600 } });
            const got = res.points.map((p) => p.id as number);
            for (const id of got) expect(expected, `${label} exact=${exact}: ${id} matches`).toContain(id);
            if (exact) expect(got.sort((a, b) => a - b), `${label}: exact search`).toEqual(expected);
          }
        }
      }
    }
  });
});
