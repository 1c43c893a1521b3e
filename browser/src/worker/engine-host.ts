import { SextantError, type Engine as CoreEngine, type SextantClient, type Storage, type SyncStatus } from '@sextant/core';
import type { ChangeEvent, ChannelMessage, HostMethod, Reply, Role, SyncCommand, SyncEvent } from '../protocol.js';
import { WRITE_METHODS } from '../client-methods.js';
import { deserializeError, toReply } from '../wire.js';
import { IdbStorage } from '../storage/idb-storage.js';
import { claimOwnership, type Ownership } from './ownership.js';
import { SyncHost } from '../sync/sync-host.js';
import type { ThreadReport } from './search-threads.js';
import { checkSyncCommand } from '../sync/sync-spec.js';

/** The engine as the worker needs it: the client plus its lifecycle (core's `EmbeddedClient`). */
export interface Engine extends SextantClient {
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Core's engine under the client (EmbeddedClient has it): sync replicas need it; without it `sync` is refused. */
  readonly engine?: CoreEngine;
  /** What searches run on (search workers or none); an engine without it runs every search in its own thread. */
  threads?(): ThreadReport;
}

/** Settings of the page that opened the database, applied by the worker that becomes its owner. */
export interface EngineOptions {
  /** Search workers to start (undefined: the default count, 0: none); see `OpenDatabaseOptions.searchThreads`. */
  searchThreads?: number;
}

export type EngineFactory = (storage: Storage, options: EngineOptions) => Engine | Promise<Engine>;

/**
 * One database as seen from one worker. Exactly one worker per database (across all tabs of the origin) is the
 * owner: it holds the Web Lock, opens IndexedDB and runs the engine. Every other worker is a follower and forwards
 * each call to the owner over the database's BroadcastChannel, so all tabs read and write one consistent state.
 *
 * Handover: when the owner's tab closes, the browser grants the lock to a follower, which opens the engine from
 * IndexedDB (every write acknowledged with `wait: true` is there) and announces itself. Followers then send the
 * calls still waiting for a reply to the new owner. A call the old owner applied but could not answer before its tab
 * died is therefore applied twice: harmless for upserts, deletes and payload writes, which are idempotent; a
 * `createCollection` may then report that the collection exists.
 */
export class EngineHost {
  /** Random, from getRandomValues: `crypto.randomUUID` exists only in secure contexts. */
  readonly id = randomId();
  private currentRole: Role = 'follower';
  private engine: Engine | undefined;
  private storage: IdbStorage | undefined;
  private ownerId: string | undefined;
  private ownership: Ownership | undefined;
  private channel: BroadcastChannel | undefined;
  private closing = false;
  private nextCallId = 1;
  /** Calls forwarded to the owner and not answered yet; `sentTo` is the owner they went to. */
  private readonly pending = new Map<number, PendingCall>();
  /** Owner side: calls being served, so that closing waits for them before giving the lock up. */
  private readonly serving = new Set<Promise<unknown>>();
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private readonly syncListeners = new Set<(event: SyncEvent) => void>();
  /** Owner side: the sync replicas of the database. */
  private syncHost: SyncHost | undefined;
  /**
   * This tab's live `db.sync` handles (their start commands): a new owner has no replicas of the old one, so each
   * tab registers its handles again when ownership moves. The replica's state is in IndexedDB, so it resumes.
   */
  private readonly syncStarts = new Map<string, Extract<SyncCommand, { op: 'start' }>>();
  private ready: Promise<void> | undefined;
  /** Set without Web Locks: what a follower does when the owner says goodbye. */
  private claimWithoutLocks: (() => void) | undefined;
  private markReady: (() => void) | undefined;
  private failReady: ((error: unknown) => void) | undefined;
  private options: EngineOptions = {};

  constructor(
    private readonly createEngine: EngineFactory,
    /** The IndexedDB database name of a Sextant database; distinct from other apps' databases of the origin. */
    private readonly idbName: (name: string) => string = (name) => `sextant/${name}`,
  ) {}

  role(): Role {
    return this.currentRole;
  }

  /** Resolves once this worker can serve calls: it owns the database, or it has heard from the owner. */
  open(name: string, options: EngineOptions = {}): Promise<void> {
    if (this.ready) return this.ready;
    this.options = options;
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.channel = new BroadcastChannel(`sextant/${name}`);
    this.channel.onmessage = (event: MessageEvent<ChannelMessage>) => this.onMessage(event.data);
    const claim = () =>
      (this.ownership ??= claimOwnership(
        `sextant/${name}`,
        () => this.becomeOwner(name),
        (error) => this.fail(error),
      ));
    this.post({ type: 'hello', from: this.id });
    if (hasWebLocks()) claim();
    else {
      // No Web Locks (an insecure context such as http on a LAN address): own the database only if no tab answers
      // the hello in time. Best effort: two tabs opening at the same instant could both own it, and followers take
      // over only from an owner that closed gracefully (a killed tab says no goodbye); use https or localhost.
      const probe = () => {
        if (this.ownerId === undefined && !this.closing) claim();
      };
      setTimeout(probe, NO_LOCKS_PROBE_MS);
      this.claimWithoutLocks = () => setTimeout(probe, Math.random() * NO_LOCKS_PROBE_MS);
    }
    return this.ready;
  }

