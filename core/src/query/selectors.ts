import type { Schemas } from '../client/sextant-client.js';
import { cloneJson } from '../storage/utf8.js';
import { putOwn } from '../segment/json-path.js';
import { errors } from '../client/errors.js';
import type { LocalSegment } from '../collection/local-segment.js';
import type { PayloadObject } from '../collection/operations.js';
import { float32Json } from './float32-json.js';

export type PayloadSelector = (payload: PayloadObject | undefined) => PayloadObject | null;
export type VectorSelector = (id: number) => Schemas['VectorStructOutput'] | null;

/**
 * `with_payload`: true / false / list of keys / `{include}` / `{exclude}`. Keys may be dotted paths; an included
 * path keeps the objects along it. A point without payload reads as `{}` when payload is asked for, as in Qdrant.
 */
export function payloadSelector(spec: unknown, fallback: boolean): PayloadSelector {
  const value = spec ?? fallback;
  if (value === false) return () => null;
  if (value === true) return (p) => (p === undefined ? {} : cloneJson(p));
  if (Array.isArray(value)) return include(value);
  if (typeof value === 'object' && value !== null) {
    if ('include' in value) return include(asList((value as { include: unknown }).include));
    if ('exclude' in value) {
      const paths = asList((value as { exclude: unknown }).exclude).map((k) => k.split('.'));
      return (p) => {
        const out = p === undefined ? {} : cloneJson(p);
        for (const path of paths) removePath(out, path);
        return out;
      };
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
  const paths = asList(keys).map((k) => k.split('.'));
  return (p) => {
    const out: PayloadObject = {};
    if (p === undefined) return out;
    for (const path of paths) copyPath(p, out, path);
    return out;
  };
}

/** Own keys only: `constructor` or `__proto__` name payload keys, never what every object inherits. */
function copyPath(from: PayloadObject, to: PayloadObject, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(from, head)) return;
  const value = from[head];
  if (rest.length === 0) {
    putOwn(to, head, cloneJson(value));
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  if (!Object.hasOwn(to, head)) putOwn(to, head, {});
  copyPath(value as PayloadObject, to[head] as PayloadObject, rest);
}

function removePath(obj: PayloadObject, path: string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    delete obj[head];
    return;
  }
  const child = obj[head];
  if (child !== null && typeof child === 'object' && !Array.isArray(child)) removePath(child as PayloadObject, rest);
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
