import type { Condition, Filter, PointId } from '../client/sextant-client.js';
import { type FieldPlan, fieldPlan, idsPlan } from '../index/payload/field-candidates.js';
import type { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import { intersectSorted, sortUnique, unionSorted } from '../index/payload/posting-list.js';
import { isObject } from '../segment/json-path.js';
import type { CardinalityEstimate, PointAccess } from './point-access.js';

interface Plan {
  est: CardinalityEstimate;
  /** Sorted superset of the matching ids, when indexes (or has_id) can name them; built only when called. */
  cand: (() => Uint32Array) | undefined;
  /** Marks the same ids as `cand` in a zeroed byte set over internal ids, without sorting (present iff `cand` is). */
  mark: ((bits: Uint8Array) => void) | undefined;
  /** `cand` is exactly the match set: a point in it needs no payload check. */
  exact: boolean;
}

/** A filter's plan, with the expensive parts left for the caller to ask for. */
export interface FilterPlan {
  estimate: CardinalityEstimate;
  /** true when `candidates()` is exactly the (live) match set, so `filter.matches` need not run on it. */
  exact: boolean;
  /** Sorted superset of the matches, built on the first call and cached; undefined = indexes cannot name them. */
  candidates: (() => Uint32Array) | undefined;
  /** A byte per internal id (`capacity` long), 1 for every candidate; built on the first call and cached. */
  candidateBits: ((capacity: number) => Uint8Array) | undefined;
}

/**
 * Estimates how many live points match `filter` (Qdrant's min / exp / max) and, when the filter's structure
 * allows it, names a sorted superset of them from payload indexes and `has_id`:
 * - `must`: the intersection of every condition that yields candidates (others only narrow further);
 * - `should` / `min_should`: the union, only if every condition yields candidates;
 * - `must_not`, nested, is_empty, is_null, values_count, has_vector, slice: no candidates.
 * Conditions without an index are "unknown": 0 .. total, expected total / 2 (Qdrant's guess). Candidates may hold
 * points that fail other parts of the filter; the caller applies `compileFilter` to each.
 */
export function planFilter(
  filter: Filter | undefined | null,
  access: PointAccess,
  indexes: PayloadIndexSet,
  liveCount: number,
): { estimate: CardinalityEstimate; candidates: Uint32Array | undefined } {
  const plan = planFilterLazy(filter, access, indexes, liveCount);
  return { estimate: plan.estimate, candidates: plan.candidates?.() };
}

/**
 * `planFilter` without building anything: the estimate comes from posting-list lengths and numeric index spans, and
 * the id list (or byte set) is built only if the query's plan asks for it, e.g. not for a graph walk at 50%.
 */
export function planFilterLazy(
  filter: Filter | undefined | null,
  access: PointAccess,
  indexes: PayloadIndexSet,
  liveCount: number,
): FilterPlan {
  const total = liveCount;
  if (!filter) return { estimate: { min: total, exp: total, max: total }, exact: false, candidates: undefined, candidateBits: undefined };
  const plan = planNode(filter, { access, indexes, total });
  const est = clamp(plan.est, total);
  const cand = plan.cand, mark = plan.mark;
  let ids: Uint32Array | undefined;
  let bits: Uint8Array | undefined;
  return {
    estimate: est,
    exact: plan.exact,
    candidates: cand && (() => (ids ??= cand())),
    candidateBits: mark && ((capacity) => {
      if (bits === undefined) {
        bits = new Uint8Array(capacity);
        if (ids !== undefined) for (let i = 0; i < ids.length; i++) bits[ids[i]!] = 1;
        else mark(bits);
      }
      return bits;
    }),
  };
}

interface Env {
  access: PointAccess;
  indexes: PayloadIndexSet;
  total: number;
}

function list(value: unknown): Condition[] | undefined {
  if (value == null) return undefined;
  return Array.isArray(value) ? (value as Condition[]) : [value as Condition];
}

function planNode(filter: Filter, env: Env): Plan {
  const parts: Plan[] = [];
  const should = list(filter.should);
  if (should) parts.push(anyOf(should.map((c) => planCondition(c, env)), env.total));
  const minShould = filter.min_should as { conditions: Condition[]; min_count: number } | null | undefined;
  if (minShould) {
    const plans = minShould.conditions.map((c) => planCondition(c, env));
    const any = anyOf(plans, env.total);
    // Needing k of n makes the match set no larger than "any of n"; min drops to 0 for k > 1.
    parts.push(minShould.min_count > plans.length ? none() : minShould.min_count > 1 ? { ...any, est: { ...any.est, min: 0 }, exact: false } : any);
  }
  const must = list(filter.must);
  if (must) parts.push(allOf(must.map((c) => planCondition(c, env)), env.total));
  const mustNot = list(filter.must_not);
  if (mustNot) {
    const negated = mustNot.map((c) => {
      const { est } = planCondition(c, env);
      return { est: { min: env.total - est.max, exp: env.total - est.exp, max: env.total - est.min }, cand: undefined, mark: undefined, exact: false };
    });
    parts.push(allOf(negated, env.total));
  }
  return allOf(parts, env.total);
}

function none(): Plan {
  return fromField(idsPlan(new Uint32Array(0), true));
}

function unknown(total: number): Plan {
  return { est: { min: 0, exp: Math.round(total / 2), max: total }, cand: undefined, mark: undefined, exact: false };
}

function fromField(f: FieldPlan): Plan {
  const exp = Math.round((f.min + f.max) / 2);
  return { est: { min: f.min, exp, max: f.max }, cand: f.ids, mark: f.mark, exact: f.exact };
}

function allOf(plans: Plan[], total: number): Plan {
  if (plans.length === 0) return { est: { min: total, exp: total, max: total }, cand: undefined, mark: undefined, exact: false };
  if (plans.length === 1) return plans[0]!;
  // Intersect the smallest lists first; the others only narrow it.
  const named = plans.filter((p) => p.cand).sort((a, b) => a.est.max - b.est.max);
  const cand = named.length === 0 ? undefined : () => named.slice(1).reduce((acc, p) => intersectSorted(acc, p.cand!()), named[0]!.cand!());
  const mark = named.length === 0 ? undefined : (bits: Uint8Array) => {
    if (named.length === 1) return named[0]!.mark!(bits);
    const ids = cand!();
    for (let i = 0; i < ids.length; i++) bits[ids[i]!] = 1;
  };
  let minSum = 0, max = total, frac = 1;
  for (const p of plans) {
    minSum += p.est.min;
    max = Math.min(max, p.est.max);
    frac *= total > 0 ? p.est.exp / total : 0;
  }
  const min = Math.max(0, minSum - total * (plans.length - 1));
  return { est: { min, exp: Math.round(frac * total), max }, cand, mark, exact: plans.every((p) => p.exact) };
}

function anyOf(plans: Plan[], total: number): Plan {
  if (plans.length === 0) return none();
  const all = plans.every((p) => p.cand);
  const cand = all ? () => unionSorted(plans.map((p) => p.cand!())) : undefined;
  const mark = all ? (bits: Uint8Array) => { for (const p of plans) p.mark!(bits); } : undefined;
  let min = 0, maxSum = 0, missFrac = 1;
  for (const p of plans) {
    min = Math.max(min, p.est.min);
    maxSum += p.est.max;
    missFrac *= total > 0 ? 1 - p.est.exp / total : 1;
  }
  return { est: { min, exp: Math.round(total * (1 - missFrac)), max: Math.min(total, maxSum) }, cand, mark, exact: all && plans.every((p) => p.exact) };
}

function planCondition(cond: Condition, env: Env): Plan {
  const c = cond as Record<string, unknown>;
  if (typeof c['key'] === 'string') {
    const index = env.indexes.get(c['key']);
    const plan = index ? fieldPlan(index, cond as never) : undefined;
    return plan ? fromField(plan) : unknown(env.total);
  }
  if (Array.isArray(c['has_id'])) {
    const ids: number[] = [];
    for (const ext of c['has_id'] as PointId[]) {
      const id = env.access.internalId(ext);
      if (id !== undefined && env.access.isLive(id)) ids.push(id);
    }
    return fromField(idsPlan(sortUnique(Uint32Array.from(ids)), true));
  }
  if (isObject(c['slice'])) {
    const { total: slices } = c['slice'] as { total: number };
    const exp = Math.round(env.total / slices);
    return { est: { min: 0, exp, max: env.total }, cand: undefined, mark: undefined, exact: false };
  }
  if (isObject(c['is_empty']) || isObject(c['is_null']) || typeof c['has_vector'] === 'string' || isObject(c['nested'])) {
    return unknown(env.total);
  }
  return planNode(cond as Filter, env);
}

function clamp(est: CardinalityEstimate, total: number): CardinalityEstimate {
  const max = Math.min(est.max, total);
  const min = Math.min(Math.max(0, est.min), max);
  const exp = Math.min(Math.max(est.exp, min), max);
  return { min, exp, max };
}