  /** Runs one client call here (owner) or at the owner (follower). Rejects with SextantError. */
  async invoke(method: HostMethod, args: unknown[]): Promise<unknown> {
    return (await this.invokeTimed(method, args)).value;
  }

  /** As `invoke`, with the engine's own time for the call, measured where it ran (see `CallTiming`). */
  invokeTimed(method: HostMethod, args: unknown[]): Promise<Served> {
    if (this.closing) return Promise.reject(closedError());
    if (method === 'sync') return this.syncCommand(args[0]);
    return this.forward(method, args);
  }

  private forward(method: HostMethod, args: unknown[]): Promise<Served> {
    if (this.currentRole === 'owner') return this.serve(method, args);
    return new Promise((resolve, reject) => {
      const id = this.nextCallId++;
      const call: PendingCall = { method, args, resolve, reject, sentTo: undefined };
      this.pending.set(id, call);
      this.send(id, call);
    });
  }

  onChange(listener: (event: ChangeEvent) => void): void {
    this.listeners.add(listener);
  }

  onSync(listener: (event: SyncEvent) => void): void {
    this.syncListeners.add(listener);
  }

  /** Validates a sync command (a worker message) and runs it at the owner, remembering this tab's handles. */
  private async syncCommand(raw: unknown): Promise<Served> {
    const command = checkSyncCommand(raw);
    const served = await this.forward('sync', [command]);
    if (command.op === 'start') this.syncStarts.set(command.handle, command);
    if (command.op === 'stop') this.syncStarts.delete(command.handle);
    return served;
  }

  /** After an ownership change: this tab's handles, registered again at the new owner. */
  private restartSyncs(): void {
    const online = (globalThis.navigator as Navigator | undefined)?.onLine ?? true;
    for (const command of this.syncStarts.values()) {
      this.forward('sync', [{ ...command, online }]).catch((error: unknown) =>
        this.notifySync({ type: 'status', key: command.spec.localName, owner: '', rev: 0, status: failedStatus(error) }),
      );
    }
  }

  /** Flushes, then gives ownership up (the next tab in line takes over) or leaves the queue for it. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      if (this.currentRole === 'owner') {
        await Promise.allSettled([...this.serving]);
        await this.syncHost?.close();
        await this.engine?.close();
        await this.storage?.close();
        this.post({ type: 'bye', from: this.id });
      } else {
        // The owner keeps a replica running for as long as some tab holds a handle: let go of ours. Sent without
        // waiting for the answer; the channel closes below.
        for (const handle of this.syncStarts.keys()) this.forward('sync', [{ op: 'stop', handle }]).catch(() => undefined);
      }
    } finally {
      this.syncStarts.clear();
      this.syncListeners.clear();
      for (const call of this.pending.values()) call.reject(closedError());
      this.pending.clear();
      this.ownership?.release();
      this.channel?.close();
      this.listeners.clear();
    }
  }

  /** Taking ownership failed (IndexedDB would not open, the engine could not load): nobody can serve this tab. */
  private fail(error: unknown): void {
    this.failReady?.(error);
    for (const call of this.pending.values()) call.reject(error);
    this.pending.clear();
  }

  private async becomeOwner(name: string): Promise<void> {
    if (this.closing) return;
    const storage = await IdbStorage.open(this.idbName(name));
    let engine: Engine;
    try {
      engine = await this.createEngine(storage, this.options);
    } catch (error) {
      await storage.close();
      throw error;
    }
    this.storage = storage;
    this.engine = engine;
    if (engine.engine !== undefined) {
      this.syncHost = new SyncHost(engine.engine, this.id, {
        emit: (event) => this.announceSync(event),
        changed: (collection) => this.announceChange({ collection, method: 'sync' }),
      });
    }
    const wasFollowing = this.ownerId !== undefined;
    this.currentRole = 'owner';
    this.ownerId = this.id;
    this.post({ type: 'owner', from: this.id });
    // Calls we had forwarded to the previous owner, which is gone since we hold the lock: serve them here.
    for (const [id, call] of this.pending) {
      this.pending.delete(id);
      this.serve(call.method, call.args).then(call.resolve, call.reject);
    }
    if (wasFollowing) this.restartSyncs();
    this.markReady?.();
  }

