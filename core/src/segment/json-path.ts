import { SextantError } from '../client/errors.js';

/**
 * Qdrant's payload key paths (`JsonPath`): a first key, then `.key`, `[n]` (one array element) or `[]` (every
 * element). Keys with `.`, `[`, `]` or `"` in them are written in double quotes: `"a.b".c`.
 *
 * Traps that match Qdrant on purpose:
 * - `a.b` does NOT reach into an array stored at `a`; only `a[].b` does.
 * - A leaf array is returned as one value (`a[].b` may yield `[1, 2]` and `3`); conditions flatten it one level.
 */
export type PathItem = { key: string } | { index: number } | { wildcard: true };

export interface JsonPath {
  readonly first: string;
  readonly rest: readonly PathItem[];
}

type Json = unknown;
type JsonMap = Record<string, Json>;

const pathCache = new Map<string, JsonPath>();

/** Parses a key path; throws a 400 naming the path when it is not valid. Parsed paths are cached (they are tiny). */
export function parseJsonPath(text: string): JsonPath {
  const cached = pathCache.get(text);
  if (cached) return cached;
  const path = parsePath(text);
  if (!path) throw new SextantError('bad_filter', `Bad request: Invalid json path: '${text}'`);
  if (pathCache.size > 10_000) pathCache.clear();
  pathCache.set(text, path);
  return path;
}

function parsePath(text: string): JsonPath | undefined {
  let at = 0;
  const readKey = (): string | undefined => {
    if (text[at] === '"') {
      const end = text.indexOf('"', at + 1);
      if (end < 0) return undefined;
      const key = text.slice(at + 1, end);
      at = end + 1;
      return key;
    }
    const start = at;
    while (at < text.length && !'.[]"'.includes(text[at]!) && !/\s/.test(text[at]!)) at++;
    return at > start ? text.slice(start, at) : undefined;
  };
  const first = readKey();
  if (first === undefined) return undefined;
  const rest: PathItem[] = [];
  while (at < text.length) {
    const c = text[at];
    if (c === '.') {
      at++;
      const key = readKey();
      if (key === undefined) return undefined;
      rest.push({ key });
    } else if (c === '[') {
      const end = text.indexOf(']', at);
      if (end < 0) return undefined;
      const inner = text.slice(at + 1, end);
      if (inner === '') rest.push({ wildcard: true });
      else if (/^\d+$/.test(inner)) rest.push({ index: Number(inner) });
      else return undefined;
      at = end + 1;
    } else return undefined;
  }
  return { first, rest };
}

