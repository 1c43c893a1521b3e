import type { Schemas } from '../../client/sextant-client.js';
import { parseDatetimeMicros } from '../../filter/datetime.js';
import { inBoundingBox, inPolygon, inRadius } from '../../filter/geo.js';
import type { FieldIndex } from './field-index.js';
import { intersectSorted, sortUnique, unionSorted } from './posting-list.js';
import { queryTokens } from './tokenizer.js';
import { canonicalUuid } from './value-keys.js';

type FieldCondition = Schemas['FieldCondition'];

/**
 * What a field index knows about `cond` before any id list is built: bounds on how many points match, whether the
 * index's ids are exactly the matching points (so the payload need not be checked again), and ways to name them
 * on demand. Building the list is the expensive part (a 50k-id range is a copy plus a sort), so the planner asks
 * for it only once it knows the plan will use it.
 */
export interface FieldPlan {
  min: number;
  max: number;
  /** true: `ids()` is exactly the points whose payload satisfies the condition (live-ness aside). */
  exact: boolean;
  /** Sorted, distinct superset of the matching points. */
  ids(): Uint32Array;
  /** Sets `bits[id] = 1` for every id of `ids()`, in any order and without sorting. */
  mark(bits: Uint8Array): void;
}

/**
 * The plan of `cond` on `index`, or `undefined` when this index cannot answer it (then the caller scans).
 *
 * Exactness is claimed only where the index stores the very values the filter compares: keyword strings, bools,
 * integer lookups, and numeric (not datetime) ranges. Text, prefix, uuid, datetime and geo answers are supersets
 * as far as the planner knows, so their matches are still checked point by point.
 */
export function fieldPlan(index: FieldIndex, cond: FieldCondition): FieldPlan | undefined {
  const c = cond as Record<string, unknown>;
  const predicates = PREDICATES.filter((k) => c[k] != null);
  if (predicates.length !== 1) return undefined;
  if (c['match'] != null) {
    const m = c['match'] as Record<string, unknown>;
    const values = 'value' in m ? [m['value']] : 'any' in m ? (m['any'] as unknown[]) : undefined;
    if (values !== undefined && values.length > 0) {
      if (values.every((v) => typeof v === 'string') && index.type === 'keyword') return listsPlan(values.map((k) => index.map!.get(k as string)), true);
      if (typeof m['value'] === 'boolean' && index.type === 'bool') return listsPlan([index.map!.get(String(m['value']))], true);
      if (values.every((v) => typeof v === 'number') && index.numeric && index.type !== 'datetime' && index.supportsLookup) {
        const num = index.numeric;
        const spans = (values as number[]).map((v) => num.range(undefined, v, undefined, v));
        return spansPlan(index, spans, (values as number[]).every(Number.isInteger));
      }
    }
  }
  if (c['range'] != null && index.numeric && index.supportsRange) {
    const r = c['range'] as RangeBounds;
    const isDate = [r.gt, r.gte, r.lt, r.lte].some((b) => typeof b === 'string');
    if (isDate === (index.type === 'datetime')) return spansPlan(index, [numericSpan(index, r)], !isDate);
    return undefined;
  }
  const ids = fieldCandidates(index, cond);
  return ids === undefined ? undefined : idsPlan(ids, false);
}

const PREDICATES = ['match', 'range', 'geo_bounding_box', 'geo_radius', 'geo_polygon', 'values_count', 'is_empty', 'is_null'];

/**
 * A plan over posting lists (views, never copied until `ids()`). One list counts exactly without building anything;
 * several may overlap, so they are merged now to count them exactly, as the estimate always has been.
 */
function listsPlan(lists: Uint32Array[], exact: boolean): FieldPlan {
  if (lists.length !== 1) return idsPlan(unionSorted(lists), exact);
  const list = lists[0]!;
  return {
    min: list.length, max: list.length, exact,
    ids: () => list.slice(),
    mark: (bits) => markAll(bits, list),
  };
}

/**
 * A plan over position spans of a numeric index, each holding distinct ids. When every indexed point holds exactly
 * one value (`size === points`) positions are points, so disjoint spans count exactly without building anything;
 * otherwise the ids are merged now to count them, as the estimate always has been.
 */
function spansPlan(index: FieldIndex, spans: [number, number][], exact: boolean): FieldPlan {
  const num = index.numeric!;
  const build = () => sortUnique(concat(spans.map(([s, e]) => num.idsIn(s, e))));
  if (num.size !== index.points || !disjoint(spans)) return idsPlan(build(), exact);
  let count = 0;
  for (const [s, e] of spans) count += e - s;
  return {
    min: count, max: count, exact,
    ids: build,
    mark: (bits) => {
      for (const [s, e] of spans) markAll(bits, num.idsView(s, e));
    },
  };
}

/** One monomorphic loop over typed arrays for every mark: a 50k-id range is a hot path of the filtered walk. */
function markAll(bits: Uint8Array, ids: Uint32Array): void {
  for (let i = 0; i < ids.length; i++) bits[ids[i]!] = 1;
}

function concat(parts: Uint32Array[]): Uint32Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint32Array(n);
  n = 0;
  for (const p of parts) out.set(p, (n += p.length) - p.length);
  return out;
}

function disjoint(spans: [number, number][]): boolean {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < sorted.length; i++) if (sorted[i]![0] < sorted[i - 1]![1]) return false;
  return true;
}