  private serve(method: HostMethod, args: unknown[]): Promise<Served> {
    const engine = this.engine;
    if (!engine) return Promise.reject(closedError());
    const run = (async (): Promise<Served> => {
      const started = performance.now();
      if (method === 'flush') {
        await engine.flush();
        return { value: undefined, workerMs: performance.now() - started };
      }
      if (method === 'threads') {
        const report: ThreadReport = engine.threads?.() ?? { isolated: false, searchThreads: 0, offloaded: 0, planned: 0 };
        return { value: report, workerMs: performance.now() - started };
      }
      if (method === 'sync') {
        if (this.syncHost === undefined) throw new SextantError('bad_request', 'Bad request: this database engine cannot sync.');
        // Forwarded commands come from another worker: check them here too.
        const value = await this.syncHost.run(checkSyncCommand(args[0]));
        return { value, workerMs: performance.now() - started };
      }
      const fn = engine[method] as (...a: unknown[]) => Promise<unknown>;
      const value = await fn.apply(engine, args);
      // Taken before the change fan-out: listeners are the pages' business, not the engine's time.
      const workerMs = performance.now() - started;
      if (WRITE_METHODS.has(method)) this.announceChange({ collection: collectionOf(args), method });
      return { value, workerMs };
    })();
    this.serving.add(run);
    void run.finally(() => this.serving.delete(run)).catch(() => undefined);
    return run;
  }

  private onMessage(message: ChannelMessage): void {
    switch (message.type) {
      case 'hello':
        if (this.currentRole === 'owner' && !this.closing) this.post({ type: 'owner', from: this.id });
        return;
      case 'owner': {
        if (this.currentRole === 'owner') return;
        const previous = this.ownerId;
        this.ownerId = message.from;
        for (const [id, call] of this.pending) if (call.sentTo !== message.from) this.send(id, call);
        if (previous !== undefined && previous !== message.from) this.restartSyncs();
        this.markReady?.();
        return;
      }
      case 'bye':
        if (message.from !== this.ownerId || this.currentRole === 'owner') return;
        this.ownerId = undefined;
        this.claimWithoutLocks?.();
        return;
      case 'call': {
        // A closing owner stays silent: the caller resends to the next owner once it announces itself.
        if (message.to !== this.id || this.currentRole !== 'owner' || this.closing) return;
        const { from, id, method, args } = message;
        void toReply(() => this.serve(method, args)).then((served) => {
          const reply: Reply = served.ok ? { ok: true, value: served.value.value, workerMs: served.value.workerMs } : served;
          this.post({ type: 'reply', from: this.id, to: from, id, reply });
        });
        return;
      }
      case 'reply': {
        if (message.to !== this.id) return;
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        settle(call, message.reply);
        return;
      }
      case 'changed':
        this.notify(message.event);
        return;
      case 'sync':
        this.notifySync(message.event);
        return;
    }
  }

  private send(id: number, call: PendingCall): void {
    if (this.ownerId === undefined || this.ownerId === this.id) return;
    call.sentTo = this.ownerId;
    this.post({ type: 'call', from: this.id, to: this.ownerId, id, method: call.method, args: call.args });
  }

  private announceChange(event: ChangeEvent): void {
    this.post({ type: 'changed', from: this.id, event });
    this.notify(event);
  }

  private announceSync(event: SyncEvent): void {
    this.post({ type: 'sync', from: this.id, event });
    this.notifySync(event);
  }

  private notifySync(event: SyncEvent): void {
    for (const listener of this.syncListeners) {
      try {
        listener(event);
      } catch {
        // As in notify: one page's failing listener must not keep the event from the others.
      }
    }
  }

  private notify(event: ChangeEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A page's listener failing must not stop the others, nor fail the write that caused the event.
      }
    }
  }

  private post(message: ChannelMessage): void {
    this.channel?.postMessage(message);
  }
}

const NO_LOCKS_PROBE_MS = 300;

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function hasWebLocks(): boolean {
  return (globalThis.navigator as Navigator | undefined)?.locks !== undefined;
}

/** A status that says a handle could not be registered again at a new owner; the page's listeners see it. */
function failedStatus(error: unknown): SyncStatus {
  const message = error instanceof Error ? error.message : String(error);
  return { state: 'error', checkpoint: null, pending: 0, conflicts: 0, lastSyncedAt: null, error: message };
}

/** A call's value and the engine's time for it, in ms, measured by the worker that ran it (the owner). */
export interface Served {
  value: unknown;
  workerMs: number;
}

interface PendingCall {
  method: HostMethod;
  args: unknown[];
  resolve: (served: Served) => void;
  reject: (error: unknown) => void;
  sentTo: string | undefined;
}

function settle(call: PendingCall, reply: Reply): void {
  // An owner of an older SDK version sends no time: NaN says "unknown" rather than a made-up 0.
  if (reply.ok) call.resolve({ value: reply.value, workerMs: typeof reply.workerMs === 'number' ? reply.workerMs : Number.NaN });
  else call.reject(deserializeError(reply.error));
}

/** Every collection-scoped method of the Qdrant client takes the collection name first. */
function collectionOf(args: unknown[]): string | undefined {
  return typeof args[0] === 'string' ? args[0] : undefined;
}

function closedError(): SextantError {
  return new SextantError('unavailable', 'Service unavailable: this database was closed; open it again with openDatabase().');
}
