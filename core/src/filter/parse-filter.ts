import { errors, SextantError } from '../client/errors.js';
import type { Filter } from '../client/sextant-client.js';
import { canonicalUuid } from '../index/payload/value-keys.js';
import { parseJsonPath } from '../segment/json-path.js';
import { parseDatetimeMicros } from './datetime.js';

type JsonMap = Record<string, unknown>;

/**
 * Validates a filter from the wire and returns it normalized: `must` / `should` / `must_not` always arrays (or
 * absent), UUIDs in `has_id` in canonical lowercase form, key paths checked. Shape errors throw a 400 (`bad_filter`)
 * naming the JSON location, like Qdrant's "Format error in JSON body"; out-of-range values a 422 (`validation`).
 */
export function parseFilter(value: unknown): Filter {
  return filterAt(value, 'filter');
}

function bad(at: string, what: string): SextantError {
  return new SextantError('bad_filter', `Bad request: Format error in JSON body: ${at}: ${what}`);
}

function invalid(at: string, what: string): SextantError {
  return errors.validation(`${at}: ${what}`);
}

const FILTER_KEYS = ['should', 'min_should', 'must', 'must_not'];

function filterAt(value: unknown, at: string): Filter {
  if (!isMap(value)) throw bad(at, 'invalid type, expected a filter object');
  for (const k of Object.keys(value)) {
    if (!FILTER_KEYS.includes(k)) throw bad(at, `unknown field \`${k}\`, expected one of \`should\`, \`min_should\`, \`must\`, \`must_not\``);
  }
  const out: JsonMap = {};
  for (const k of ['should', 'must', 'must_not']) {
    const v = value[k];
    if (v == null) continue;
    const items = Array.isArray(v) ? v : [v];
    out[k] = items.map((c, i) => conditionAt(c, `${at}.${k}[${i}]`));
  }
  const ms = value['min_should'];
  if (ms != null) {
    if (!isMap(ms) || !Array.isArray(ms['conditions'])) throw bad(`${at}.min_should`, 'expected `{conditions: [...], min_count}`');
    const count = ms['min_count'];
    if (!isUint(count)) throw bad(`${at}.min_should.min_count`, 'expected an unsigned integer');
    if (count < 1) throw invalid(`${at}.min_should.min_count`, 'value 0 invalid, must be 1 or larger');
    out['min_should'] = { conditions: ms['conditions'].map((c, i) => conditionAt(c, `${at}.min_should.conditions[${i}]`)), min_count: count };
  }
  return out as Filter;
}

function conditionAt(value: unknown, at: string): unknown {
  if (!isMap(value)) throw bad(at, 'data did not match any variant of untagged enum Condition');
  if ('key' in value) return fieldConditionAt(value, at);
  if ('is_empty' in value || 'is_null' in value) {
    const k = 'is_empty' in value ? 'is_empty' : 'is_null';
    const field = value[k];
    if (!isMap(field) || typeof field['key'] !== 'string') throw bad(`${at}.${k}`, 'expected `{key: string}`');
    pathAt(field['key'], `${at}.${k}.key`);
    return { [k]: { key: field['key'] } };
  }
  if ('has_id' in value) {
    const ids = value['has_id'];
    if (!Array.isArray(ids)) throw bad(`${at}.has_id`, 'expected an array of point ids');
    return { has_id: ids.map((id, i) => pointIdAt(id, `${at}.has_id[${i}]`)) };
  }
  if ('has_vector' in value) {
    if (typeof value['has_vector'] !== 'string') throw bad(`${at}.has_vector`, 'expected a vector name');
    return { has_vector: value['has_vector'] };
  }
  if ('slice' in value) {
    const s = value['slice'];
    if (!isMap(s) || !isUint(s['total']) || !isUint(s['index'])) throw bad(`${at}.slice`, 'expected `{total, index}` unsigned integers');
    if (s['total'] < 1) throw invalid(`${at}.slice.total`, 'value 0 invalid, must be 1 or larger');
    if (s['index'] >= s['total']) throw invalid(`${at}.slice.index`, `must be less than total (${s['total']})`);
    return { slice: { total: s['total'], index: s['index'] } };
  }
  if ('nested' in value) {
    const n = value['nested'];
    if (!isMap(n) || typeof n['key'] !== 'string') throw bad(`${at}.nested`, 'expected `{key, filter}`');
    pathAt(n['key'], `${at}.nested.key`);
    return { nested: { key: n['key'], filter: filterAt(n['filter'], `${at}.nested.filter`) } };
  }
  return filterAt(value, at);
}

const FIELD_PREDICATES = ['match', 'range', 'geo_bounding_box', 'geo_radius', 'geo_polygon', 'values_count', 'is_empty', 'is_null'];

function fieldConditionAt(value: JsonMap, at: string): unknown {
  if (typeof value['key'] !== 'string') throw bad(`${at}.key`, 'expected a string');
  pathAt(value['key'], `${at}.key`);
  const out: JsonMap = { key: value['key'] };
  for (const k of FIELD_PREDICATES) if (value[k] != null) out[k] = predicateAt(k, value[k], `${at}.${k}`);
  if (Object.keys(out).length === 1) throw invalid(at, 'At least one field condition must be specified');
  return out;
}

