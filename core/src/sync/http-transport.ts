import { SextantError } from '../client/errors.js';
import { decodePullPage, decodePushResponse, encodePushRequest, SYNC_CONTENT_TYPE } from './page-codec.js';
import type { PullPage, PullRequest, PushRequest, PushResponse } from './sync-protocol.js';
import { readSnapshotBody, type DownloadStore, type PartialSnapshot } from './snapshot-download.js';

/**
 * How a replica reaches its server. `pull` and `push` reject with a SextantError: code `unavailable` when the
 * server cannot be reached (the replica then counts as offline and retries), any other code when the server
 * answered with an error.
 */
export interface SyncTransport {
  /** `onProgress` hears the download of a snapshot (never of a page of changes), when the server says its size. */
  pull(collection: string, request: PullRequest, signal?: AbortSignalLike, onProgress?: ProgressListener): Promise<PullPage>;
  push(collection: string, request: PushRequest): Promise<PushResponse>;
}

/**
 * How far the download of a snapshot frame is: bytes of the (uncompressed) frame received so far and its total
 * length, as the server announced it in SNAPSHOT_LENGTH_HEADER. `received` only grows; the last call of a
 * completed download has `received === total`. The Qdrant-routes transport counts points instead of bytes (its
 * first copy arrives by scroll; the total is the server's count, raised if writes add points meanwhile).
 */
export interface SyncProgress {
  received: number;
  total: number;
}

export type ProgressListener = (progress: SyncProgress) => void;

/**
 * The response header in which the server announces a snapshot frame's length in bytes, before any transfer
 * encoding: fetch hands the body over decompressed, so this is what a reader of the stream counts up to.
 * Cross-origin pages only see it because the server lists it in `access-control-expose-headers`.
 */
export const SNAPSHOT_LENGTH_HEADER = 'x-sextant-snapshot-length';

/** The id of a snapshot frame, for `PullRequest.resume`. */
export const SNAPSHOT_ID_HEADER = 'x-sextant-snapshot-id';
/** Where in the frame the body of a (resumed) snapshot answer starts. */
export const SNAPSHOT_OFFSET_HEADER = 'x-sextant-snapshot-offset';

/** The part of a fetch body stream the transport reads (a WHATWG ReadableStream in browsers and Node). */
export interface ByteStreamLike {
  getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array | undefined }>; cancel?(reason?: unknown): Promise<void> };
}

/** The part of `AbortSignal` passed through to fetch; core has no DOM types. */
export type AbortSignalLike = object;

/** The part of the platform's `fetch` the transport uses, injected so core never touches the global. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array | string; signal?: AbortSignalLike },
) => Promise<{
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  /** Optional so a minimal fetch still works; without both, no progress is reported. */
  headers?: { get(name: string): string | null };
  body?: ByteStreamLike | null;
}>;

export interface HttpTransportOptions {
  /** Base URL of the server's REST API, e.g. `http://localhost:6333`. */
  url: string;
  apiKey?: string | undefined;
  fetch: FetchLike;
  /** Keeps a broken snapshot download across restarts (a reload); without it, only for this transport's life. */
  downloads?: DownloadStore | undefined;
}

/**
 * The sync endpoints over HTTP (see the server's sync-routes.ts for the paths). A snapshot download that breaks
 * off keeps its bytes here, and the next pull of the same collection and filter resumes it (while the server
 * still holds the frame; else the server sends a fresh one and the kept bytes are dropped).
 */
