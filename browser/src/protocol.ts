import type { ThreadReport } from './worker/search-threads.js';
import type { Conflict, ConflictResolution, LocalChange, Schemas, SerializedError, SextantClient, SyncStatus } from '@sextant/core';

/**
 * The contract between the page (`openDatabase`) and the worker (`sextant-worker.ts`), and between workers of one
 * database in different tabs (over BroadcastChannel). Types only, except the method list, which both sides need at
 * run time to validate and to build the proxy.
 *
 * Every reply is an envelope instead of a thrown error: comlink would rebuild a plain `Error` and lose `code` and
 * `status`, so the page rebuilds `SextantError` from the fields itself.
 */
export type ClientMethod = keyof SextantClient;

export type Reply<T = unknown> = { ok: true; value: T; workerMs?: number } | { ok: false; error: SerializedError };

/**
 * How long one client call took, in milliseconds (`performance.now()` resolution, which browsers coarsen to
 * 0.1 ms or less). `workerMs` is the engine's own time for the call, measured in the worker that ran it (the owner,
 * for a follower tab): the engine method alone, not the trip between threads or tabs.
 * `roundTripMs` is the page's view, from the call to its reply (page -> worker [-> owner] -> page).
 * Invariant: `workerMs <= roundTripMs`, as the first interval lies inside the second.
 */
export interface CallTiming {
  method: ClientMethod;
  /** The collection named by the call's first argument, if any. */
  collection: string | undefined;
  workerMs: number;
  roundTripMs: number;
}

/** Who serves this page's calls: its own worker (which holds the database's Web Lock) or another tab's worker. */
export type Role = 'owner' | 'follower';

/** Sent to every open page of the database after a write was applied by the owner. */
export interface ChangeEvent {
  /** The collection the write touched, or undefined for writes to several (aliases) or none. */
  collection: string | undefined;
  /** `sync`: a sync replica applied changes pulled from its server to `collection`. */
  method: ClientMethod | 'flush' | 'sync';
}

/**
 * What a worker runs, here (owner) or at the owner (follower): a client method, a flush, a sync command, or the
 * report of the owner's search threads.
 */
export type HostMethod = ClientMethod | 'flush' | 'sync' | 'threads';

/**
 * How a replica settles a conflicted point. Functions cannot cross the worker boundary, so the page's choice
 * travels as a name: `server` (the server's state wins, the default), `local` (the local change is re-sent over
 * it), or `ask` (the owner sends a `conflict` event and the page that registered a resolver answers it).
 */
export type ConflictPolicy = 'server' | 'local' | 'ask';

/** One sync of a server collection into a local one, as the page asked for it. Compared as a whole (JSON). */
export interface SyncSpec {
  /** The collection on the server. */
  collection: string;
  url: string;
  apiKey?: string;
  filter?: Schemas['Filter'];
  live: boolean;
  /** The local collection (default: `collection`); a database runs at most one sync per local collection. */
  localName: string;
  resolve: ConflictPolicy;
}

/**
 * Sync commands, always served by the owner's worker (followers forward them like client calls). A handle is one
 * `db.sync()` result; several handles (tabs) may share the replica of one local collection (`key`).
 */
export type SyncCommand =
  | { op: 'start'; handle: string; spec: SyncSpec; online: boolean }
  | { op: 'stop'; handle: string }
  | { op: 'now'; key: string }
  | { op: 'status'; key: string }
  /** The page saw the browser go on- or offline. */
  | { op: 'network'; online: boolean }
  /** A page's answer to a `conflict` event. */
  | { op: 'resolution'; ask: string; resolution: ConflictResolution };

/**
 * Sent by the owner to every page of the database. `rev` grows with each status of a key at one `owner` worker, so
 * a page can drop a status older than one it already has (a `status` reply may overtake an event or the reverse).
 */
export type SyncEvent =
  | { type: 'status'; key: string; owner: string; rev: number; status: SyncStatus }
  | { type: 'conflict'; key: string; ask: string; conflict: Conflict; change: LocalChange };

/** What the worker exposes through comlink. Arguments and values may carry packed arrays (see `wire.ts`). */
export interface WorkerApi {
  /**
   * Joins the database `name`; resolves once calls can be served (by this worker or by the owner). `searchThreads`
   * applies if this worker becomes the owner (see `OpenDatabaseOptions.searchThreads`).
   */
  open(options: { name: string; searchThreads?: number }): Promise<Reply<{ role: Role }>>;
  call(method: ClientMethod, args: unknown[]): Promise<Reply>;
  /** Makes every acknowledged write durable (the owner flushes its engine). */
  flush(): Promise<Reply>;
  /** What the owner's engine runs searches on. */
  threads(): Promise<Reply<ThreadReport>>;
  role(): Role;
  /** `listener` is a comlink proxy; the worker calls it for every change to the database from any tab. */
  onChange(listener: (event: ChangeEvent) => void): void;
  /** Runs a sync command at the owner. */
  sync(command: SyncCommand): Promise<Reply>;
  /** `listener` is a comlink proxy; the worker calls it for every sync status and conflict of the database. */
  onSync(listener: (event: SyncEvent) => void): void;
  /** Flushes and, when this worker owns the database, hands ownership to the next tab. */
  close(): Promise<Reply>;
}

/** Messages on the database's BroadcastChannel between the workers of several tabs. */
export type ChannelMessage =
  | { type: 'hello'; from: string }
  | { type: 'owner'; from: string }
  /** The owner closed gracefully; only needed without Web Locks, where no lock release tells the others. */
  | { type: 'bye'; from: string }
  | { type: 'call'; from: string; to: string; id: number; method: HostMethod; args: unknown[] }
  | { type: 'reply'; from: string; to: string; id: number; reply: Reply }
  | { type: 'changed'; from: string; event: ChangeEvent }
  | { type: 'sync'; from: string; event: SyncEvent };