function predicateAt(kind: string, v: unknown, at: string): unknown {
  switch (kind) {
    case 'match':
      return matchAt(v, at);
    case 'range':
      return rangeAt(v, at);
    case 'geo_bounding_box': {
      if (!isMap(v)) throw bad(at, 'expected `{top_left, bottom_right}`');
      return { top_left: geoPointAt(v['top_left'], `${at}.top_left`), bottom_right: geoPointAt(v['bottom_right'], `${at}.bottom_right`) };
    }
    case 'geo_radius': {
      if (!isMap(v) || typeof v['radius'] !== 'number') throw bad(at, 'expected `{center, radius}`');
      return { center: geoPointAt(v['center'], `${at}.center`), radius: v['radius'] };
    }
    case 'geo_polygon': {
      if (!isMap(v)) throw bad(at, 'expected `{exterior, interiors?}`');
      const interiors = v['interiors'];
      if (interiors != null && !Array.isArray(interiors)) throw bad(`${at}.interiors`, 'expected an array of line strings');
      const out: JsonMap = { exterior: lineAt(v['exterior'], `${at}.exterior`) };
      if (Array.isArray(interiors)) out['interiors'] = interiors.map((l, i) => lineAt(l, `${at}.interiors[${i}]`));
      return out;
    }
    case 'values_count': {
      if (!isMap(v)) throw bad(at, 'expected `{gt?, gte?, lt?, lte?}`');
      const out: JsonMap = {};
      for (const b of ['gt', 'gte', 'lt', 'lte']) {
        if (v[b] == null) continue;
        if (!isUint(v[b])) throw bad(`${at}.${b}`, 'expected an unsigned integer');
        out[b] = v[b];
      }
      return out;
    }
    default:
      if (typeof v !== 'boolean') throw bad(at, 'expected a boolean');
      return v;
  }
}

function matchAt(v: unknown, at: string): unknown {
  if (!isMap(v)) throw bad(at, 'data did not match any variant of untagged enum Match');
  if ('value' in v) {
    const x = v['value'];
    if (typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isInteger(x))) return { value: x };
    throw bad(`${at}.value`, 'data did not match any variant of untagged enum ValueVariants (expected a string, an integer or a boolean)');
  }
  for (const k of ['text', 'text_any', 'phrase', 'prefix']) {
    if (!(k in v)) continue;
    if (typeof v[k] !== 'string') throw bad(`${at}.${k}`, 'expected a string');
    return { [k]: v[k] };
  }
  for (const k of ['any', 'except']) {
    if (!(k in v)) continue;
    const list = v[k];
    const ok = Array.isArray(list) && (list.every((x) => typeof x === 'string') || list.every((x) => typeof x === 'number' && Number.isInteger(x)));
    if (!ok) throw bad(`${at}.${k}`, 'data did not match any variant of untagged enum AnyVariants (expected all strings or all integers)');
    return { [k]: [...new Set(list as unknown[])] };
  }
  throw bad(at, 'data did not match any variant of untagged enum Match');
}

function rangeAt(v: unknown, at: string): unknown {
  if (!isMap(v)) throw bad(at, 'data did not match any variant of untagged enum RangeInterface');
  const bounds = ['gt', 'gte', 'lt', 'lte'].filter((b) => v[b] != null);
  const numbers = bounds.every((b) => typeof v[b] === 'number' && Number.isFinite(v[b]));
  const strings = bounds.every((b) => typeof v[b] === 'string');
  if (!numbers && !strings) throw bad(at, 'data did not match any variant of untagged enum RangeInterface (bounds must be all numbers or all datetimes)');
  const out: JsonMap = {};
  for (const b of bounds) {
    if (strings && parseDatetimeMicros(v[b] as string) === undefined) throw bad(`${at}.${b}`, `invalid datetime \`${String(v[b])}\` (expected RFC 3339)`);
    out[b] = v[b];
  }
  return out;
}

function geoPointAt(v: unknown, at: string): { lon: number; lat: number } {
  if (!isMap(v) || typeof v['lon'] !== 'number' || typeof v['lat'] !== 'number') throw bad(at, 'expected `{lon, lat}` numbers');
  if (v['lon'] < -180 || v['lon'] > 180) throw invalid(`${at}.lon`, `Wrong input: Longitude must be in range [-180, 180], got ${v['lon']}`);
  if (v['lat'] < -90 || v['lat'] > 90) throw invalid(`${at}.lat`, `Wrong input: Latitude must be in range [-90, 90], got ${v['lat']}`);
  return { lon: v['lon'], lat: v['lat'] };
}

function lineAt(v: unknown, at: string): { points: { lon: number; lat: number }[] } {
  if (!isMap(v) || !Array.isArray(v['points'])) throw bad(at, 'expected `{points: [...]}`');
  const points = v['points'].map((p, i) => geoPointAt(p, `${at}.points[${i}]`));
  if (points.length < 4) throw invalid(at, `polygon invalid, the size must be at least 4, got ${points.length}`);
  const a = points[0]!, b = points[points.length - 1]!;
  if (a.lon !== b.lon || a.lat !== b.lat) throw invalid(at, 'polygon invalid, the first and the last points should be same to form a closed line');
  return { points };
}

function pointIdAt(v: unknown, at: string): number | string {
  if (isUint(v)) return v;
  if (typeof v === 'string') {
    const u = canonicalUuid(v);
    if (u) return u;
  }
  throw bad(at, 'data did not match any variant of untagged enum ExtendedPointId (expected an unsigned integer or a UUID)');
}

function pathAt(key: string, at: string): void {
  try {
    parseJsonPath(key);
  } catch {
    throw bad(at, `Invalid json path: '${key}'`);
  }
}

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
