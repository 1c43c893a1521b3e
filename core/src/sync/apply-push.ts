import { SextantError } from '../client/errors.js';
import type { Collection } from '../collection/collection.js';
import type { LocalSegment } from '../collection/local-segment.js';
import type { Operation, PayloadObject } from '../collection/operations.js';
import { OpBuilder } from '../collection/point-ops.js';
import type { PointKey } from '../segment/id-tracker.js';
import { cloneJson } from '../storage/utf8.js';
import { needsExisting, opKeys, restrictOp, toUpdateOperation } from './op-keys.js';
import type { PushLedger } from './push-ledger.js';
import type { ChangeResult, Checkpoint, Conflict, PointState, PushRequest, PushResponse } from './sync-protocol.js';

/**
 * Applies a replica's pushed changes in one pass of the collection's write queue, so no other write can slip
 * between a conflict check and the write it guards. Per point: a point that changed on the server since the
 * change's base version is left as the server has it and reported as a conflict; the change's other points are
 * written. Each change goes through the same validation as an API write; an invalid one is rejected whole.
 *
 * Changes numbered at or below what the ledger has seen for the client are duplicates of an earlier push whose
 * answer was lost, and are skipped. The caller persists the ledger before answering.
 */
export async function applyPush(
  collection: Collection,
  ledger: PushLedger,
  request: PushRequest,
  checkpoint: () => Checkpoint,
): Promise<PushResponse> {
  const { client } = request;
  const results: ChangeResult[] = [];
  /** For each op handed to the collection: which result it belongs to and which key positions it writes. */
  const owners: { result: ChangeResult; keys: PointKey[]; positions: number[] }[] = [];
  const specs = new Map(collection.specs.map((s) => [s.name, s]));

  const build = (segment: LocalSegment): Operation[] => {
    const builder = new OpBuilder(segment, specs);
    const ops: Operation[] = [];
    /** Points written by earlier changes of this push (true = exists afterwards): the client's own, never conflicts. */
    const written = new Map<PointKey, boolean>();
    for (const change of request.changes) {
      const keys = opKeys(change.op);
      const result: ChangeResult = { n: change.n, status: 'applied', versions: keys.map(() => -1), conflicts: [] };
      results.push(result);
      if (change.n <= ledger.applied(client)) {
        result.status = 'duplicate';
        // The replica never heard about this change and meanwhile may have pulled newer server states and replayed
        // the change over them: any point not left as this client's own write says, it must restore.
        keys.forEach((key, i) => {
          if (movedSinceOwnWrite(segment, change.op, key, ledger.ownVersion(client, key))) result.conflicts.push(conflictOf(segment, key, change.bases[i]!));
        });
        continue;
      }
      const keep: number[] = [];
      keys.forEach((key, i) => {
        const base = change.bases[i]!;
        if (conflicts(segment, change.op, key, base, written, ledger.ownVersion(client, key))) {
          result.conflicts.push(conflictOf(segment, key, base));
        } else {
          keep.push(i);
        }
      });
      const restricted = restrictOp(change.op, keep);
      if (restricted === undefined) continue;
      let op: Operation;
      try {
        op = builder.batchEntry(toUpdateOperation(restricted)!);
      } catch (error) {
        if (!(error instanceof SextantError)) throw error;
        result.status = 'rejected';
        result.error = error.message;
        result.conflicts = [];
        continue;
      }
      ops.push(op);
      owners.push({ result, keys: keep.map((i) => keys[i]!), positions: keep });
      for (const i of keep) written.set(keys[i]!, change.op.type !== 'delete_points');
    }
    return ops;
  };

  const applied = await collection.write(build, true);
  applied.forEach((update, j) => {
    const owner = owners[j]!;
    const seq = update.operation_id!;
    owner.positions.forEach((position, k) => {
      owner.result.versions[position] = seq;
      ledger.recordOwn(client, owner.keys[k]!, seq);
    });
  });
  for (const result of results) if (result.status !== 'duplicate') ledger.markApplied(client, result.n);
  return { checkpoint: checkpoint(), results };
}

/**
 * The conflict rule. A point conflicts when the server's version is newer than the change's base, unless that
 * version is the client's own earlier write. A missing point conflicts when the client had seen it (the server
 * deleted it since) or when the change edits it in place; deleting a missing point never conflicts.
 */
function conflicts(
  segment: LocalSegment,
  op: Operation,
  key: PointKey,
  base: number,
  written: Map<PointKey, boolean>,
  own: number | undefined,
): boolean {
  const earlier = written.get(key);
  if (earlier !== undefined) return !earlier && needsExisting(op);
  const id = segment.ids.internalOf(key);
  if (id === undefined) {
    if (op.type === 'delete_points') return false;
    return base >= 0 || needsExisting(op);
  }
  const current = segment.ids.version(id);
  return current > base && current !== own;
}

/** For a duplicate: whether the point is no longer as this client's latest own write left it. */
function movedSinceOwnWrite(segment: LocalSegment, op: Operation, key: PointKey, own: number | undefined): boolean {
  const id = segment.ids.internalOf(key);
  if (id === undefined) return op.type !== 'delete_points';
  return segment.ids.version(id) !== own;
}

function conflictOf(segment: LocalSegment, key: PointKey, base: number): Conflict {
  return { id: key, base, server: pointState(segment, key) };
}

/** A point's current state on this segment, or null when it has none. */
export function pointState(segment: LocalSegment, key: PointKey): PointState | null {
  const id = segment.ids.internalOf(key);
  if (id === undefined) return null;
  const payload = segment.payloads.get(id) as PayloadObject | undefined;
  return { id: key, version: segment.ids.version(id), vectors: segment.readVectors(id), payload: payload === undefined ? null : cloneJson(payload) };
}
