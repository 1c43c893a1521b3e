import { byId } from './dom.js';

/**
 * The server's side of the same collection, read through Qdrant's REST route `GET /collections/{name}` on the
 * origin that served the page, so sync can be watched from both ends. Polls while the tab is visible.
 */
export class ServerPanel {
  private readonly status = byId('server-status');
  private readonly count = byId('server-count');
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly collection: string) {}

  start(everyMs = 5000): void {
    void this.poll();
    this.timer = setInterval(() => {
      if (document.visibilityState === 'visible') void this.poll();
    }, everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    try {
      const response = await fetch(new URL(`/collections/${encodeURIComponent(this.collection)}`, location.href), {
        headers: { accept: 'application/json' },
      });
      if (response.status === 404) {
        this.set('reachable', 'collection not on the server');
        return;
      }
      if (!response.ok) {
        this.set(`answered ${response.status}`, 'unknown');
        return;
      }
      const body = (await response.json()) as { result?: { points_count?: number | null; status?: string } };
      const points = body.result?.points_count;
      this.set(`reachable (${body.result?.status ?? 'status unknown'})`, points == null ? 'unknown' : `${points} points`);
    } catch {
      this.set('unreachable', 'unknown');
    }
  }

  private set(status: string, count: string): void {
    this.status.textContent = status;
    this.count.textContent = count;
  }
}
