import type { Schemas } from '../client/sextant-client.js';
import type { NamedVectors, Operation } from '../collection/operations.js';
import type { PointKey } from '../segment/id-tracker.js';

/** The points an op writes, in a fixed order (the order `LocalChange.bases` follows). Index ops write none. */
export function opKeys(op: Operation): PointKey[] {
  switch (op.type) {
    case 'upsert':
    case 'update_vectors':
      return op.points.map((p) => p.id);
    case 'delete_points':
    case 'delete_vectors':
    case 'set_payload':
    case 'overwrite_payload':
    case 'delete_payload':
    case 'clear_payload':
      return op.ids;
    case 'create_index':
    case 'delete_index':
    case 'create_vector':
    case 'delete_vector':
      return [];
  }
}

/** Whether the op needs its points to exist (Qdrant answers 404 for a payload or vector edit of a missing point). */
export function needsExisting(op: Operation): boolean {
  return op.type !== 'upsert' && op.type !== 'delete_points';
}

/** The same op restricted to the keys at the positions `keep` (ascending); undefined when none remain. */
export function restrictOp(op: Operation, keep: number[]): Operation | undefined {
  if (keep.length === 0) return undefined;
  switch (op.type) {
    case 'upsert':
      return { ...op, points: keep.map((i) => op.points[i]!) };
    case 'update_vectors':
      return { ...op, points: keep.map((i) => op.points[i]!) };
    case 'delete_points':
    case 'delete_vectors':
    case 'set_payload':
    case 'overwrite_payload':
    case 'delete_payload':
    case 'clear_payload':
      return { ...op, ids: keep.map((i) => op.ids[i]!) };
    default:
      return undefined;
  }
}

/**
 * The op as a Qdrant batch-update entry, so that a pushed op passes through exactly the validation an API write
 * gets (`OpBuilder.batchEntry`) before the server accepts it.
 */
export function toUpdateOperation(op: Operation): Schemas['UpdateOperation'] | undefined {
  const points = (ids: PointKey[]) => ids as Schemas['ExtendedPointId'][];
  switch (op.type) {
    case 'upsert':
      return { upsert: { points: op.points.map((p) => ({ id: p.id, vector: vectorStruct(p.vectors), payload: p.payload })) } } as Schemas['UpdateOperation'];
    case 'update_vectors':
      return { update_vectors: { points: op.points.map((p) => ({ id: p.id, vector: vectorStruct(p.vectors) })) } } as Schemas['UpdateOperation'];
    case 'delete_points':
      return { delete: { points: points(op.ids) } };
    case 'delete_vectors':
      return { delete_vectors: { points: points(op.ids), vector: op.names } };
    case 'set_payload':
      return { set_payload: { points: points(op.ids), payload: op.payload, ...(op.key === undefined ? {} : { key: op.key }) } };
    case 'overwrite_payload':
      return { overwrite_payload: { points: points(op.ids), payload: op.payload } };
    case 'delete_payload':
      return { delete_payload: { points: points(op.ids), keys: op.keys } };
    case 'clear_payload':
      return { clear_payload: { points: points(op.ids) } };
    default:
      return undefined;
  }
}

/** `NamedVectors` (unnamed under `''`) in the API's form: a bare vector when it is the only one. */
function vectorStruct(vectors: NamedVectors): unknown {
  const names = Object.keys(vectors);
  if (names.length === 1 && names[0] === '') return vectors[''];
  return vectors;
}