export function httpTransport(options: HttpTransportOptions): SyncTransport {
  const base = options.url.replace(/\/+$/, '');
  const headers = (type: string): Record<string, string> => ({
    'content-type': type,
    ...(options.apiKey === undefined ? {} : { 'api-key': options.apiKey }),
  });
  let partial: PartialSnapshot | undefined;
  const downloads = options.downloads;
  /** Loaded from `downloads` on the first pull; `stored` says whether anything there needs clearing. */
  let loaded = downloads === undefined;
  let stored = false;
  /** Bytes of `partial` already in `downloads`. */
  let saved = 0;
  const save = async (target: PartialSnapshot) => {
    if (downloads === undefined || target.received === saved) return;
    await downloads.append(target.bytes.slice(saved, target.received));
    saved = target.received;
  };
  const forget = async () => {
    partial = undefined;
    if (downloads !== undefined && stored) await downloads.clear();
    stored = false;
  };
  const unreachable = (error: unknown) =>
    SextantError.is(error) ? error : new SextantError('unavailable', `Service unavailable: sync server ${base} unreachable (${(error as Error)?.message ?? String(error)})`);
  const post = async (collection: string, path: string, body: Uint8Array | string, type: string, signal?: AbortSignalLike) => {
    const url = `${base}/collections/${encodeURIComponent(collection)}/sync/${path}`;
    try {
      const response = await options.fetch(url, { method: 'POST', headers: headers(type), body, ...(signal === undefined ? {} : { signal }) });
      if (!response.ok) throw await httpError(response);
      return response;
    } catch (error) {
      throw unreachable(error);
    }
  };
  /** A failure while the body arrives is the network's; a frame that then fails to decode is not. */
  const bodyBytes = async (response: Awaited<ReturnType<FetchLike>>): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw unreachable(error);
    }
  };
  const pull = async (collection: string, request: PullRequest, signal?: AbortSignalLike, onProgress?: ProgressListener): Promise<PullPage> => {
    if (!loaded) {
      partial = await downloads!.load();
      stored = partial !== undefined;
      saved = partial?.received ?? 0;
      loaded = true;
    }
    const key = JSON.stringify([collection, request.filter ?? null]);
    const held = partial !== undefined && partial.key === key ? partial : undefined;
    const body = held === undefined ? request : { ...request, resume: { snapshot: held.id, offset: held.received } };
    const response = await post(collection, 'pull', JSON.stringify(body), 'application/json', signal);
    const id = response.headers?.get(SNAPSHOT_ID_HEADER) ?? null;
    const total = headerInt(response, SNAPSHOT_LENGTH_HEADER);
    const offset = headerInt(response, SNAPSHOT_OFFSET_HEADER) ?? 0;
    if (id === null || total === undefined || !response.body) {
      // A page of changes (or a server without snapshot headers): nothing to resume any more.
      await forget();
      return decodePullPage(await bodyBytes(response));
    }
    if (offset > 0 && (held === undefined || held.id !== id || held.received !== offset || held.total !== total)) {
      await forget();
      throw new SextantError('unavailable', `Service unavailable: sync server ${base} resumed a snapshot this client does not hold; starting over`);
    }
    const target = offset > 0 ? held! : { key, id, total, bytes: new Uint8Array(total), received: 0 };
    partial = target;
    if (offset === 0 && downloads !== undefined) {
      await downloads.begin(target);
      stored = true;
      saved = 0;
    }
    let whole: boolean;
    try {
      whole = await readSnapshotBody(response.body, target, onProgress, () => save(target));
    } catch (error) {
      await save(target);
      throw unreachable(error);
    }
    if (!whole) {
      await save(target);
      throw new SextantError('unavailable', `Service unavailable: sync server ${base} ended the snapshot at ${target.received} of ${total} bytes`);
    }
    await forget();
    return decodePullPage(target.bytes);
  };
  return {
    pull,
    push: async (collection, request) => {
      const response = await post(collection, 'push', encodePushRequest(request), SYNC_CONTENT_TYPE);
      return decodePushResponse(await bodyBytes(response));
    },
  };
}

function headerInt(response: Awaited<ReturnType<FetchLike>>, name: string): number | undefined {
  const raw = response.headers?.get(name);
  if (raw === null || raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** The server's error envelope as a SextantError; statuses the catalogue lacks map to the nearest code. */
export async function httpError(response: { status: number; text(): Promise<string> }): Promise<SextantError> {
  let message = `HTTP ${response.status}`;
  try {
    const body = JSON.parse(await response.text()) as { status?: { error?: string } };
    if (typeof body.status?.error === 'string') message = body.status.error;
  } catch {
    // Not our envelope (a proxy page): keep the status line.
  }
  const status = response.status;
  if (status === 502 || status === 503 || status === 504) return new SextantError('unavailable', message);
  if (status === 401 || status === 403) return new SextantError('unauthorized', message);
  if (status === 404) return new SextantError('collection_not_found', message);
  if (status === 429) return new SextantError('too_many_requests', message);
  return new SextantError(status >= 500 ? 'internal' : 'bad_request', message);
}
