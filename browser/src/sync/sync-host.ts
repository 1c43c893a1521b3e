import { SextantError, type ConflictResolution, type ConflictResolver, type Engine, type SyncReplica, type SyncStatus } from '@sextant/core';
import type { SyncCommand, SyncEvent, SyncSpec } from '../protocol.js';
import { openWorkerReplica } from './worker-sync.js';

/** How long a conflict waits for a page's resolver before the server's state wins. */
const ASK_TIMEOUT_MS = 30_000;

interface Entry {
  spec: SyncSpec;
  /** The spec as JSON: a second `db.sync` of the same local collection joins only with equal options. */
  specJson: string;
  replica: SyncReplica;
  /** The `db.sync` handles (of any tab) using this replica; with none left the replica stops. */
  handles: Set<string>;
  rev: number;
  checkpointSeq: number | undefined;
  unsubscribe: () => void;
}

export interface SyncHostEvents {
  /** To every page of the database (status changes and conflicts to resolve). */
  emit(event: SyncEvent): void;
  /** A replica applied pulled changes to `collection`: pages' `onChange` hears it like any write. */
  changed(collection: string): void;
}

/**
 * The owner worker's sync replicas, one per local collection. The page's network events decide whether they run:
 * offline, the replicas are stopped (local writes are still captured and queued in IndexedDB) and report state
 * `offline`; back online they start at once instead of waiting out their retry backoff. A replica that fails while
 * the page believes it is online goes `offline`/`error` on its own and retries with backoff.
 *
 * A stopped replica (all handles stopped) stays attached, so writes made meanwhile are still queued and pushed by
 * the next `db.sync` of that collection; only closing the database detaches it.
 */
