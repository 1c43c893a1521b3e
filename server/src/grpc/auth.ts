import { status as Status } from '@grpc/grpc-js';
import type { Metadata } from '@grpc/grpc-js';
import type { Filter } from '@sextant/core';
import { checkAccess, FULL_ACCESS, READ_ONLY_ACCESS, type Access, type Requirement } from '../security/access.js';
import { constantTimeEqual } from '../security/constant-time.js';
import { verifyJwt } from '../security/jwt.js';
import { GrpcStatusError } from './status.js';

export interface ApiKeys {
  apiKey?: string | undefined;
  readOnlyApiKey?: string | undefined;
  /** Accept JWTs signed with `apiKey` whose claims scope them (Qdrant's `service.jwt_rbac`), as REST does. */
  jwtRbac?: boolean | undefined;
}

/** Whether `collection` holds a point matching the filter: a JWT's `value_exists` claim is checked with it. */
export type ValueExistsCheck = (collection: string, filter: Filter) => Promise<boolean>;

/**
 * The caller's access, found the way the REST server finds it (rest/auth.ts) so a key means the same on both
 * ports: the key arrives as `api-key` metadata or `authorization: Bearer <key>`; the full key is global manage, the
 * read-only key global read, and with `jwtRbac` a JWT signed with the full key grants what its claims say. No key
 * configured means an open server. REST's 401 is UNAUTHENTICATED here and its 403 PERMISSION_DENIED.
 */
export async function authenticateCall(keys: ApiKeys, metadata: Metadata, valueExists?: ValueExistsCheck): Promise<Access> {
  if (!keys.apiKey && !keys.readOnlyApiKey) return FULL_ACCESS;
  const presented = presentedKey(metadata);
  if (presented === undefined) {
    throw new GrpcStatusError(Status.UNAUTHENTICATED, 'Must provide an API key or an Authorization bearer token');
  }
  // Both keys are always compared, each in time independent of both lengths (constantTimeEqual hashes first), so
  // the answer time tells neither which key was close nor how long the keys are.
  const full = keys.apiKey ? constantTimeEqual(presented, keys.apiKey) : false;
  const readOnly = keys.readOnlyApiKey ? constantTimeEqual(presented, keys.readOnlyApiKey) : false;
  if (full) return FULL_ACCESS;
  if (readOnly) return READ_ONLY_ACCESS;
  if (!keys.jwtRbac || !keys.apiKey) throw new GrpcStatusError(Status.UNAUTHENTICATED, 'Invalid API key or JWT');
  const outcome = verifyJwt(presented, keys.apiKey, Date.now() / 1000);
  if (outcome.kind === 'not-jwt') throw new GrpcStatusError(Status.UNAUTHENTICATED, 'Invalid API key or JWT');
  if (outcome.kind === 'refused') throw new GrpcStatusError(outcome.status === 401 ? Status.UNAUTHENTICATED : Status.PERMISSION_DENIED, outcome.message);
  const check = outcome.claims.valueExists;
  if (check !== undefined) {
    const filter = { must: check.matches.map(({ key, value }) => ({ key, match: { value } })) } as Filter;
    let found: boolean;
    try {
      found = valueExists ? await valueExists(check.collection, filter) : false;
    } catch {
      throw new GrpcStatusError(Status.PERMISSION_DENIED, 'Forbidden: Invalid JWT, stateful validation failed');
    }
    if (!found) throw new GrpcStatusError(Status.UNAUTHENTICATED, 'Unauthorized: Invalid JWT, stateful validation failed');
  }
  return outcome.claims.access;
}

/** Throws PERMISSION_DENIED in Qdrant's words unless `access` covers what the call needs. */
export function authorizeCall(access: Access, need: Requirement): void {
  const denied = checkAccess(access, need);
  if (denied === undefined) return;
  const readOnly = 'global' in access && access.global === 'r' ? ': read-only access may not change data' : '';
  throw new GrpcStatusError(Status.PERMISSION_DENIED, `Forbidden: ${denied}${readOnly}`);
}

function presentedKey(metadata: Metadata): string | undefined {
  const apiKey = metadata.get('api-key')[0];
  if (apiKey !== undefined && String(apiKey).length > 0) return String(apiKey);
  const authorization = metadata.get('authorization')[0];
  if (authorization === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(String(authorization));
  return match ? match[1] : undefined;
}
