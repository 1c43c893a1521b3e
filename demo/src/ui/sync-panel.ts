import { byId } from './dom.js';

/**
 * What the sync panel shows. Filled from the browser client's sync handle once sync exists; until then the page
 * passes null and every field says "not connected" (never a made-up number).
 */
export interface SyncPanelState {
  status: 'idle' | 'pulling' | 'pushing' | 'offline' | 'error' | 'synced';
  checkpoint: string | number | null;
  pendingWrites: number | null;
  lastChange: Date | null;
}

export class SyncPanel {
  private readonly status = byId('sync-status');
  private readonly checkpoint = byId('sync-checkpoint');
  private readonly pending = byId('sync-pending');
  private readonly lastChange = byId('sync-last-change');

  show(state: SyncPanelState | null): void {
    const none = 'not connected';
    this.status.textContent = state?.status ?? none;
    this.status.dataset['state'] = state?.status ?? 'none';
    this.checkpoint.textContent = state?.checkpoint != null ? String(state.checkpoint) : none;
    this.pending.textContent = state?.pendingWrites != null ? String(state.pendingWrites) : none;
    this.lastChange.textContent = state?.lastChange ? state.lastChange.toLocaleTimeString() : none;
  }
}
