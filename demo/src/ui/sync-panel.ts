import type { DemoSyncHandle, DemoSyncStatus } from '../sdk.js';
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
  private readonly now = byId<HTMLButtonElement>('sync-now');
  private nowError = '';

  /**
   * Follows `handle`'s status. "Sync now" pushes and pulls at once instead of waiting for the replica's next retry,
   * which backs off up to 30 s while the server is away.
   */
  follow(handle: DemoSyncHandle, onChange: () => void): void {
    this.now.hidden = false;
    this.now.addEventListener('click', () => {
      this.now.disabled = true;
      this.nowError = '';
      handle
        .syncNow()
        .catch((error: unknown) => {
          this.nowError = `Sync now: ${error instanceof Error ? error.message : String(error)}`;
        })
        .finally(() => {
          this.now.disabled = false;
          void handle.status().then((status) => this.show(status));
        });
    });
    handle.onStatus((status) => {
      this.show(status);
      onChange();
    });
  }

  show(state: DemoSyncStatus | null): void {
    const none = 'not connected';
    this.status.textContent = state?.state ?? none;
    this.status.dataset['state'] = state?.state ?? 'none';
    this.checkpoint.textContent = state === null ? none : state.checkpoint === null ? 'none yet' : `server op ${state.checkpoint.seq}`;
    this.pending.textContent = state === null ? none : String(state.pending);
    this.lastSynced.textContent = state?.lastSyncedAt != null ? new Date(state.lastSyncedAt).toLocaleTimeString() : state ? 'not yet' : none;
    const problem =
      state?.error ?? (this.nowError || (state && state.conflicts > 0 ? `${state.conflicts} conflict(s): the server's version was kept` : ''));
    this.error.textContent = problem;
    this.error.hidden = !problem;
  }
}
