import type { Schemas } from '../client/sextant-client.js';
import { cloneJson } from '../storage/utf8.js';
import { parseJsonPath, putOwn, type JsonPath, type PathItem } from '../segment/json-path.js';
import { errors } from '../client/errors.js';
import type { LocalSegment } from '../collection/local-segment.js';
import type { PayloadObject } from '../collection/operations.js';
import { float32Json } from './float32-json.js';

export type PayloadSelector = (payload: PayloadObject | undefined) => PayloadObject | null;
export type VectorSelector = (id: number) => Schemas['VectorStructOutput'] | null;

/**
 * `with_payload`: true / false / list of keys / `{include}` / `{exclude}`. Keys are Qdrant key paths (`a.b`,
 * `a[].b`). A point without payload reads as `{}` when payload is asked for, as in Qdrant.
 */
export function payloadSelector(spec: unknown, fallback: boolean): PayloadSelector {
  const value = spec ?? fallback;
  if (value === false) return () => null;
  if (value === true) return (p) => (p === undefined ? {} : cloneJson(p));
  if (Array.isArray(value)) return include(value);
  if (typeof value === 'object' && value !== null) {
    if ('include' in value) return include(asList((value as { include: unknown }).include));
    if ('exclude' in value) {
      const patterns = asList((value as { exclude: unknown }).exclude).map(parseJsonPath);
      return (p) => (p === undefined ? {} : filterPayload(p, (path) => !patterns.some((pattern) => isPrefix(pattern, path))));
    }
  }
  throw errors.validation('with_payload: expected a boolean, a list of keys, or {include} / {exclude}');
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((k) => typeof k === 'string')) return value;
  throw errors.validation('with_payload: expected a list of payload keys');
}

function include(keys: string[]): PayloadSelector {
  const patterns = asList(keys).map(parseJsonPath);
  return (p) => (p === undefined ? {} : filterPayload(p, (path) => patterns.some((pattern) => compatible(pattern, path))));
}

/**
 * Qdrant's payload selection (json_path `value_filter`): walk the payload keeping each value whose path passes
 * `keep`, where an array's elements are addressed as `[]` (so `a[0]` in a selector never names an element) and a
 * kept scalar is kept whole. `include` keeps a path that is a prefix of a pattern or has one as prefix (so an object
 * on the way is kept even when nothing under it matches, as `{}`); `exclude` drops a path that has a pattern as
 * prefix.
 */
function filterPayload(payload: PayloadObject, keep: (path: JsonPath) => boolean): PayloadObject {
  const rest: PathItem[] = [];
  const out: PayloadObject = {};
  for (const key of Object.keys(payload)) {
    const path = { first: key, rest };
    if (keep(path)) putOwn(out, key, filterValue(payload[key], path, rest, keep));
  }
  return out;
}

function filterValue(value: unknown, path: JsonPath, rest: PathItem[], keep: (path: JsonPath) => boolean): unknown {
  if (Array.isArray(value)) {
    const kept: unknown[] = [];
    rest.push(WILDCARD);
    for (const element of value) if (keep(path)) kept.push(filterValue(element, path, rest, keep));
    rest.pop();
    return kept;
  }
  if (value === null || typeof value !== 'object') return value;
  const kept: PayloadObject = {};
  for (const key of Object.keys(value)) {
    rest.push({ key });
    if (keep(path)) putOwn(kept, key, filterValue((value as PayloadObject)[key], path, rest, keep));
    rest.pop();
  }
  return kept;
}

const WILDCARD: PathItem = { wildcard: true };

function sameItem(a: PathItem, b: PathItem): boolean {
  if ('key' in a) return 'key' in b && a.key === b.key;
  if ('index' in a) return 'index' in b && a.index === b.index;
  return 'wildcard' in b;
}

/** One path is a prefix of the other. */
function compatible(a: JsonPath, b: JsonPath): boolean {
  if (a.first !== b.first) return false;
  const n = Math.min(a.rest.length, b.rest.length);
  for (let i = 0; i < n; i++) if (!sameItem(a.rest[i]!, b.rest[i]!)) return false;
  return true;
}

/** `prefix` is `path` or a prefix of it. */
function isPrefix(prefix: JsonPath, path: JsonPath): boolean {
  return prefix.rest.length <= path.rest.length && compatible(prefix, path);
}

/**
 * `with_vector`: true / false / list of names. As Qdrant does (VectorStructInternal from NamedVectors), a point whose
 * selected vectors are just the unnamed one answers with the bare vector (`number[]`, or `number[][]` for a
 * multivector), even when the collection also has sparse vectors; otherwise with an object by name, `{}` when the
 * point has none of them.
 */
export function vectorSelector(
  segment: LocalSegment,
  unnamedOnly: boolean,
  spec: unknown,
): VectorSelector {
  const value = spec ?? false;
  if (value === false) return () => null;
  let names: string[];
  if (value === true) names = [...segment.slots.keys()];
  else if (Array.isArray(value)) {
    for (const name of value) if (typeof name !== 'string' || !segment.slots.has(name)) throw errors.vectorNameNotFound(String(name));
    names = value as string[];
  } else throw errors.validation('with_vector: expected a boolean or a list of vector names');
  return (id) => {
    const vectors = segment.readVectors(id);
    const unnamed = vectors[''];
    if (unnamedOnly && unnamed !== undefined) return printable(unnamed) as Schemas['VectorStructOutput'];
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const name of names) if (name in vectors) (out[name] = printable(vectors[name])), count++;
    if (count === 1 && unnamed !== undefined && '' in out) return out[''] as Schemas['VectorStructOutput'];
    return out as Schemas['VectorStructOutput'];
  };
}

/** A stored vector (dense, multi or sparse) whose float32 numbers print in JSON as Qdrant prints them. */
function printable(vector: unknown): unknown {
  if (Array.isArray(vector)) return vector.length > 0 && Array.isArray(vector[0]) ? vector.map((row: number[]) => float32Json(row)) : float32Json(vector as number[]);
  const sparse = vector as { indices: number[]; values: number[] };
  return { indices: sparse.indices, values: float32Json(sparse.values) };
}
