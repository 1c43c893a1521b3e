import type { Schemas } from '../../client/sextant-client.js';
import { parseDatetimeMicros } from '../../filter/datetime.js';
import { inBoundingBox, inPolygon, inRadius } from '../../filter/geo.js';
import type { FieldIndex } from './field-index.js';
import { intersectSorted, sortUnique, unionSorted } from './posting-list.js';
import { queryTokens } from './tokenizer.js';
import { canonicalUuid } from './value-keys.js';

type FieldCondition = Schemas['FieldCondition'];

/**
 * The ids a field index says may satisfy `cond`: sorted, distinct, and a superset of the points whose payload
 * satisfies it (live-ness aside). `undefined` when this index cannot answer the condition (then the caller scans).
 *
 * Only single-predicate conditions are served: Qdrant ORs the predicates of one field condition, and `except`,
 * `values_count`, `is_empty` and `is_null` also match points the index never saw.
 */
export function fieldCandidates(index: FieldIndex, cond: FieldCondition): Uint32Array | undefined {
  const predicates = ['match', 'range', 'geo_bounding_box', 'geo_radius', 'geo_polygon', 'values_count', 'is_empty', 'is_null']
    .filter((k) => (cond as Record<string, unknown>)[k] != null);
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
  const conv = (b: number | string | null | undefined): number | undefined =>
    b == null ? undefined : typeof b === 'string' ? parseDatetimeMicros(b) : b;
  const [s, e] = index.numeric.range(conv(r.gt), conv(r.gte), conv(r.lt), conv(r.lte));
  return sortUnique(index.numeric.idsIn(s, e));
}
