import type { Schemas } from '../client/sextant-client.js';
import { phraseWords, queryTokens, documentTokens, type TokenizerConfig } from '../index/payload/tokenizer.js';
import { parseDatetimeMicros } from './datetime.js';
import { asGeoPoint, inBoundingBox, inPolygon, inRadius } from './geo.js';

/**
 * One field condition against the values found at its key, exactly as Qdrant's condition checker does it:
 * - no value at the key: only `is_empty: true`, `is_null: false` and `values_count` bounds that admit 0 match;
 * - otherwise the condition matches if ANY value matches; a value that is an array matches if any element matches
 *   (one level only: an array inside an array matches nothing but `except`);
 * - the predicates of one field condition are OR-ed (`match` || `range` || geo ... ); `values_count`, `is_empty`
 *   and `is_null` look at a whole value (an array counts its elements) instead of its elements;
 * - with a full-text index on the key, `text` / `text_any` / `phrase` match tokens of the index's tokenizer;
 *   without one, `text` and `phrase` are substring tests and `text_any` tests each whitespace-separated word.
 */
export interface FieldCheck {
  /** The answer when the key has no value at all. */
  readonly onEmpty: boolean;
  /** The answer for one value found at the key. */
  readonly check: (value: unknown) => boolean;
}

type Bounds = { gt?: number; gte?: number; lt?: number; lte?: number };

export function compileFieldCheck(cond: Schemas['FieldCondition'], tokenizer: TokenizerConfig | undefined): FieldCheck {
  const c = cond as Record<string, unknown>;
  const isEmpty = c['is_empty'] as boolean | null | undefined;
  const isNull = c['is_null'] as boolean | null | undefined;
  const counts = c['values_count'] as Bounds | null | undefined;
  // A key with no value holds zero values, which `values_count` bounds may accept (Qdrant's check_empty forwards to
  // ValuesCount::check_empty since qdrant/qdrant#9586: `{lt: 1}`, `{lte: 0}` and `{gte: 0}` match a missing key).
  const onEmpty = (isEmpty != null ? isEmpty : isNull != null ? !isNull : false) || (counts != null && countCheck(counts, []));

  const parts: ((v: unknown) => boolean)[] = [];
  if (c['match'] != null) parts.push(matchCheck(c['match'] as Record<string, unknown>));
  if (c['range'] != null) parts.push(rangeCheck(c['range'] as Record<string, number | string | null | undefined>));
  const box = c['geo_bounding_box'] as Schemas['GeoBoundingBox'] | null | undefined;
  if (box) parts.push(geoCheck((lon, lat) => inBoundingBox(box, lon, lat)));
  const radius = c['geo_radius'] as Schemas['GeoRadius'] | null | undefined;
  if (radius) parts.push(geoCheck((lon, lat) => inRadius(radius, lon, lat)));
  const polygon = c['geo_polygon'] as Schemas['GeoPolygon'] | null | undefined;
  if (polygon) parts.push(geoCheck((lon, lat) => inPolygon(polygon, lon, lat)));
  if (counts) parts.push((v) => countCheck(counts, v));
  if (isEmpty != null) parts.push((v) => emptyCheck(isEmpty, v));
  if (isNull != null) parts.push((v) => nullCheck(isNull, v));
  const element = (v: unknown) => parts.some((p) => p(v));

  let check: (value: unknown) => boolean;
  if (counts) check = (v) => countCheck(counts, v);
  else if (isEmpty != null) check = (v) => emptyCheck(isEmpty, v);
  else if (isNull != null) check = (v) => nullCheck(isNull, v);
  else check = (v) => (Array.isArray(v) ? v.some(element) : element(v));

  const m = c['match'] as Record<string, unknown> | null | undefined;
  if (tokenizer && m && ('text' in m || 'text_any' in m || 'phrase' in m)) {
    const text = indexedTextCheck(tokenizer, m);
    // Qdrant lets the full-text index answer for string values; anything else falls back to the payload check.
    const fallback = check;
    check = (v) => (typeof v === 'string' || (Array.isArray(v) && v.some((e) => typeof e === 'string')) ? text(v) : fallback(v));
  }
  return { onEmpty, check };
}

