import type { Schemas } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { parsePointId, type PointKey } from '../segment/id-tracker.js';
import type { VectorSpec } from './config.js';
import type { NamedVectors, PayloadObject, PointWrite } from './operations.js';
import { parseVectorStruct } from './vector-input.js';

/**
 * Turns an upsert body (list form `{points}` or column form `{batch: {ids, vectors, payloads}}`) into validated
 * point writes. A repeated id keeps its last occurrence, as Qdrant does.
 */
export function parsePointInsert(body: Schemas['PointInsertOperations'], specs: Map<string, VectorSpec>): PointWrite[] {
  const writes: PointWrite[] = [];
  if ('points' in body && body.points !== undefined) {
    if (!Array.isArray(body.points)) throw errors.validation('points: expected an array');
    body.points.forEach((p, i) => {
      if (p === null || typeof p !== 'object') throw errors.validation(`points[${i}]: expected a point`);
      writes.push({
        id: parsePointId(p.id),
        vectors: parseVectorStruct(p.vector, specs, `points[${i}].vector`),
        payload: parsePayload(p.payload, `points[${i}].payload`),
      });
    });
  } else if ('batch' in body && body.batch !== undefined) {
    const { ids, vectors, payloads } = body.batch;
    if (!Array.isArray(ids)) throw errors.validation('batch.ids: expected an array');
    const n = ids.length;
    if (payloads !== undefined && payloads !== null && (!Array.isArray(payloads) || payloads.length !== n)) {
      throw errors.badRequest(`number of payloads (${Array.isArray(payloads) ? payloads.length : 0}) does not match number of ids (${n})`);
    }
    const columns = batchColumns(vectors, n);
    for (let i = 0; i < n; i++) {
      const raw: Record<string, unknown> = {};
      for (const [name, column] of columns) if (column[i] !== undefined && column[i] !== null) raw[name] = column[i];
      writes.push({
        id: parsePointId(ids[i]),
        vectors: parseVectorStruct(raw, specs, `batch.vectors[${i}]`),
        payload: parsePayload(payloads?.[i], `batch.payloads[${i}]`),
      });
    }
  } else {
    throw errors.validation('expected `points` or `batch`');
  }
  return lastWins(writes);
}

/** `{id, vector}` entries of updateVectors. */
export function parseVectorUpdates(
  points: Schemas['PointVectors'][],
  specs: Map<string, VectorSpec>,
): { id: PointKey; vectors: NamedVectors }[] {
  if (!Array.isArray(points)) throw errors.validation('points: expected an array');
  return points.map((p, i) => {
    const vectors = parseVectorStruct(p.vector, specs, `points[${i}].vector`);
    if (Object.keys(vectors).length === 0) throw errors.validation(`[points[${i}].vector: must specify vectors to update for point]`);
    return { id: parsePointId(p.id), vectors };
  });
}

export function parsePayload(value: unknown, path: string): PayloadObject | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw errors.validation(`${path}: expected an object`);
  return value as PayloadObject;
}

/** Column-form vectors by name: an unnamed column (`number[][]` or multi `number[][][]`) has the name `''`. */
function batchColumns(vectors: unknown, n: number): [string, unknown[]][] {
  if (vectors === undefined || vectors === null) return [];
  const columns: [string, unknown[]][] = Array.isArray(vectors)
    ? [['', vectors]]
    : Object.entries(vectors as Record<string, unknown>).map(([k, v]) => [k, v as unknown[]]);
  for (const [name, column] of columns) {
    if (!Array.isArray(column)) throw errors.validation(`batch.vectors${name ? `.${name}` : ''}: expected an array`);
    if (column.length !== n) {
      throw errors.badRequest(`number of vectors (${column.length}) does not match number of ids (${n})`);
    }
  }
  return columns;
}

function lastWins(writes: PointWrite[]): PointWrite[] {
  const last = new Map<PointKey, number>();
  writes.forEach((w, i) => last.set(w.id, i));
  return last.size === writes.length ? writes : writes.filter((w, i) => last.get(w.id) === i);
}
