import type { Collection } from '../collection/collection.js';
import type { Operation } from '../collection/operations.js';
import type { PointKey } from '../segment/id-tracker.js';
import type { ChangesPage, PointState } from './sync-protocol.js';

/**
 * The operations that bring a replica's collection to a page of changes, through the same op types any write
 * uses: one upsert of every changed point (its whole current state, so payload edits need no special case), one
 * delete of the removals the replica holds, and index creates/drops to match the server's payload index schema.
 */
export function pageOperations(collection: Collection, page: ChangesPage): Operation[] {
  const segment = collection.segment;
  const ops: Operation[] = [];
  const local = segment.indexes.schema() as Record<string, { data_type: string; params?: unknown }>;
  const remote = page.indexes as Record<string, { data_type: string; params?: unknown }>;
  for (const [field, info] of Object.entries(remote)) {
    if (local[field]?.data_type !== info.data_type) ops.push({ type: 'create_index', field, schema: info.params ?? info.data_type });
  }
  for (const field of Object.keys(local)) if (!(field in remote)) ops.push({ type: 'delete_index', field });
  if (page.upserts.length > 0) ops.push({ type: 'upsert', points: page.upserts.map(pointWrite) });
  const held = page.removals.filter((r) => segment.ids.internalOf(r.id) !== undefined).map((r) => r.id);
  if (held.length > 0) ops.push({ type: 'delete_points', ids: held });
  return ops;
}

/** The op that makes the replica hold the server's state of one point (null: the server has none). */
export function stateOperation(id: PointKey, state: PointState | null): Operation {
  return state === null ? { type: 'delete_points', ids: [id] } : { type: 'upsert', points: [pointWrite(state)] };
}

function pointWrite(p: PointState): { id: PointKey; vectors: PointState['vectors']; payload: PointState['payload'] } {
  return { id: p.id, vectors: p.vectors, payload: p.payload };
}
