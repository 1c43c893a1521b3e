import type { DemoSyncStatus } from '../sdk.js';
import { byId } from './dom.js';

/**
 * The browser's side of sync: the replica's state, the server op number it has caught up to, its queue of local
 * writes not yet on the server, and when it was last caught up. Null means no sync runs (an SDK without sync):
 * every field then says so instead of showing a made-up value.
 */
export class SyncPanel {
  private readonly status = byId('sync-status');
  private readonly checkpoint = byId('sync-checkpoint');
  private readonly pending = byId('sync-pending');
  private readonly lastSynced = byId('sync-last-synced');
  private readonly error = byId('sync-error');

  show(state: DemoSyncStatus | null): void {
    const none = 'not connected';
    this.status.textContent = state?.state ?? none;
    this.status.dataset['state'] = state?.state ?? 'none';
    this.checkpoint.textContent = state === null ? none : state.checkpoint === null ? 'none yet' : `server op ${state.checkpoint.seq}`;
    this.pending.textContent = state === null ? none : String(state.pending);
    this.lastSynced.textContent = state?.lastSyncedAt != null ? new Date(state.lastSyncedAt).toLocaleTimeString() : state ? 'not yet' : none;
    const problem = state?.error ?? (state && state.conflicts > 0 ? `${state.conflicts} conflict(s): the server's version was kept` : '');
    this.error.textContent = problem;
    this.error.hidden = !problem;
  }
}