function matchCheck(m: Record<string, unknown>): (v: unknown) => boolean {
  if ('value' in m) {
    const want = m['value'];
    // Integer match needs an integer payload number: 1.5 never equals 1 (and JSON's 1.0 is 1 in JavaScript).
    return (v) => v === want && (typeof v !== 'number' || Number.isInteger(v));
  }
  if ('text' in m || 'phrase' in m) {
    const text = (m['text'] ?? m['phrase']) as string;
    return (v) => typeof v === 'string' && v.includes(text);
  }
  if ('text_any' in m) {
    const words = (m['text_any'] as string).split(/\s+/u).filter((w) => w !== '');
    return (v) => typeof v === 'string' && words.some((w) => v.includes(w));
  }
  if ('prefix' in m) {
    const prefix = m['prefix'] as string;
    return (v) => typeof v === 'string' && v.startsWith(prefix);
  }
  if ('any' in m) {
    const list = m['any'] as (string | number)[];
    const strings = list.length === 0 || typeof list[0] === 'string';
    const set = new Set<unknown>(list);
    return strings
      ? (v) => typeof v === 'string' && set.has(v)
      : (v) => typeof v === 'number' && Number.isInteger(v) && set.has(v);
  }
  const list = m['except'] as (string | number)[];
  const strings = list.length === 0 || typeof list[0] === 'string';
  const set = new Set<unknown>(list);
  // Qdrant: a value of the other kind (or a bool, object, nested array) is "not in the list"; null never matches.
  return (v) => {
    if (v === null) return false;
    if (strings && typeof v === 'string') return !set.has(v);
    if (!strings && typeof v === 'number') return !Number.isInteger(v) || !set.has(v);
    return true;
  };
}

function rangeCheck(r: Record<string, number | string | null | undefined>): (v: unknown) => boolean {
  const keys = ['gt', 'gte', 'lt', 'lte'] as const;
  const isDate = keys.some((k) => typeof r[k] === 'string');
  const b: Bounds = {};
  for (const k of keys) {
    const x = r[k];
    if (x == null) continue;
    b[k] = typeof x === 'string' ? parseDatetimeMicros(x)! : x;
  }
  const inRange = (x: number) =>
    (b.gt === undefined || x > b.gt) && (b.gte === undefined || x >= b.gte) && (b.lt === undefined || x < b.lt) && (b.lte === undefined || x <= b.lte);
  if (isDate) {
    return (v) => {
      if (typeof v !== 'string') return false;
      const t = parseDatetimeMicros(v);
      return t !== undefined && inRange(t);
    };
  }
  return (v) => typeof v === 'number' && inRange(v);
}

function geoCheck(inside: (lon: number, lat: number) => boolean): (v: unknown) => boolean {
  return (v) => {
    const g = asGeoPoint(v);
    return g !== undefined && inside(g.lon, g.lat);
  };
}

/** `values_count` counts the elements of an array value, 0 for null, 1 for anything else. */
function countCheck(b: Bounds, v: unknown): boolean {
  const n = v === null ? 0 : Array.isArray(v) ? v.length : 1;
  return (b.gt == null || n > b.gt) && (b.gte == null || n >= b.gte) && (b.lt == null || n < b.lt) && (b.lte == null || n <= b.lte);
}

function emptyCheck(want: boolean, v: unknown): boolean {
  if (v === null) return want;
  if (Array.isArray(v)) return (v.length === 0) === want;
  return !want;
}

function nullCheck(want: boolean, v: unknown): boolean {
  if (v === null) return want;
  if (Array.isArray(v)) return v.some((e) => e === null) === want;
  return !want;
}

function indexedTextCheck(cfg: TokenizerConfig, m: Record<string, unknown>): (v: unknown) => boolean {
  const mode = 'text' in m ? 'all' : 'text_any' in m ? 'any' : 'phrase';
  const query = queryTokens(cfg, (m['text'] ?? m['text_any'] ?? m['phrase']) as string);
  const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : (v as unknown[]).filter((e): e is string => typeof e === 'string'));
  if (query.length === 0) return () => false;
  if (mode === 'phrase') {
    return (v) =>
      strings(v).some((s) => {
        const doc = phraseWords(cfg, s);
        outer: for (let i = 0; i + query.length <= doc.length; i++) {
          for (let j = 0; j < query.length; j++) if (doc[i + j] !== query[j]) continue outer;
          return true;
        }
        return false;
      });
  }
  return (v) => {
    const doc = new Set<string>();
    for (const s of strings(v)) for (const t of documentTokens(cfg, s)) doc.add(t);
    return mode === 'all' ? query.every((t) => doc.has(t)) : query.some((t) => doc.has(t));
  };
}
