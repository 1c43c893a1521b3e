import type { LocalSegment } from './local-segment.js';
import { cloneJson } from '../storage/utf8.js';
import type { NamedVectors, Operation, PayloadObject } from './operations.js';
import type { PointKey } from '../segment/id-tracker.js';

/**
 * Applies one accepted operation to the segment. Pure in-memory and synchronous: the op has been validated and
 * logged already, so nothing here can fail on user input, and a reader never sees half an operation.
 *
 * Idempotent by version: a point whose version is already >= `seq` was written by this op or a later one (replay
 * over a segment flushed after it), so the op leaves it alone.
 */
export function applyOperation(segment: LocalSegment, op: Operation, seq: number): void {
  const ids = segment.ids;
  /** The live internal id of `key` if this op should touch it. */
  const target = (key: PointKey): number | undefined => {
    const id = ids.internalOf(key);
    return id === undefined || ids.version(id) >= seq ? undefined : id;
  };
  switch (op.type) {
    case 'upsert':
      for (const point of op.points) {
        const old = ids.internalOf(point.id);
        if (old !== undefined) {
          if (ids.version(old) >= seq) continue;
          segment.removePoint(old, seq);
        }
        segment.insertPoint(point.id, point.vectors, point.payload, seq);
      }
      break;
    case 'delete_points':
      for (const key of op.ids) {
        const id = target(key);
        if (id !== undefined) segment.removePoint(id, seq);
      }
      break;
    case 'update_vectors':
      for (const point of mergeById(op.points)) {
        const id = target(point.id);
        if (id === undefined) continue;
        const vectors = { ...segment.readVectors(id), ...point.vectors };
        const payload = (segment.payloads.get(id) as PayloadObject | undefined) ?? null;
        segment.removePoint(id, seq);
        segment.insertPoint(point.id, vectors, payload === null ? null : cloneJson(payload), seq);
      }
      break;
    case 'delete_vectors':
      for (const key of op.ids) {
        const id = target(key);
        if (id === undefined) continue;
        for (const name of op.names) segment.deleteVector(id, name);
        ids.setVersion(id, seq);
      }
      break;
    case 'set_payload':
      forPayload(segment, op.ids, target, seq, (id) => segment.payloads.merge(id, op.payload, op.key));
      break;
    case 'overwrite_payload':
      forPayload(segment, op.ids, target, seq, (id) => segment.payloads.set(id, op.payload));
      break;
    case 'delete_payload':
      forPayload(segment, op.ids, target, seq, (id) => segment.payloads.deleteKeys(id, op.keys));
      break;
    case 'clear_payload':
      forPayload(segment, op.ids, target, seq, (id) => segment.payloads.clear(id));
      break;
    case 'create_index':
      segment.indexes.create(op.field, op.schema as never, segment);
      break;
    case 'delete_index':
      segment.indexes.drop(op.field);
      break;
    case 'create_vector':
      segment.resetSlot(op.spec);
      break;
    case 'delete_vector':
      segment.dropSlot(op.name);
      break;
  }
  if (seq > segment.lastSeq) segment.lastSeq = seq;
}

/**
 * Runs a payload change on each target point and keeps the payload indexes in step. `before` is a copy because
 * the payload storage may change its object in place.
 */
function forPayload(
  segment: LocalSegment,
  keys: PointKey[],
  target: (key: PointKey) => number | undefined,
  seq: number,
  change: (id: number) => void,
): void {
  const indexed = segment.indexes.schema();
  const hasIndexes = Object.keys(indexed).length > 0;
  for (const key of keys) {
    const id = target(key);
    if (id === undefined) continue;
    const current = segment.payloads.get(id);
    const before = hasIndexes && current !== undefined ? cloneJson(current) : undefined;
    change(id);
    if (hasIndexes) segment.indexes.update(id, before, segment.payloads.get(id), segment);
    segment.ids.setVersion(id, seq);
  }
}

/**
 * Entries of one update_vectors that name the same point, merged in order (a later entry's vector wins): once the
 * first is applied the point carries this op's version, so a second entry would be skipped as already applied.
 * Qdrant applies them all (its issue 3376).
 */
function mergeById(points: { id: PointKey; vectors: NamedVectors }[]): { id: PointKey; vectors: NamedVectors }[] {
  if (points.length < 2) return points;
  const byId = new Map<PointKey, { id: PointKey; vectors: NamedVectors }>();
  for (const point of points) {
    const seen = byId.get(point.id);
    if (seen === undefined) byId.set(point.id, { id: point.id, vectors: { ...point.vectors } });
    else Object.assign(seen.vectors, point.vectors);
  }
  return byId.size === points.length ? points : [...byId.values()];
}
