import type { SerializedError, SextantClient } from '@sextant/core';

/**
 * The contract between the page (`openDatabase`) and the worker (`sextant-worker.ts`), and between workers of one
 * database in different tabs (over BroadcastChannel). Types only, except the method list, which both sides need at
 * run time to validate and to build the proxy.
 *
 * Every reply is an envelope instead of a thrown error: comlink would rebuild a plain `Error` and lose `code` and
 * `status`, so the page rebuilds `SextantError` from the fields itself.
 */
export type ClientMethod = keyof SextantClient;

export type Reply<T = unknown> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** Who serves this page's calls: its own worker (which holds the database's Web Lock) or another tab's worker. */
export type Role = 'owner' | 'follower';

/** Sent to every open page of the database after a write was applied by the owner. */
export interface ChangeEvent {
  /** The collection the write touched, or undefined for writes to several (aliases) or none. */
  collection: string | undefined;
  method: ClientMethod | 'flush';
}

/** What the worker exposes through comlink. Arguments and values may carry packed arrays (see `wire.ts`). */
export interface WorkerApi {
  /** Joins the database `name`; resolves once calls can be served (by this worker or by the owner). */
  open(options: { name: string }): Promise<Reply<{ role: Role }>>;
  call(method: ClientMethod, args: unknown[]): Promise<Reply>;
  /** Makes every acknowledged write durable (the owner flushes its engine). */
  flush(): Promise<Reply>;
  role(): Role;
  /** `listener` is a comlink proxy; the worker calls it for every change to the database from any tab. */
  onChange(listener: (event: ChangeEvent) => void): void;
  /** Flushes and, when this worker owns the database, hands ownership to the next tab. */
  close(): Promise<Reply>;
}

/** Messages on the database's BroadcastChannel between the workers of several tabs. */
export type ChannelMessage =
  | { type: 'hello'; from: string }
  | { type: 'owner'; from: string }
  /** The owner closed gracefully; only needed without Web Locks, where no lock release tells the others. */
  | { type: 'bye'; from: string }
  | { type: 'call'; from: string; to: string; id: number; method: ClientMethod | 'flush'; args: unknown[] }
  | { type: 'reply'; from: string; to: string; id: number; reply: Reply }
  | { type: 'changed'; from: string; event: ChangeEvent };
