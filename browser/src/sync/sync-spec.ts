import { SextantError, type ConflictResolution, type ConflictResolver, type Schemas } from '@sextant/core';
import type { ConflictPolicy, SyncCommand, SyncSpec } from '../protocol.js';

/** What an app passes to `db.sync(collection, options)`. */
export interface SyncOptions {
  /** The server's REST base URL, e.g. `http://localhost:6333`; the sync endpoints are under it. */
  url: string;
  /** Sent as `api-key`; a read-only key may pull, pushing needs the full key. */
  apiKey?: string;
  /** Partial sync: only points matching this Qdrant filter; a point that stops matching is removed locally. */
  filter?: Schemas['Filter'];
  /** Keep pulling by long poll and push local writes as they happen (default true); false: sync on `syncNow()`. */
  live?: boolean;
  /** The local collection (default: the server's name). */
  localName?: string;
  /**
   * Conflicts (the point changed on the server since the local write was based on it): 'server' (default) keeps
   * the server's state, 'local' re-sends the local change over it, a function returns either or a merged point.
   * A function runs in this page; while no open page of the database has one, the server wins after 30 s.
   */
  resolve?: 'server' | 'local' | ConflictResolver;
}

const POLICIES: ReadonlySet<string> = new Set<ConflictPolicy>(['server', 'local']);

/** The page's side of the boundary: options (which may hold a function) to the spec that crosses it. */
export function toSyncSpec(collection: unknown, options: SyncOptions | undefined): SyncSpec {
  if (options === null || typeof options !== 'object') throw bad('db.sync needs options with the server `url`.');
  const resolve = options.resolve ?? 'server';
  const policy: ConflictPolicy = typeof resolve === 'function' ? 'ask' : (resolve as ConflictPolicy);
  const spec: SyncSpec = {
    collection: collection as string,
    url: options.url,
    live: options.live ?? true,
    localName: options.localName ?? (collection as string),
    resolve: policy,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.filter === undefined ? {} : { filter: options.filter }),
  };
  checkSyncSpec(spec);
  return spec;
}

/** The worker's side: a command is a worker message, so every field is checked before the owner acts on it. */
export function checkSyncCommand(command: unknown): SyncCommand {
  const c = command as SyncCommand | null;
  if (c === null || typeof c !== 'object') throw bad('a sync command must be an object.');
  switch (c.op) {
    case 'start':
      checkString(c.handle, 'handle');
      checkSyncSpec(c.spec);
      if (typeof c.online !== 'boolean') throw bad('`online` must be a boolean.');
      return c;
    case 'stop':
      checkString(c.handle, 'handle');
      return c;
    case 'now':
    case 'status':
      checkString(c.key, 'key');
      return c;
    case 'network':
      if (typeof c.online !== 'boolean') throw bad('`online` must be a boolean.');
      return c;
    case 'resolution':
      checkString(c.ask, 'ask');
      checkResolution(c.resolution);
      return c;
    default:
      throw bad(`\`${String((c as { op?: unknown }).op)}\` is not a sync command.`);
  }
}

function checkSyncSpec(spec: SyncSpec): void {
  if (spec === null || typeof spec !== 'object') throw bad('a sync needs options.');
  checkString(spec.collection, 'collection');
  checkString(spec.localName, 'localName');
  checkString(spec.url, 'url');
  if (!/^https?:\/\//i.test(spec.url)) throw bad(`\`url\` must be the server's http(s) base URL, got "${spec.url}".`);
  if (spec.apiKey !== undefined && typeof spec.apiKey !== 'string') throw bad('`apiKey` must be a string.');
  if (typeof spec.live !== 'boolean') throw bad('`live` must be a boolean.');
  if (spec.filter !== undefined && (spec.filter === null || typeof spec.filter !== 'object' || Array.isArray(spec.filter))) {
    throw bad('`filter` must be a Qdrant filter object.');
  }
  if (!POLICIES.has(spec.resolve) && spec.resolve !== 'ask') throw bad("`resolve` must be 'server', 'local' or a function.");
}

function checkResolution(resolution: ConflictResolution): void {
  if (resolution === 'server' || resolution === 'local') return;
  const r = resolution as { vectors?: unknown; payload?: unknown } | null;
  if (r !== null && typeof r === 'object' && r.vectors !== null && typeof r.vectors === 'object' && (r.payload === null || typeof r.payload === 'object')) {
    return;
  }
  throw bad("a conflict resolver must return 'server', 'local' or { vectors, payload }.");
}

function checkString(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0) throw bad(`\`${field}\` must be a non-empty string.`);
}

function bad(message: string): SextantError {
  return new SextantError('bad_request', `Bad request: ${message}`);
}
