import { errors } from '../client/errors.js';
import type { VectorSpec } from './config.js';
import { F16_MAX, roundF16 } from '../distance/half-float.js';
import type { NamedVectors, SparseValue, VectorValue } from './operations.js';

/**
 * Checks vectors coming from the API against the collection's vector specs and returns them in the op-log form
 * (`NamedVectors`, unnamed vector under `''`). Everything that would make an op fail is caught here, before the op
 * gets a sequence number: wrong dimension, unknown name, wrong kind, non-finite numbers, malformed sparse vectors.
 */
export function parseVectorStruct(value: unknown, specs: Map<string, VectorSpec>, path: string): NamedVectors {
  if (Array.isArray(value)) return { '': checkVector(specs, '', value, path) };
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object') throw errors.validation(`${path}: expected a vector or an object of named vectors`);
  const out: NamedVectors = {};
  // Qdrant's validator writes a map key as `?` in the path: points[0].vector.?.values
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) out[name] = checkVector(specs, name, v, `${path}.?`);
  return out;
}

/** One vector for vector name `name`: dense, multi or sparse as the spec says. */
export function checkVector(specs: Map<string, VectorSpec>, name: string, value: unknown, path: string): VectorValue {
  const spec = specs.get(name);
  if (spec === undefined) throw errors.vectorNameNotFound(name);
  if (spec.kind === 'sparse') return checkSparse(value, path);
  if (!Array.isArray(value)) {
    if (value !== null && typeof value === 'object' && ('text' in value || 'image' in value || 'object' in value)) {
      throw errors.badRequest('inference (Document, Image, InferenceObject) is not supported by Sextant; send vectors');
    }
    throw errors.wrongInput(`Conversion between sparse and regular vectors failed`);
  }
  if (spec.kind === 'multi') {
    // As Qdrant: `[]` parses as an empty dense vector (a dimension error), a plain vector is a one-row multivector,
    // and empty or ragged rows fail its validation (422) before any dimension is compared with the collection's.
    if (value.length === 0 || !Array.isArray(value[0])) {
      checkDense(value, spec, path);
      return [value as number[]];
    }
    const where = `${name === '' ? path : path.endsWith(`.${name}`) ? path.slice(0, -name.length) + '?' : path}.data`;
    const width = (value[0] as unknown[]).length;
    for (const row of value) {
      if (!Array.isArray(row)) throw errors.wrongInput(`Conversion between multi and regular vectors failed`);
      if (row.length === 0) throw errors.validation(`[${where}: all vectors must be non-empty]`);
      if (row.length !== width) throw errors.validation(`[${where}: all vectors must have the same dimension, found vector with dimension ${row.length}]`);
    }
    for (const row of value) checkDense(row as unknown[], spec, path);
    return value as number[][];
  }
  if (value.length > 0 && Array.isArray(value[0])) throw errors.wrongInput(`Conversion between multi and regular vectors failed`);
  checkDense(value, spec, path);
  return value as number[];
}

function checkDense(row: unknown[], spec: Extract<VectorSpec, { kind: 'dense' | 'multi' }>, path: string): void {
  if (row.length !== spec.size) throw errors.wrongDimension(spec.size, row.length);
  // float16 holds +-65504 at most: a larger component would be stored as Infinity (Qdrant 1.19 then reads it back
  // as null). Cosine vectors are normalized before rounding, so any finite component fits. uint8 needs no check:
  // every finite number has a cast (Qdrant's `as u8`: truncated, clamped to 0..255).
  const f16Max = spec.datatype === 'float16' && spec.distance !== 'Cosine' ? F16_MAX : Infinity;
  for (let i = 0; i < row.length; i++) {
    const x = row[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw errors.validation(`${path}[${i}]: expected a finite number`);
    if (Math.abs(x) > f16Max && roundF16(x) === Infinity * Math.sign(x)) {
      throw errors.validation(`${path}[${i}]: value ${x} does not fit datatype float16, whose largest finite value is ${F16_MAX}`);
    }
  }
}

function checkSparse(value: unknown, path: string): SparseValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('indices' in value) || !('values' in value)) {
    throw errors.wrongInput(`Conversion between sparse and regular vectors failed`);
  }
  const { indices, values } = value as { indices: unknown; values: unknown };
  if (!Array.isArray(indices) || !Array.isArray(values)) throw errors.validation(`${path}: indices and values must be arrays`);
  if (indices.length !== values.length) throw errors.validation(`${path}.values: Validation error: must be the same length as indices [{}]`);
  const seen = new Set<number>();
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i];
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 0xffffffff) {
      throw errors.validation(`${path}.indices[${i}]: expected an unsigned 32-bit integer`);
    }
    if (seen.has(index)) throw errors.validation(`${path}.indices: Validation error: must be unique [{}]`);
    seen.add(index);
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i])) throw errors.validation(`${path}.values[${i}]: expected a finite number`);
  }
  return { indices: indices as number[], values: values as number[] };
}
