import { SextantError } from '../client/errors.js';
import { decodePullPage, decodePushResponse, encodePushRequest, SYNC_CONTENT_TYPE } from './page-codec.js';
import type { PullPage, PullRequest, PushRequest, PushResponse } from './sync-protocol.js';

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
 * completed download has `received === total`.
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
}

/** The sync endpoints over HTTP (see the server's sync-routes.ts for the paths). */
export function httpTransport(options: HttpTransportOptions): SyncTransport {
  const base = options.url.replace(/\/+$/, '');
  const headers = (type: string): Record<string, string> => ({
    'content-type': type,
    ...(options.apiKey === undefined ? {} : { 'api-key': options.apiKey }),
  });
  const call = async (
    collection: string,
    path: string,
    body: Uint8Array | string,
    type: string,
    signal?: AbortSignalLike,
    onProgress?: ProgressListener,
  ): Promise<Uint8Array> => {
    const url = `${base}/collections/${encodeURIComponent(collection)}/sync/${path}`;
    let response: Awaited<ReturnType<FetchLike>>;
    let bytes: Uint8Array;
    try {
      response = await options.fetch(url, { method: 'POST', headers: headers(type), body, ...(signal === undefined ? {} : { signal }) });
      if (!response.ok) throw await httpError(response);
      const total = announcedLength(response);
      bytes = onProgress !== undefined && total !== undefined && response.body ? await readWithProgress(response.body, total, onProgress) : new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (SextantError.is(error)) throw error;
      throw new SextantError('unavailable', `Service unavailable: sync server ${base} unreachable (${(error as Error)?.message ?? String(error)})`);
    }
    return bytes;
  };
  return {
    pull: async (collection, request, signal, onProgress) =>
      decodePullPage(await call(collection, 'pull', JSON.stringify(request), 'application/json', signal, onProgress)),
    push: async (collection, request) => decodePushResponse(await call(collection, 'push', encodePushRequest(request), SYNC_CONTENT_TYPE)),
  };
}

function announcedLength(response: Awaited<ReturnType<FetchLike>>): number | undefined {
  const raw = response.headers?.get(SNAPSHOT_LENGTH_HEADER);
  if (raw === null || raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Reads the body into one buffer of the announced size, reporting each chunk. A body longer than announced (a
 * server that lied, or a proxy that changed it) still arrives whole: the buffer doubles and the total moves up,
 * so `received <= total` always holds; a shorter one is returned as received (decoding then checks it).
 */
async function readWithProgress(stream: ByteStreamLike, announced: number, onProgress: ProgressListener): Promise<Uint8Array> {
  const reader = stream.getReader();
  let total = announced;
  let buffer = new Uint8Array(total);
  let received = 0;
  onProgress({ received, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value === undefined || value.byteLength === 0) continue;
    if (received + value.byteLength > buffer.byteLength) {
      const grown = new Uint8Array(Math.max(buffer.byteLength * 2, received + value.byteLength));
      grown.set(buffer.subarray(0, received));
      buffer = grown;
    }
    buffer.set(value, received);
    received += value.byteLength;
    total = Math.max(total, received);
    onProgress({ received, total });
  }
  if (received !== total) onProgress({ received, total: received });
  return buffer.subarray(0, received);
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
