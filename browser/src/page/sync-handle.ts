import { proxy, type Remote } from 'comlink';
import { SextantError, type ConflictResolution, type ConflictResolver, type SyncProgress, type SyncStatus } from '@sextant/core';
import type { SyncCommand, SyncEvent, WorkerApi } from '../protocol.js';
import { toSyncSpec, type SyncOptions } from '../sync/sync-spec.js';
import { fromReply } from '../wire.js';

/**
 * One `db.sync()`: a server collection kept in step with a local one by the replica in the owner tab's worker.
 * The local collection is an ordinary collection of the database for every query and write; writes to it (from
 * any tab) are queued durably in IndexedDB and pushed to the server, offline ones once the browser is back online.
 */
export interface SyncHandle {
  /** The local collection, the key of this sync in the database. */
  readonly collection: string;
  /** The replica's status now (state, checkpoint, pending local changes, conflicts, last error). */
  status(): Promise<SyncStatus>;
  /** Calls `listener` with the current status and every change of it; returns the unsubscribe. */
  onStatus(listener: (status: SyncStatus) => void): () => void;
  /**
   * Calls `listener` with each step of a snapshot download (the first sync, or one after falling behind the
   * server's journal): frame bytes received and the total; the last call of a finished download has received ===
   * total. A resumed download starts from the bytes already held. The same values are `SyncStatus.progress`.
   * Returns the unsubscribe.
   */
  onProgress(listener: (progress: SyncProgress) => void): () => void;
  /** Pushes what is queued and pulls until caught up; rejects (SextantError) when the server cannot be reached. */
  syncNow(): Promise<void>;
  /** Lets go of this sync; the replica stops once no tab holds a handle for it. Local writes are still queued. */
  stop(): Promise<void>;
}

/** A page's syncs of one database: one subscription to the worker's sync events, the page's network events. */
export class PageSync {
  private subscribed = false;
  private readonly statusListeners = new Map<string, Set<(status: SyncStatus) => void>>();
  /** Per key, the newest status delivered: an older one (a reply that lost a race with an event) is dropped. */
  private readonly latest = new Map<string, { owner: string; rev: number; status: SyncStatus }>();
  private readonly resolvers = new Map<string, ConflictResolver>();
  private readonly handles = new Set<string>();
  private removeNetworkListeners: (() => void) | undefined;

  constructor(
    private readonly api: Remote<WorkerApi>,
    private readonly ensureOpen: () => void,
  ) {}

  async start(collection: string, options: SyncOptions): Promise<SyncHandle> {
    this.ensureOpen();
    const spec = toSyncSpec(collection, options);
    this.listen();
    const handle = randomHandle();
    const key = spec.localName;
    // Set before starting: the first push may already meet a conflict.
    const previous = this.resolvers.get(key);
    if (typeof options.resolve === 'function') this.resolvers.set(key, options.resolve);
    try {
      this.deliver((await this.command({ op: 'start', handle, spec, online: isOnline() })) as SyncEvent);
    } catch (error) {
      if (previous === undefined) this.resolvers.delete(key);
      else this.resolvers.set(key, previous);
      throw error;
    }
    this.handles.add(handle);
    let stopped = false;
    const ownListeners = new Set<(status: SyncStatus) => void>();
    const handleApi: SyncHandle = {
      collection: key,
      status: async () => {
        const event = (await this.command({ op: 'status', key })) as Extract<SyncEvent, { type: 'status' }>;
        this.deliver(event);
        return event.status;
      },
      onStatus: (listener) => {
        let set = this.statusListeners.get(key);
        if (set === undefined) this.statusListeners.set(key, (set = new Set()));
        // A wrapper per subscription, so one listener subscribed twice is two subscriptions.
        const once = (status: SyncStatus) => listener(status);
        set.add(once);
        ownListeners.add(once);
        const current = this.latest.get(key);
        if (current !== undefined) once(current.status);
        return () => {
          set.delete(once);
          ownListeners.delete(once);
        };
      },
      onProgress: (listener) => {
        let last: SyncProgress | undefined;
        return handleApi.onStatus((status) => {
          const p = status.progress;
          if (p === undefined || (last !== undefined && last.received === p.received && last.total === p.total)) return;
          last = p;
          listener(p);
        });
      },
      syncNow: async () => {
        if (stopped) throw stoppedError(key);
        await this.command({ op: 'now', key });
      },
      stop: async () => {
        if (stopped) return;
        stopped = true;
        for (const listener of ownListeners) this.statusListeners.get(key)?.delete(listener);
        this.handles.delete(handle);
        if (typeof options.resolve === 'function' && this.resolvers.get(key) === options.resolve) this.resolvers.delete(key);
        await this.command({ op: 'stop', handle });
      },
    };
    return handleApi;
  }

  /** The database is closing: the worker lets go of this page's handles itself. */
  close(): void {
    this.removeNetworkListeners?.();
    this.statusListeners.clear();
    this.resolvers.clear();
    this.handles.clear();
  }

  private async command(command: SyncCommand): Promise<unknown> {
    this.ensureOpen();
    return fromReply(await this.api.sync(command));
  }

  private listen(): void {
    if (this.subscribed) return;
    this.subscribed = true;
    void this.api.onSync(proxy((event: SyncEvent) => this.onEvent(event)));
    // The worker cannot see the page's network state change reliably: tell it. A replica also notices failed
    // requests on its own (state offline, retried with backoff); `online` makes it retry at once.
    const g = globalThis as unknown as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>;
    if (typeof g.addEventListener !== 'function') return;
    const online = () => void this.command({ op: 'network', online: true }).catch(reportError);
    const offline = () => void this.command({ op: 'network', online: false }).catch(reportError);
    g.addEventListener('online', online);
    g.addEventListener('offline', offline);
    this.removeNetworkListeners = () => {
      g.removeEventListener?.('online', online);
      g.removeEventListener?.('offline', offline);
    };
  }

  private onEvent(event: SyncEvent): void {
    if (event.type === 'status') {
      this.deliver(event);
      return;
    }
    const resolver = this.resolvers.get(event.key);
    if (resolver === undefined) return;
    void (async () => {
      let resolution: ConflictResolution;
      try {
        resolution = await resolver(event.conflict, event.change);
      } catch (error) {
        // The app's resolver failed: the server's state wins, and the error surfaces as an uncaught one would.
        resolution = 'server';
        reportError(error);
      }
      await this.command({ op: 'resolution', ask: event.ask, resolution });
    })().catch(reportError);
  }

  private deliver(event: SyncEvent): void {
    if (event.type !== 'status') return;
    const last = this.latest.get(event.key);
    if (last !== undefined && last.owner === event.owner && last.rev >= event.rev) return;
    this.latest.set(event.key, { owner: event.owner, rev: event.rev, status: event.status });
    for (const listener of this.statusListeners.get(event.key) ?? []) {
      try {
        listener(event.status);
      } catch (error) {
        reportError(error);
      }
    }
  }
}

function isOnline(): boolean {
  return (globalThis.navigator as Navigator | undefined)?.onLine ?? true;
}

function randomHandle(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Surfaces an error nobody awaits (window `error` event, console) instead of dropping it. */
function reportError(error: unknown): void {
  const g = globalThis as unknown as { reportError?: (e: unknown) => void };
  if (typeof g.reportError === 'function') g.reportError(error);
  else setTimeout(() => {
    throw error;
  });
}

function stoppedError(key: string): SextantError {
  return new SextantError('bad_request', `Bad request: the sync of "${key}" was stopped; call db.sync() again.`);
}