export class SyncHost {
  private readonly entries = new Map<string, Entry>();
  private readonly asks = new Map<string, (resolution: ConflictResolution) => void>();
  private nextAsk = 1;
  private online = true;
  /** Start, stop, now and network run one at a time: each awaits replica starts and stops the next one relies on. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: Engine,
    /** Distinguishes this owner's status revisions and conflict asks from an earlier owner's. */
    private readonly ownerId: string,
    private readonly events: SyncHostEvents,
  ) {}

  run(command: SyncCommand): Promise<unknown> {
    switch (command.op) {
      case 'status':
        return Promise.resolve(this.statusEvent(this.entry(command.key)));
      case 'resolution':
        this.asks.get(command.ask)?.(command.resolution);
        return Promise.resolve(undefined);
      default: {
        const run = this.chain.then(() => this.serial(command));
        this.chain = run.catch(() => undefined);
        return run;
      }
    }
  }

  /** Stops every replica and detaches it; conflicts still waiting for a page are settled for the server. */
  async close(): Promise<void> {
    await this.chain;
    for (const settle of [...this.asks.values()]) settle('server');
    for (const entry of this.entries.values()) {
      entry.unsubscribe();
      await entry.replica.close();
    }
    this.entries.clear();
  }

  private async serial(command: SyncCommand): Promise<unknown> {
    switch (command.op) {
      case 'start':
        return this.start(command.handle, command.spec, command.online);
      case 'stop':
        return this.stop(command.handle);
      case 'now':
        return this.now(this.entry(command.key));
      case 'network':
        return this.network(command.online);
      default:
        return undefined;
    }
  }

  private async start(handle: string, spec: SyncSpec, online: boolean): Promise<SyncEvent> {
    // The newest report of the network wins for every replica, not only this one.
    await this.network(online);
    const specJson = JSON.stringify(spec);
    let entry = this.entries.get(spec.localName);
    if (entry !== undefined && entry.specJson !== specJson) {
      const others = [...entry.handles].filter((h) => h !== handle);
      if (others.length > 0) {
        throw new SextantError(
          'bad_request',
          `Bad request: collection "${spec.localName}" is already syncing with other options; stop that sync first or pass another \`localName\`.`,
        );
      }
      await this.drop(entry);
      entry = undefined;
    }
    entry ??= await this.open(spec, specJson);
    entry.handles.add(handle);
    if (this.online) entry.replica.start();
    return this.publish(entry);
  }

  private async stop(handle: string): Promise<void> {
    for (const entry of this.entries.values()) {
      if (!entry.handles.delete(handle) || entry.handles.size > 0) continue;
      await entry.replica.stop();
    }
  }

  /** Pushes and catches up now; rejects when the server cannot be reached. The loop resumes afterwards. */
  private async now(entry: Entry): Promise<void> {
    // The loop and syncOnce must not pull concurrently (both would apply the same page): pause the loop.
    await entry.replica.stop();
    try {
      await entry.replica.syncOnce();
    } finally {
      if (this.online && entry.spec.live && entry.handles.size > 0) entry.replica.start();
    }
  }

  private async network(online: boolean): Promise<void> {
    if (online === this.online) return;
    this.online = online;
    for (const entry of this.entries.values()) {
      if (entry.handles.size === 0) continue;
      if (online) entry.replica.start();
      else await entry.replica.stop();
      this.publish(entry);
    }
  }

  private async open(spec: SyncSpec, specJson: string): Promise<Entry> {
    const replica = await openWorkerReplica(this.engine, spec.collection, {
      url: spec.url,
      localName: spec.localName,
      live: spec.live,
      ...(spec.apiKey === undefined ? {} : { apiKey: spec.apiKey }),
      ...(spec.filter === undefined ? {} : { filter: spec.filter }),
      ...(spec.resolve === 'server' ? {} : { resolve: this.resolver(spec) }),
    });
    const entry: Entry = { spec, specJson, replica, handles: new Set(), rev: 0, checkpointSeq: undefined, unsubscribe: () => undefined };
    this.entries.set(spec.localName, entry);
    entry.unsubscribe = replica.subscribe(() => this.publish(entry));
    return entry;
  }

  private async drop(entry: Entry): Promise<void> {
    entry.unsubscribe();
    this.entries.delete(entry.spec.localName);
    await entry.replica.close();
  }

  private resolver(spec: SyncSpec): ConflictResolver {
    if (spec.resolve === 'local') return () => 'local';
    // 'ask': the conflict goes to every page; the first answer from a page holding a resolver for this key wins.
    return (conflict, change) =>
      new Promise<ConflictResolution>((resolve) => {
        const ask = `${this.ownerId}:${this.nextAsk++}`;
        const settle = (resolution: ConflictResolution) => {
          clearTimeout(timer);
          this.asks.delete(ask);
          resolve(resolution);
        };
        const timer = setTimeout(() => settle('server'), ASK_TIMEOUT_MS);
        this.asks.set(ask, settle);
        this.events.emit({ type: 'conflict', key: spec.localName, ask, conflict, change });
      });
  }

  /** Sends the entry's status to every page, as a page sees it (`offline` while stopped for lack of network). */
  private publish(entry: Entry): SyncEvent {
    const event = this.statusEvent(entry, ++entry.rev);
    this.events.emit(event);
    const seq = event.type === 'status' ? event.status.checkpoint?.seq : undefined;
    if (seq !== undefined && seq !== entry.checkpointSeq) {
      const first = entry.checkpointSeq === undefined;
      entry.checkpointSeq = seq;
      if (!first || entry.rev > 1) this.events.changed(entry.spec.localName);
    }
    return event;
  }

  private statusEvent(entry: Entry, rev = entry.rev): SyncEvent {
    const raw = entry.replica.getStatus();
    const status: SyncStatus = !this.online && raw.state === 'idle' && entry.handles.size > 0 ? { ...raw, state: 'offline' } : raw;
    return { type: 'status', key: entry.spec.localName, owner: this.ownerId, rev, status };
  }

  private entry(key: string): Entry {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.handles.size === 0) {
      throw new SextantError('bad_request', `Bad request: collection "${key}" is not syncing; call db.sync() first.`);
    }
    return entry;
  }
}
