import { SextantError } from '../client/errors.js';
import { decodePullPage, decodePushResponse, encodePushRequest, SYNC_CONTENT_TYPE } from './page-codec.js';
import type { PullPage, PullRequest, PushRequest, PushResponse } from './sync-protocol.js';

/**
 * How a replica reaches its server. `pull` and `push` reject with a SextantError: code `unavailable` when the
 * server cannot be reached (the replica then counts as offline and retries), any other code when the server
 * answered with an error.
 */
export interface SyncTransport {
  pull(collection: string, request: PullRequest, signal?: AbortSignalLike): Promise<PullPage>;
  push(collection: string, request: PushRequest): Promise<PushResponse>;
}

/** The part of `AbortSignal` passed through to fetch; core has no DOM types. */
export type AbortSignalLike = object;

/** The part of the platform's `fetch` the transport uses, injected so core never touches the global. */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array | string; signal?: AbortSignalLike },
) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer>; text(): Promise<string> }>;

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
  const call = async (collection: string, path: string, body: Uint8Array | string, type: string, signal?: AbortSignalLike): Promise<Uint8Array> => {
    const url = `${base}/collections/${encodeURIComponent(collection)}/sync/${path}`;
    let response: Awaited<ReturnType<FetchLike>>;
    let bytes: Uint8Array;
    try {
      response = await options.fetch(url, { method: 'POST', headers: headers(type), body, ...(signal === undefined ? {} : { signal }) });
      if (!response.ok) throw await httpError(response);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      if (SextantError.is(error)) throw error;
      throw new SextantError('unavailable', `Service unavailable: sync server ${base} unreachable (${(error as Error)?.message ?? String(error)})`);
    }
    return bytes;
  };
  return {
    pull: async (collection, request, signal) => decodePullPage(await call(collection, 'pull', JSON.stringify(request), 'application/json', signal)),
    push: async (collection, request) => decodePushResponse(await call(collection, 'push', encodePushRequest(request), SYNC_CONTENT_TYPE)),
  };
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