export function formatJsonPath(path: JsonPath): string {
  const key = (k: string) => (/^[^.[\]"\s]+$/.test(k) ? k : `"${k}"`);
  let out = key(path.first);
  for (const item of path.rest) {
    if ('key' in item) out += '.' + key(item.key);
    else if ('index' in item) out += `[${item.index}]`;
    else out += '[]';
  }
  return out;
}

/** `path` + `[]` unless it already ends with `[]` (how `nested` addresses the elements of its array). */
export function arrayKey(path: JsonPath): JsonPath {
  const last = path.rest[path.rest.length - 1];
  if (last && 'wildcard' in last) return path;
  return { first: path.first, rest: [...path.rest, { wildcard: true }] };
}

export function isObject(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every value at `path` (see the module comment for how arrays are walked). Missing paths give `[]`. */
export function getValues(map: JsonMap, path: JsonPath, out: unknown[] = []): unknown[] {
  if (!Object.prototype.hasOwnProperty.call(map, path.first)) return out;
  walk(path.rest, 0, map[path.first], out);
  return out;
}

function walk(rest: readonly PathItem[], i: number, value: unknown, out: unknown[]): void {
  if (value === undefined) return;
  if (i === rest.length) {
    out.push(value);
    return;
  }
  const item = rest[i]!;
  if ('key' in item) {
    if (isObject(value) && Object.prototype.hasOwnProperty.call(value, item.key)) walk(rest, i + 1, value[item.key], out);
  } else if (Array.isArray(value)) {
    if ('index' in item) {
      if (item.index < value.length) walk(rest, i + 1, value[item.index], out);
    } else for (const v of value) walk(rest, i + 1, v, out);
  }
}

/**
 * Qdrant's top-level payload merge: each key of `src` replaces the one in `dest`, and a `null` in `src` removes the
 * key (this is how set_payload deletes through a merge).
 */
export function mergeMap(dest: JsonMap, src: JsonMap): void {
  for (const k of Object.keys(src)) {
    const v = src[k];
    if (v === null) delete dest[k];
    else putOwn(dest, k, structuredCloneJson(v));
  }
}

/**
 * set_payload with a `key`: walks (and creates) the path, then merges `src` into the object found there. Matches
 * Qdrant's choices: a missing or non-object step becomes `{}`; an `[n]` step on a non-array becomes `[]` (and sets
 * nothing, as the index cannot exist); `[]` applies to every element of an existing array.
 */
export function setAtPath(dest: JsonMap, path: JsonPath, src: JsonMap): void {
  setInMap(path.first, path.rest, 0, dest, src);
}

function setInMap(key: string, rest: readonly PathItem[], i: number, map: JsonMap, src: JsonMap): void {
  const existing = Object.prototype.hasOwnProperty.call(map, key) ? map[key] : null;
  putOwn(map, key, setIn(rest, i, existing, src));
}

function setIn(rest: readonly PathItem[], i: number, dest: unknown, src: JsonMap): unknown {
  if (i === rest.length) {
    const obj: JsonMap = isObject(dest) ? dest : {};
    mergeMap(obj, src);
    return obj;
  }
  const item = rest[i]!;
  if ('key' in item) {
    const obj: JsonMap = isObject(dest) ? dest : {};
    setInMap(item.key, rest, i + 1, obj, src);
    return obj;
  }
  if (!Array.isArray(dest)) return [];
  if ('index' in item) {
    if (item.index < dest.length) dest[item.index] = setIn(rest, i + 1, dest[item.index], src);
  } else for (let j = 0; j < dest.length; j++) dest[j] = setIn(rest, i + 1, dest[j], src);
  return dest;
}

/**
 * delete_payload of one key path. A trailing `[n]` removes nothing (Qdrant: deleting by index is not idempotent);
 * a trailing `[]` empties the array.
 */
export function removeAtPath(map: JsonMap, path: JsonPath): void {
  if (path.rest.length === 0) {
    delete map[path.first];
    return;
  }
  if (Object.prototype.hasOwnProperty.call(map, path.first)) removeIn(path.rest, 0, map[path.first]);
}

function removeIn(rest: readonly PathItem[], i: number, value: unknown): void {
  const item = rest[i]!;
  const last = i === rest.length - 1;
  if ('key' in item) {
    if (!isObject(value)) return;
    if (last) delete value[item.key];
    else if (Object.prototype.hasOwnProperty.call(value, item.key)) removeIn(rest, i + 1, value[item.key]);
    return;
  }
  if (!Array.isArray(value)) return;
  if ('index' in item) {
    if (!last && item.index < value.length) removeIn(rest, i + 1, value[item.index]);
  } else if (last) value.length = 0;
  else for (const v of value) removeIn(rest, i + 1, v);
}

/** A deep copy of plain JSON (payloads never hold anything else). */
export function structuredCloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(structuredCloneJson) as T;
  const out: JsonMap = {};
  for (const k of Object.keys(value)) putOwn(out, k, structuredCloneJson((value as JsonMap)[k]));
  return out as T;
}

/**
 * `map[key] = value`, except that a `__proto__` key (legal JSON, and data to Qdrant) becomes an own property
 * instead of replacing the object's prototype, which would make the payload appear to hold the value's keys.
 */
export function putOwn(map: JsonMap, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(map, key, { value, writable: true, enumerable: true, configurable: true });
  else map[key] = value as JsonMap[string];
}
