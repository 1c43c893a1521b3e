import { status as Status } from '@grpc/grpc-js';
import type { Metadata } from '@grpc/grpc-js';
import { GrpcStatusError } from './status.js';

export interface ApiKeys {
  apiKey?: string;
  readOnlyApiKey?: string;
}

/**
 * Checks a call's credentials the way the REST server does: the key arrives as `api-key` metadata or as
 * `authorization: Bearer <key>`. The full key may do anything; the read-only key only calls that change nothing.
 * No key configured means an open server. Health probes stay open so orchestrators need no secret.
 */
export function checkAccess(keys: ApiKeys, metadata: Metadata, write: boolean): void {
  if (keys.apiKey === undefined && keys.readOnlyApiKey === undefined) return;
  const presented = presentedKey(metadata);
  if (presented === undefined) {
    throw new GrpcStatusError(Status.UNAUTHENTICATED, 'Must provide an API key or an Authorization bearer token');
  }
  if (keys.apiKey !== undefined && safeEqual(presented, keys.apiKey)) return;
  if (keys.readOnlyApiKey !== undefined && safeEqual(presented, keys.readOnlyApiKey)) {
    if (!write) return;
    throw new GrpcStatusError(Status.PERMISSION_DENIED, 'Forbidden: Write access denied for read-only API key');
  }
  throw new GrpcStatusError(Status.UNAUTHENTICATED, 'Invalid API key or JWT');
}

function presentedKey(metadata: Metadata): string | undefined {
  const apiKey = metadata.get('api-key')[0];
  if (apiKey !== undefined) return String(apiKey);
  const authorization = metadata.get('authorization')[0];
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(String(authorization));
  return match ? match[1] : undefined;
}

/** Constant-time comparison, so response timing does not leak how much of a guessed key was right. */
function safeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
