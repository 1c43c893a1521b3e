import { SextantError } from '../client/errors.js';
import type { NamedVectors, PayloadObject } from '../collection/operations.js';
import type { PointKey } from '../segment/id-tracker.js';
import { httpError, type FetchLike } from './http-transport.js';
import type { PointState } from './sync-protocol.js';

/** Where a Qdrant-compatible server is, and how to reach it (the platform's fetch, injected). */
export interface QdrantRestOptions {
  /** Base URL of the REST API, e.g. `http://localhost:6333`. */
  url: string;
  apiKey?: string | undefined;
  fetch: FetchLike;
}

/** A point as Qdrant's REST answers it (scroll, retrieve). */
export interface RestPoint {
  id: PointKey;
  vector?: unknown;
  payload?: PayloadObject | null;
}

/**
 * One call to one of Qdrant's standard routes; resolves with the envelope's `result`. Unreachable: SextantError
 * `unavailable` (the replica retries); an error answer: the code nearest its status, with the server's message.
 */
export function restCaller(options: QdrantRestOptions): (method: string, path: string, body?: unknown) => Promise<unknown> {
  const base = options.url.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.apiKey === undefined ? {} : { 'api-key': options.apiKey }) };
  return async (method, path, body) => {
    try {
      const response = await options.fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      if (!response.ok) throw await httpError(response);
      return (JSON.parse(await response.text()) as { result?: unknown }).result;
    } catch (error) {
      if (SextantError.is(error)) throw error;
      throw new SextantError('unavailable', `Service unavailable: ${base} unreachable (${(error as Error)?.message ?? String(error)})`);
    }
  };
}

/** Qdrant's `vector` field as `NamedVectors` (the unnamed vector under `''`). */
export function namedVectors(vector: unknown): NamedVectors {
  if (vector === undefined || vector === null) return {};
  if (Array.isArray(vector)) return { '': vector as number[] };
  return vector as NamedVectors;
}

/** `NamedVectors` as Qdrant's `vector` field: a bare vector when the unnamed one is the only one. */
export function vectorField(vectors: NamedVectors): unknown {
  const names = Object.keys(vectors);
  return names.length === 1 && names[0] === '' ? vectors[''] : vectors;
}

/** A point's version in this mode: its timestamp field (0 when a writer left it out). */
export function stampOf(payload: PayloadObject | null | undefined, field: string): number {
  const value = payload?.[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function restPointState(point: RestPoint, field: string): PointState {
  const payload = point.payload ?? null;
  return { id: point.id, version: stampOf(payload, field), vectors: namedVectors(point.vector), payload };
}

/** Path of a collection's route. */
export function collectionPath(collection: string, rest = ''): string {
  return `/collections/${encodeURIComponent(collection)}${rest}`;
}
