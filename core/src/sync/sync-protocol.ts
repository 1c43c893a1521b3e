import type { Schemas } from '../client/sextant-client.js';
import type { CollectionConfig } from '../collection/config.js';
import type { NamedVectors, Operation, PayloadObject } from '../collection/operations.js';
import type { PointKey } from '../segment/id-tracker.js';

/**
 * The sync protocol's messages, as both ends see them after decoding (see `page-codec.ts` for the bytes).
 *
 * Versions are the server's operation numbers: a point's version is the number of the last server op that wrote
 * it, a tombstone's the number of the op that removed it. A checkpoint is the server op number a replica has seen
 * everything up to, tagged with the feed's `epoch`: a collection recreated on the server (or a server that lost
 * its data) gets a new epoch, and a checkpoint from another epoch is answered with a fresh snapshot.
 */
export interface Checkpoint {
  epoch: string;
  seq: number;
}

/** A point as the server holds it now; `version` = the op number that last wrote it. */
export interface PointState {
  id: PointKey;
  version: number;
  vectors: NamedVectors;
  payload: PayloadObject | null;
}

export interface Removal {
  id: PointKey;
  /** Op number of the deletion, or of the change after which the point stopped matching the replica's filter. */
  version: number;
}

export interface PullRequest {
  /** Absent or null: first sync (a snapshot). */
  since?: Checkpoint | null;
  /** Partial sync: only points matching this Qdrant filter; one that stops matching arrives as a removal. */
  filter?: Schemas['Filter'] | null;
  /** Most points per page of changes (default 1000); one op is never split, so a page can exceed it. */
  limit?: number;
  /** Long poll: when nothing is new, wait up to this many milliseconds for a change before answering (max 30000). */
  wait_ms?: number;
  /**
   * Continue an interrupted snapshot download: the id the server gave that snapshot (SNAPSHOT_ID_HEADER) and how
   * many frame bytes the client already holds. While the server still has that frame cached, it answers only the
   * rest (SNAPSHOT_OFFSET_HEADER says from where); otherwise a fresh snapshot from offset 0.
   */
  resume?: { snapshot: string; offset: number };
}

/** The first answer, or the answer to a checkpoint older than the feed retains: the whole (filtered) segment. */
export interface SnapshotPage {
  kind: 'snapshot';
  checkpoint: Checkpoint;
  config: CollectionConfig;
  /** The encoded segment (`encodeSegment`), graphs included; its own `lastSeq` equals `checkpoint.seq`. */
  segment: Uint8Array;
  points: number;
}

/**
 * Every change after the request's checkpoint, up to `checkpoint`: each changed point once, in its current state.
 * `more` says another page follows right away. `indexes` is the collection's payload index schema, so a replica
 * keeps the same field indexes as the server.
 */
export interface ChangesPage {
  kind: 'changes';
  checkpoint: Checkpoint;
  more: boolean;
  upserts: PointState[];
  removals: Removal[];
  indexes: Record<string, unknown>;
}

export type PullPage = SnapshotPage | ChangesPage;

/**
 * One local write, queued on a replica and pushed to the server. `op` is the resolved operation as the replica's
 * own log stored it; `bases[i]` is the server version the replica had seen for `opKeys(op)[i]` when it wrote
 * (-1: the replica never saw that point on the server). `n` numbers a client's changes 1, 2, 3, ...: the server
 * applies each `n` at most once, so a push can be retried blindly.
 */
export interface LocalChange {
  n: number;
  op: Operation;
  bases: number[];
}

export interface PushRequest {
  /** A stable id of the replica (one per device and collection). */
  client: string;
  changes: LocalChange[];
}

/** The point changed on the server since the version the replica based its change on. */
export interface Conflict {
  id: PointKey;
  base: number;
  /** The server's current state of the point; null when the server has deleted it. */
  server: PointState | null;
}

export interface ChangeResult {
  n: number;
  /** applied: some or all of its points were written (conflicted points were not); duplicate: `n` was applied by an earlier push; rejected: invalid. */
  status: 'applied' | 'duplicate' | 'rejected';
  /** Per `opKeys(op)[i]`: the server version the point has after this change, or -1 when the point was not written. */
  versions: number[];
  conflicts: Conflict[];
  error?: string;
}

export interface PushResponse {
  checkpoint: Checkpoint;
  results: ChangeResult[];
}
