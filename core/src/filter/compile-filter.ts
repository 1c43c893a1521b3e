import type { Condition, Filter, PointId } from '../client/sextant-client.js';
import type { PayloadIndexSet } from '../index/payload/payload-index-set.js';
import { arrayKey, formatJsonPath, getValues, isObject, parseJsonPath, type JsonPath } from '../segment/json-path.js';
import { compileFieldCheck } from './field-check.js';
import type { PointAccess } from './point-access.js';
import { inSlice } from './slice-hash.js';

type JsonMap = Record<string, unknown>;

/**
 * Evaluation state for one point. `payload()` loads the point's payload at most once per point; inside a `nested`
 * condition the "payload" is one element object of the nested array, and id-based conditions (`has_id`,
 * `has_vector`, `slice`) are false there, as in Qdrant.
 */
interface Ctx {
  id: number;
  payload(): JsonMap;
  readonly nested: boolean;
}

type Pred = (ctx: Ctx) => boolean;

interface Env {
  access: PointAccess;
  indexes: PayloadIndexSet;
  /** Path of the enclosing nested arrays (`a[].b[]`), for finding full-text indexes on nested keys. */
  prefix: JsonPath | undefined;
}

const EMPTY: JsonMap = {};

/**
 * Compiles a (parsed) filter into a predicate over internal ids with Qdrant's exact semantics. Live-ness is not
 * checked: callers only pass live ids. `null`/`undefined` accepts every point.
 */
export function compileFilter(filter: Filter | undefined | null, access: PointAccess, indexes: PayloadIndexSet): (id: number) => boolean {
  if (!filter) return () => true;
  const pred = compileNode(filter, { access, indexes, prefix: undefined });
  let cached: JsonMap | undefined;
  const ctx: Ctx = {
    id: 0,
    payload: () => (cached ??= (access.payload(ctx.id) as JsonMap | undefined) ?? EMPTY),
    nested: false,
  };
  return (id) => {
    ctx.id = id;
    cached = undefined;
    return pred(ctx);
  };
}

function list(value: unknown): Condition[] | undefined {
  if (value == null) return undefined;
  return Array.isArray(value) ? (value as Condition[]) : [value as Condition];
}

function compileNode(filter: Filter, env: Env): Pred {
  const parts: Pred[] = [];
  const should = list(filter.should);
  if (should) {
    // An empty `should` list matches nothing (Qdrant: "any of no conditions").
    const ps = should.map((c) => compileCondition(c, env));
    parts.push((ctx) => ps.some((p) => p(ctx)));
  }
  const minShould = filter.min_should as { conditions: Condition[]; min_count: number } | null | undefined;
  if (minShould) {
    const ps = minShould.conditions.map((c) => compileCondition(c, env));
    const need = minShould.min_count;
    parts.push((ctx) => {
      let n = 0;
      for (const p of ps) if (p(ctx) && ++n >= need) return true;
      return false;
    });
  }
  const must = list(filter.must);
  if (must) {
    const ps = must.map((c) => compileCondition(c, env));
    parts.push((ctx) => ps.every((p) => p(ctx)));
  }
  const mustNot = list(filter.must_not);
  if (mustNot) {
    const ps = mustNot.map((c) => compileCondition(c, env));
    parts.push((ctx) => !ps.some((p) => p(ctx)));
  }
  if (parts.length === 0) return () => true;
  if (parts.length === 1) return parts[0]!;
  return (ctx) => parts.every((p) => p(ctx));
}

/** `prefix` + `path`, as Qdrant extends a nested path with the inner key. */
export function extendPath(prefix: JsonPath | undefined, path: JsonPath): JsonPath {
  if (!prefix) return path;
  return { first: prefix.first, rest: [...prefix.rest, { key: path.first }, ...path.rest] };
}

function compileCondition(cond: Condition, env: Env): Pred {
  const c = cond as JsonMap;
  if (typeof c['key'] === 'string') {
    const path = parseJsonPath(c['key']);
    const tokenizer = env.indexes.textTokenizer(formatJsonPath(extendPath(env.prefix, path)));
    const { onEmpty, check } = compileFieldCheck(cond as never, tokenizer);
    return (ctx) => {
      const values = getValues(ctx.payload(), path);
      if (values.length === 0) return onEmpty;
      for (const v of values) if (check(v)) return true;
      return false;
    };
  }
  if (isObject(c['is_empty'])) {
    const path = parseJsonPath((c['is_empty'] as { key: string }).key);
    // Empty: missing, null, [] (and every value of a multi-valued path being one of those).
    return (ctx) => getValues(ctx.payload(), path).every((v) => v === null || (Array.isArray(v) && v.length === 0));
  }
  if (isObject(c['is_null'])) {
    const path = parseJsonPath((c['is_null'] as { key: string }).key);
    // Null: some value is null or an array holding a null (as the field condition `is_null: true` reads it, and
    // Qdrant since its issue 10096); a missing key is not null.
    return (ctx) => getValues(ctx.payload(), path).some((v) => v === null || (Array.isArray(v) && v.includes(null)));
  }
  if (Array.isArray(c['has_id'])) {
    const ids = new Set<number>();
    for (const ext of c['has_id'] as PointId[]) {
      const id = env.access.internalId(ext);
      if (id !== undefined) ids.add(id);
    }
    return (ctx) => !ctx.nested && ids.has(ctx.id);
  }
  if (typeof c['has_vector'] === 'string') {
    const name = c['has_vector'];
    return (ctx) => !ctx.nested && env.access.hasVector(ctx.id, name);
  }
  if (isObject(c['slice'])) {
    const { index, total } = c['slice'] as { index: number; total: number };
    return (ctx) => !ctx.nested && inSlice(env.access.externalId(ctx.id), index, total);
  }
  if (isObject(c['nested'])) {
    const { key, filter } = c['nested'] as { key: string; filter: Filter };
    const path = arrayKey(parseJsonPath(key));
    const inner = compileNode(filter, { ...env, prefix: extendPath(env.prefix, path) });
    return (ctx) => {
      for (const element of getValues(ctx.payload(), path)) {
        if (!isObject(element)) continue;
        if (inner({ id: ctx.id, payload: () => element, nested: true })) return true;
      }
      return false;
    };
  }
  return compileNode(cond as Filter, env);
}
