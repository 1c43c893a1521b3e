import { byId } from './dom.js';

/**
 * The server's side of the same collection, so sync can be watched from both ends: its point count and the number
 * of its last operation (what a synced browser's checkpoint catches up to), read from the origin that served the
 * page through the sync status route, or Qdrant's `GET /collections/{name}` on a server without sync. Polls while
 * the tab is visible, and at once on `poke()` (the page pokes it when its sync status changes).
 */
export class ServerPanel {
  private readonly status = byId('server-status');
  private readonly count = byId('server-count');
  private readonly lastOp = byId('server-last-op');
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling: Promise<void> | undefined;
  private again = false;

  constructor(private readonly collection: string) {}

  start(everyMs = 3000): void {
    this.poke();
    this.timer = setInterval(() => {
      if (document.visibilityState === 'visible') this.poke();
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Polls now; calls during a poll coalesce into one more. */
  poke(): void {
    if (this.polling) {
      this.again = true;
      return;
    }
    this.polling = this.poll().finally(() => {
      this.polling = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  private async poll(): Promise<void> {
    const base = `/collections/${encodeURIComponent(this.collection)}`;
    try {
      const sync = await fetch(new URL(`${base}/sync/status`, location.href), { headers: { accept: 'application/json' } });
      if (sync.ok) {
        const body = (await sync.json()) as { result?: { points_count?: number; checkpoint?: { seq?: number } } };
        this.set('reachable', `${body.result?.points_count ?? '?'} points`, `op ${body.result?.checkpoint?.seq ?? '?'}`);
        return;
      }
      const response = await fetch(new URL(base, location.href), { headers: { accept: 'application/json' } });
      if (response.status === 404) {
        this.set('reachable', 'collection not on the server', '\u2014');
        return;
      }
      if (!response.ok) {
        this.set(`answered ${response.status}`, 'unknown', 'unknown');
        return;
      }
      const body = (await response.json()) as { result?: { points_count?: number | null } };
      const points = body.result?.points_count;
      this.set('reachable (no sync on this server)', points == null ? 'unknown' : `${points} points`, 'unknown');
    } catch {
      this.set('unreachable', 'unknown', 'unknown');
    }
  }

  private set(status: string, count: string, lastOp: string): void {
    this.status.textContent = status;
    this.count.textContent = count;
    this.lastOp.textContent = lastOp;
  }
}
