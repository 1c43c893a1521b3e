import type { Schemas } from '../client/sextant-client.js';
import { SextantError } from '../client/errors.js';
import type { Collection } from '../collection/collection.js';
import type { Engine } from '../collection/engine.js';
import type { NamedVectors, Operation, PayloadObject } from '../collection/operations.js';
import { compileFilter } from '../filter/compile-filter.js';
import { parseFilter } from '../filter/parse-filter.js';
import type { PointKey } from '../segment/id-tracker.js';
import { type Clock, systemClock } from '../storage.js';
import { pageOperations, stateOperation } from './apply-page.js';
import type { AbortSignalLike, ProgressListener, SyncTransport } from './http-transport.js';
import { needsExisting, opKeys, restrictOp } from './op-keys.js';
import { ReplicaStore } from './replica-store.js';
import { StatusCell, type StatusListener, type SyncStatus } from './sync-status.js';
import type { Checkpoint, Conflict, LocalChange, PullPage } from './sync-protocol.js';

/** What to do with a conflicted point: keep the server's state, re-send the local change over it, or write a merge. */
export type ConflictResolution = 'server' | 'local' | { vectors: NamedVectors; payload: PayloadObject | null };
export type ConflictResolver = (conflict: Conflict, change: LocalChange) => ConflictResolution | Promise<ConflictResolution>;

export interface ReplicaOptions {
  transport: SyncTransport;
  /** The collection's name on the server. */
  collection: string;
  /** Its name in the local engine (default: the same). */
  localName?: string;
  /** Partial sync: only points matching this Qdrant filter. Changing it needs a fresh replica. */
  filter?: Schemas['Filter'];
  /** Keep pulling (long poll) after catching up; default true for `start`. */
  live?: boolean;
  pageLimit?: number;
  /** Default: the server wins (the local change is dropped and the server's state restored). */
  resolve?: ConflictResolver;
  clock?: Clock;
  /** Waits between retries; injected so tests run without real timers. */
  sleep?: (ms: number) => Promise<void>;
  /** How a new replica names itself to the server (default: random). */
  newClientId?: () => string;
}

const PUSH_BATCH = 256;
/** Snapshot download progress reports per download (see progressListener). */
const PROGRESS_STEPS = 64;
const LONG_POLL_MS = 25_000;
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 30_000;

/**
 * A local collection kept in step with a server collection, both ways. Pulls apply through the collection's own
 * write path (so the local copy is an ordinary collection for every query); local writes made by the app through
 * any client of the same engine are caught by the collection's applied-op hook, queued durably with the server
 * versions they were based on, and pushed. Conflicts go to the resolver; the server wins by default.
 *
 * Pulled changes for a point with queued local changes are applied and the local changes replayed on top, so
 * the app keeps seeing its own writes until the server has answered for them.
 */
