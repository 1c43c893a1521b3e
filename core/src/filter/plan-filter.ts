import type { Condition, Filter, PointId } from '../client/sextant-client.js';
import { fieldCandidates } from '../index/payload/field-candidates.js';
import type { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import { intersectSorted, sortUnique, unionSorted } from '../index/payload/posting-list.js';
import { isObject } from '../segment/json-path.js';
import type { CardinalityEstimate, PointAccess } from './point-access.js';

interface Plan {
  est: CardinalityEstimate;
  /** Sorted superset of the matching ids, when indexes (or has_id) can name them. */
  cand: Uint32Array | undefined;
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
  const total = liveCount;
  if (!filter) return { estimate: { min: total, exp: total, max: total }, candidates: undefined };
  const plan = planNode(filter, { access, indexes, total });
  const est = clamp(plan.est, total, plan.cand?.length);
  return { estimate: est, candidates: plan.cand };
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
    parts.push(minShould.min_count > plans.length ? none() : minShould.min_count > 1 ? { est: { ...any.est, min: 0 }, cand: any.cand } : any);
  }
  const must = list(filter.must);
  if (must) parts.push(allOf(must.map((c) => planCondition(c, env)), env.total));
  const mustNot = list(filter.must_not);
  if (mustNot) {
    const negated = mustNot.map((c) => {
      const { est } = planCondition(c, env);
      return { est: { min: env.total - est.max, exp: env.total - est.exp, max: env.total - est.min }, cand: undefined };
    });
    parts.push(allOf(negated, env.total));
  }
  return allOf(parts, env.total);
}

function none(): Plan {
  return { est: { min: 0, exp: 0, max: 0 }, cand: new Uint32Array(0) };
}

function unknown(total: number): Plan {
  return { est: { min: 0, exp: Math.round(total / 2), max: total }, cand: undefined };
}

function exact(ids: Uint32Array): Plan {
  return { est: { min: ids.length, exp: ids.length, max: ids.length }, cand: ids };
}

function allOf(plans: Plan[], total: number): Plan {
  if (plans.length === 0) return { est: { min: total, exp: total, max: total }, cand: undefined };
  if (plans.length === 1) return plans[0]!;
  let cand: Uint32Array | undefined;
  for (const p of plans) if (p.cand) cand = cand ? intersectSorted(cand, p.cand) : p.cand;
  let minSum = 0, max = total, frac = 1;
  for (const p of plans) {
    minSum += p.est.min;
    max = Math.min(max, p.est.max);
    frac *= total > 0 ? p.est.exp / total : 0;
  }
  const min = Math.max(0, minSum - total * (plans.length - 1));
  return { est: { min, exp: Math.round(frac * total), max }, cand };
}

function anyOf(plans: Plan[], total: number): Plan {
  if (plans.length === 0) return none();
  const cand = plans.every((p) => p.cand) ? unionSorted(plans.map((p) => p.cand!)) : undefined;
  let min = 0, maxSum = 0, missFrac = 1;
  for (const p of plans) {
    min = Math.max(min, p.est.min);
    maxSum += p.est.max;
    missFrac *= total > 0 ? 1 - p.est.exp / total : 1;
  }
  return { est: { min, exp: Math.round(total * (1 - missFrac)), max: Math.min(total, maxSum) }, cand };
}

function planCondition(cond: Condition, env: Env): Plan {
  const c = cond as Record<string, unknown>;
  if (typeof c['key'] === 'string') {
    const index = env.indexes.get(c['key']);
    const ids = index ? fieldCandidates(index, cond as never) : undefined;
    return ids ? exact(ids) : unknown(env.total);
  }
  if (Array.isArray(c['has_id'])) {
    const ids: number[] = [];
    for (const ext of c['has_id'] as PointId[]) {
      const id = env.access.internalId(ext);
      if (id !== undefined && env.access.isLive(id)) ids.push(id);
    }
    return exact(sortUnique(Uint32Array.from(ids)));
  }
  if (isObject(c['slice'])) {
    const { total: slices } = c['slice'] as { total: number };
    const exp = Math.round(env.total / slices);
    return { est: { min: 0, exp, max: env.total }, cand: undefined };
  }
  if (isObject(c['is_empty']) || isObject(c['is_null']) || typeof c['has_vector'] === 'string' || isObject(c['nested'])) {
    return unknown(env.total);
  }
  return planNode(cond as Filter, env);
}

function clamp(est: CardinalityEstimate, total: number, candidates: number | undefined): CardinalityEstimate {
  const max = Math.min(est.max, total, candidates ?? Infinity);
  const min = Math.min(Math.max(0, est.min), max);
  const exp = Math.min(Math.max(est.exp, min), max);
  return { min, exp, max };
}