/**
 * A plan over an id list already built (text, prefix, uuid, geo, overlapping lists): sorted and distinct. Its length
 * is taken as the estimate even when it is a superset, as Qdrant takes an index's count.
 */
export function idsPlan(ids: Uint32Array, exact: boolean): FieldPlan {
  return {
    min: ids.length,
    max: ids.length,
    exact,
    ids: () => ids,
    mark: (bits) => markAll(bits, ids),
  };
}

/**
 * The ids a field index says may satisfy `cond`: sorted, distinct, and a superset of the points whose payload
 * satisfies it (live-ness aside). `undefined` when this index cannot answer the condition (then the caller scans).
 *
 * Only single-predicate conditions are served: Qdrant ORs the predicates of one field condition, and `except`,
 * `values_count`, `is_empty` and `is_null` also match points the index never saw.
 */
export function fieldCandidates(index: FieldIndex, cond: FieldCondition): Uint32Array | undefined {
  const predicates = PREDICATES.filter((k) => (cond as Record<string, unknown>)[k] != null);
  if (predicates.length !== 1) return undefined;
  const c = cond as Record<string, unknown>;
  if (c['match'] != null) return matchCandidates(index, c['match'] as Record<string, unknown>);
  if (c['range'] != null) return rangeCandidates(index, c['range'] as RangeBounds);
  if (index.geo) {
    const box = c['geo_bounding_box'] as Schemas['GeoBoundingBox'] | undefined;
    const radius = c['geo_radius'] as Schemas['GeoRadius'] | undefined;
    const polygon = c['geo_polygon'] as Schemas['GeoPolygon'] | undefined;
    if (box) return index.geo.select((lon, lat) => inBoundingBox(box, lon, lat));
    if (radius) return index.geo.select((lon, lat) => inRadius(radius, lon, lat));
    if (polygon) return index.geo.select((lon, lat) => inPolygon(polygon, lon, lat));
  }
  return undefined;
}

function matchCandidates(index: FieldIndex, m: Record<string, unknown>): Uint32Array | undefined {
  if ('value' in m) {
    const v = m['value'];
    if (typeof v === 'string') return keyLookup(index, [v]);
    if (typeof v === 'number') return numberLookup(index, [v]);
    if (typeof v === 'boolean' && index.type === 'bool') return index.map!.get(String(v)).slice();
    return undefined;
  }
  if ('any' in m) {
    const list = m['any'] as (string | number)[];
    if (list.length === 0) return new Uint32Array(0); // matches nothing, whatever the index
    if (list.every((x) => typeof x === 'string')) return keyLookup(index, list as string[]);
    if (list.every((x) => typeof x === 'number')) return numberLookup(index, list as number[]);
    return undefined;
  }
  if (index.type === 'text' && ('text' in m || 'text_any' in m || 'phrase' in m)) {
    const text = (m['text'] ?? m['text_any'] ?? m['phrase']) as string;
    const tokens = queryTokens(index.tokenizer!, text);
    if (tokens.length === 0) return new Uint32Array(0);
    const lists = tokens.map((t) => index.map!.get(t));
    if ('text_any' in m) return unionSorted(lists);
    return lists.reduce((acc, l) => intersectSorted(acc, l));
  }
  if ('prefix' in m && index.type === 'keyword') return unionSorted(index.map!.withPrefix(m['prefix'] as string));
  return undefined;
}

function keyLookup(index: FieldIndex, keys: string[]): Uint32Array | undefined {
  if (index.type === 'keyword') return unionSorted(keys.map((k) => index.map!.get(k)));
  if (index.type === 'uuid') {
    // A string that is not a UUID may still equal a stored non-UUID string the index skipped: scan instead.
    const canon = keys.map(canonicalUuid);
    if (canon.some((c) => c === undefined)) return undefined;
    return unionSorted(canon.map((k) => index.map!.get(k!)));
  }
  return undefined;
}

function numberLookup(index: FieldIndex, values: number[]): Uint32Array | undefined {
  if (!index.numeric || index.type === 'datetime' || !index.supportsLookup) return undefined;
  const lists = values.map((v) => {
    const [s, e] = index.numeric!.range(undefined, v, undefined, v);
    return sortUnique(index.numeric!.idsIn(s, e));
  });
  return unionSorted(lists);
}

type RangeBounds = { gt?: number | string | null; gte?: number | string | null; lt?: number | string | null; lte?: number | string | null };

function rangeCandidates(index: FieldIndex, r: RangeBounds): Uint32Array | undefined {
  if (!index.numeric || !index.supportsRange) return undefined;
  const bounds = [r.gt, r.gte, r.lt, r.lte];
  const isDate = bounds.some((b) => typeof b === 'string');
  if (isDate !== (index.type === 'datetime')) return undefined;
  const [s, e] = numericSpan(index, r);
  return sortUnique(index.numeric.idsIn(s, e));
}

function numericSpan(index: FieldIndex, r: RangeBounds): [number, number] {
  const conv = (b: number | string | null | undefined): number | undefined =>
    b == null ? undefined : typeof b === 'string' ? parseDatetimeMicros(b) : b;
  return index.numeric!.range(conv(r.gt), conv(r.gte), conv(r.lt), conv(r.lte));
}
