import type { SyncProgress } from './http-transport.js';
import type { Checkpoint } from './sync-protocol.js';

/**
 * idle: not started or stopped; pulling: downloading a snapshot or catching up on changes; pushing: sending local
 * changes; synced: caught up with the server and nothing pending (a live replica waits for news in this state);
 * offline: the server cannot be reached (local reads and writes go on, retried with backoff); error: the server
 * refused (bad key, missing collection), retried with backoff too.
 */
export type SyncState = 'idle' | 'pulling' | 'pushing' | 'synced' | 'offline' | 'error';

export interface SyncStatus {
  state: SyncState;
  /** Server op number the replica has everything up to; null before the first snapshot. */
  checkpoint: Checkpoint | null;
  /** Local changes not yet acknowledged by the server. */
  pending: number;
  /** Conflicts reported by the server so far (resolved by the replica's resolver). */
  conflicts: number;
  /** Clock time of the last moment the replica was caught up, or null. */
  lastSyncedAt: number | null;
  error: string | null;
  /**
   * The newest snapshot download (a first sync, or a checkpoint older than the server's journal): frame bytes
   * received and the total the server announced. Absent until a snapshot download starts; it keeps its last value
   * (received === total) once that download completes, and is replaced by the next snapshot's.
   */
  progress?: SyncProgress;
}

export type StatusListener = (status: SyncStatus) => void;

/** A value with listeners: every change is delivered to each listener, the current value on subscribe. */
export class StatusCell {
  private value: SyncStatus = { state: 'idle', checkpoint: null, pending: 0, conflicts: 0, lastSyncedAt: null, error: null };
  private readonly listeners = new Set<StatusListener>();

  get(): SyncStatus {
    return this.value;
  }

  update(patch: Partial<SyncStatus>): void {
    const next = { ...this.value, ...patch };
    if (
      next.state === this.value.state && next.pending === this.value.pending && next.conflicts === this.value.conflicts &&
      next.error === this.value.error && next.checkpoint?.seq === this.value.checkpoint?.seq && next.lastSyncedAt === this.value.lastSyncedAt &&
      next.progress === this.value.progress
    ) return;
    this.value = next;
    for (const listener of this.listeners) listener(next);
  }

  subscribe(listener: StatusListener): () => void {
    this.listeners.add(listener);
    listener(this.value);
    return () => this.listeners.delete(listener);
  }
}