export class SyncReplica {
  private readonly status = new StatusCell();
  private readonly localName: string;
  /** Ops this replica writes itself (pulled state): the capture hook skips them. */
  private readonly remoteOps = new Set<Operation>();
  private detach: (() => void) | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private pushChain: Promise<void> = Promise.resolve();
  private applying: Promise<unknown> = Promise.resolve();
  private abort: { abort(): void; signal: AbortSignalLike } | undefined;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly engine: Engine,
    private readonly store: ReplicaStore,
    private readonly options: ReplicaOptions,
  ) {
    this.localName = options.localName ?? options.collection;
    store.onError = (error) => this.status.update({ state: 'error', error: message(error) });
    this.status.update({ checkpoint: store.checkpoint, pending: store.pending.length });
    if (engine.exists(this.localName)) this.attach(engine.resolve(this.localName));
  }

  static async open(engine: Engine, options: ReplicaOptions): Promise<SyncReplica> {
    const newId = options.newClientId ?? randomClientId;
    const store = await ReplicaStore.open(engine.storage, options.localName ?? options.collection, newId);
    return new SyncReplica(engine, store, options);
  }

  get clientId(): string {
    return this.store.client;
  }

  getStatus(): SyncStatus {
    return this.status.get();
  }

  /** Current status now and on every change; returns the unsubscribe function. */
  subscribe(listener: StatusListener): () => void {
    return this.status.subscribe(listener);
  }

  /** Pushes what is queued, then pulls until caught up. Rejects when the server cannot be reached or refuses. */
  async syncOnce(): Promise<void> {
    await this.push();
    await this.pullUntilCaughtUp(0);
    if (this.store.pending.length > 0) await this.push();
    this.markSynced();
  }

  /** Runs in the background: catch up, then long-poll for news and push local writes as they happen. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort?.abort();
    this.wake?.();
    await this.loop;
    await this.pushChain;
    this.status.update({ state: 'idle' });
  }

  /** Stops and stops capturing local writes (they are then no longer queued): for discarding this replica object. */
  async close(): Promise<void> {
    await this.stop();
    this.detach?.();
    this.detach = undefined;
  }

  private async run(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    const live = this.options.live ?? true;
    while (this.running) {
      try {
        await this.push();
        const caughtUp = this.status.get().state === 'synced';
        await this.pullUntilCaughtUp(live && caughtUp ? LONG_POLL_MS : 0);
        this.markSynced();
        backoff = BACKOFF_MIN_MS;
        if (!live) break;
      } catch (error) {
        if (!this.running) break;
        const offline = SextantError.is(error) && error.code === 'unavailable';
        this.status.update({ state: offline ? 'offline' : 'error', error: message(error) });
        await this.pause(backoff);
        backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
      }
    }
    this.running = false;
  }

  private markSynced(): void {
    if (this.store.pending.length === 0) this.status.update({ state: 'synced', error: null, lastSyncedAt: (this.options.clock ?? systemClock).now() });
  }

  private async pullUntilCaughtUp(waitMs: number): Promise<void> {
    for (;;) {
      const request = {
        since: this.store.checkpoint,
        limit: this.options.pageLimit,
        ...(this.options.filter === undefined ? {} : { filter: this.options.filter }),
        ...(waitMs > 0 ? { wait_ms: waitMs } : {}),
      };
      if (waitMs === 0) this.status.update({ state: 'pulling' });
      const controller = newAbortController();
      this.abort = controller;
      const page = await this.options.transport.pull(this.options.collection, request, controller?.signal, this.progressListener());
      this.abort = undefined;
      if (waitMs > 0) this.status.update({ state: 'pulling' });
      waitMs = 0;
      // Two pulls may overlap (a sync-now call while the live loop runs): a page answers the checkpoint it was asked
      // from, so one that another pull has overtaken is dropped and asked for again.
      const applied = await this.exclusive(async () => {
        if (!sameCheckpoint(this.store.checkpoint, request.since)) return false;
        await this.apply(page);
        return true;
      });
      if (!applied) continue;
      if (page.kind === 'changes' && !page.more) return;
    }
  }

  /**
   * Status updates for a snapshot download, at most about PROGRESS_STEPS of them plus the first and the last: each
   * one crosses to every page listening, so one per network chunk would flood them on a large collection.
   */
  private progressListener(): ProgressListener {
    let next = 0;
    return (progress) => {
      const { received, total } = progress;
      if (received < next && received !== total && received !== 0) return;
      next = received + Math.max(1, Math.ceil(total / PROGRESS_STEPS));
      this.status.update({ progress: { received, total } });
    };
  }

  private async apply(page: PullPage): Promise<void> {
    if (page.kind === 'snapshot') {
      const collection = await this.engine.installCollection(this.localName, page.config, page.segment);
      this.attach(collection);
      const set: [PointKey, number][] = [];
      const ids = collection.segment.ids;
      for (let id = 0; id < ids.capacity; id++) if (ids.isLive(id)) set.push([ids.externalOf(id), ids.version(id)]);
      await this.store.pulled(page.checkpoint, set, [], true);
      await this.store.compact();
      await this.replayPending(undefined);
    } else {
      const collection = this.collection();
      const ops = pageOperations(collection, page);
      if (ops.length > 0) await this.writeRemote(collection, ops);
      const keys = new Set<PointKey>();
      for (const p of page.upserts) keys.add(p.id);
      for (const r of page.removals) keys.add(r.id);
      await this.store.pulled(page.checkpoint, page.upserts.map((p) => [p.id, p.version]), page.removals.map((r) => r.id));
      await this.replayPending(keys);
    }
    this.status.update({ checkpoint: this.store.checkpoint });
  }

  /** Re-applies queued local changes touching `keys` (all when undefined) over freshly pulled server state. */
  private async replayPending(keys: Set<PointKey> | undefined): Promise<void> {
    const ops = this.store.pending.filter((c) => keys === undefined || opKeys(c.op).some((k) => keys.has(k))).map((c) => c.op);
    if (ops.length > 0) await this.writeRemote(this.collection(), ops.map((op) => ({ ...op }) as Operation));
  }

  /** Pushes queued changes in order, one batch at a time; concurrent calls share one chain. */
  private push(): Promise<void> {
    const run = this.pushChain.then(() => this.pushNow());
    this.pushChain = run.catch(() => undefined);
    return run;
  }

  private async pushNow(): Promise<void> {
    while (this.store.pending.length > 0) {
      this.status.update({ state: 'pushing', pending: this.store.pending.length });
      const batch = this.store.pending.slice(0, PUSH_BATCH);
      const response = await this.options.transport.push(this.options.collection, { client: this.store.client, changes: batch });
      const set: [PointKey, number][] = [];
      const del: PointKey[] = [];
      const followUps: { conflict: Conflict; change: LocalChange }[] = [];
      for (const result of response.results) {
        const change = batch.find((c) => c.n === result.n);
        if (change === undefined) continue;
        const keys = opKeys(change.op);
        result.versions.forEach((v, i) => {
          if (v < 0) return;
          if (change.op.type === 'delete_points') del.push(keys[i]!);
          else set.push([keys[i]!, v]);
        });
        for (const conflict of result.conflicts) {
          if (conflict.server === null) del.push(conflict.id);
          else set.push([conflict.id, conflict.server.version]);
          followUps.push({ conflict, change });
        }
      }
      await this.store.pushed(batch[batch.length - 1]!.n, set, del);
      this.status.update({ pending: this.store.pending.length });
      for (const { conflict, change } of followUps) await this.exclusive(() => this.resolve(conflict, change));
    }
  }

  /**
   * Settles one conflicted point. The server's state is restored locally first; then a `local` or merged
   * resolution is written as a new local change, which the capture hook queues with the server's version as its base.
   */
  private async resolve(conflict: Conflict, change: LocalChange): Promise<void> {
    this.status.update({ conflicts: this.status.get().conflicts + 1 });
    const resolution = this.options.resolve === undefined ? 'server' : await this.options.resolve(conflict, change);
    const collection = this.collection();
    await this.writeRemote(collection, [stateOperation(conflict.id, conflict.server)]);
    // A partial replica holds only matching points, and the feed sends a removal only when a point changes again:
    // a server state outside the filter must not stay behind here.
    if (conflict.server !== null && !this.matchesFilter(collection, conflict.id)) {
      await this.writeRemote(collection, [{ type: 'delete_points', ids: [conflict.id] }]);
    }
    if (resolution === 'server') return;
    let op: Operation | undefined;
    if (resolution === 'local') {
      if (conflict.server === null && needsExisting(change.op)) return;
      op = restrictOp(change.op, [opKeys(change.op).indexOf(conflict.id)]);
    } else {
      op = { type: 'upsert', points: [{ id: conflict.id, vectors: resolution.vectors, payload: resolution.payload }] };
    }
    if (op !== undefined) await collection.write(() => [op], true);
  }

  private matchesFilter(collection: Collection, key: PointKey): boolean {
    if (this.options.filter === undefined) return true;
    const segment = collection.segment;
    const id = segment.ids.internalOf(key);
    return id !== undefined && compileFilter(parseFilter(this.options.filter), segment, segment.indexes)(id);
  }

  /** Runs page applications and conflict settlements one at a time: each reads the state the previous one left. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.applying.then(fn);
    this.applying = run.catch(() => undefined);
    return run;
  }

  private writeRemote(collection: Collection, ops: Operation[]): Promise<unknown> {
    for (const op of ops) this.remoteOps.add(op);
    return collection.write(() => ops, true).finally(() => {
      for (const op of ops) this.remoteOps.delete(op);
    });
  }

  /** Hooks the local collection so that the app's writes are queued for the server. */
  private attach(collection: Collection): void {
    this.detach?.();
    this.detach = collection.onApplied((op) => {
      if (this.remoteOps.has(op) || op.type === 'create_index' || op.type === 'delete_index' || op.type === 'create_vector' || op.type === 'delete_vector') return;
      const bases = opKeys(op).map((k) => this.store.versions.get(k) ?? -1);
      this.store.queue({ op, bases });
      this.status.update({ pending: this.store.pending.length, state: this.running ? 'pushing' : this.status.get().state });
      if (this.running) this.kick();
    });
  }

  /** A local write while live: push it now, and cut a long poll short so the loop comes round. */
  private kick(): void {
    void this.push().catch(() => undefined);
  }

  private collection(): Collection {
    return this.engine.resolve(this.localName);
  }

  private pause(ms: number): Promise<void> {
    if (this.options.sleep !== undefined) return this.options.sleep(ms);
    return new Promise((resolve) => {
      const g = globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(t: unknown): void };
      const timer = g.setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        g.clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

function sameCheckpoint(a: Checkpoint | null, b: Checkpoint | null | undefined): boolean {
  if (a === null || b === null || b === undefined) return a === null && (b === null || b === undefined);
  return a.epoch === b.epoch && a.seq === b.seq;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function randomClientId(): string {
  const g = globalThis as unknown as { crypto?: { randomUUID?: () => string } };
  return g.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function newAbortController(): { abort(): void; signal: AbortSignalLike } | undefined {
  const g = globalThis as unknown as { AbortController?: new () => { abort(): void; signal: AbortSignalLike } };
  return g.AbortController === undefined ? undefined : new g.AbortController();
}
