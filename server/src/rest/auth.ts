import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SextantError } from '@sextant/core';
import { HttpStatusError } from './envelope.js';

/**
 * API-key checks as Qdrant does them: the key comes in the `api-key` header or as `Authorization: Bearer <key>`.
 * The full key may do anything; the read-only key may call only the operations in READ_OPERATIONS. Health and
 * version endpoints stay open so that load balancers can probe a secured server, as in Qdrant.
 */
export const OPEN_OPERATIONS = new Set(['root', 'healthz', 'livez', 'readyz']);

/** Operations that change nothing: every GET, and the POSTs that only read. */
const READ_POSTS = new Set([
  'get_points', 'scroll_points', 'count_points', 'facet', 'query_points', 'query_batch_points', 'query_points_groups',
  'search_matrix_pairs', 'search_matrix_offsets', 'search_points', 'search_batch_points', 'search_point_groups',
  'recommend_points', 'recommend_batch_points', 'recommend_point_groups', 'discover_points', 'discover_batch_points',
]);

export function isReadOperation(method: string, operationId: string): boolean {
  return method === 'GET' || READ_POSTS.has(operationId);
}

export interface AuthKeys {
  apiKey?: string | undefined;
  readOnlyApiKey?: string | undefined;
}

/** Throws when the request may not run `operationId`; returns when it may. */
export function authorize(request: FastifyRequest, method: string, operationId: string, keys: AuthKeys): void {
  if (!keys.apiKey && !keys.readOnlyApiKey) return;
  if (OPEN_OPERATIONS.has(operationId)) return;
  const presented = presentedKey(request);
  if (presented === undefined) throw new HttpStatusError(401, 'Unauthorized: Must provide an API key or an Authorization bearer token');
  if (keys.apiKey && same(presented, keys.apiKey)) return;
  if (keys.readOnlyApiKey && same(presented, keys.readOnlyApiKey)) {
    if (isReadOperation(method, operationId)) return;
    throw new SextantError('unauthorized', 'Forbidden: Write access denied: the read-only API key may not change data');
  }
  throw new HttpStatusError(401, 'Unauthorized: Invalid API key or JWT');
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
  return bearer?.trim();
}

/** Compares in constant time so the key cannot be guessed byte by byte from response times. */
function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
