import type { FastifyRequest } from 'fastify';
import type { Filter } from '@sextant/core';
import { checkAccess, FULL_ACCESS, READ_ONLY_ACCESS, type Access } from '../security/access.js';
import { constantTimeEqual } from '../security/constant-time.js';
import { verifyJwt } from '../security/jwt.js';
import { HttpStatusError } from './envelope.js';
import { requirementOf } from './operation-access.js';

/**
 * API keys as Qdrant checks them: the key comes in the `api-key` header or as `Authorization: Bearer <key>`. The
 * full key may do anything, the read-only key may read anything; with `jwtRbac`, a JWT signed with the full key
 * grants what its claims say (see security/jwt.ts). Health probes stay open so load balancers can check a secured
 * server, as in Qdrant.
 *
 * Two steps: `authenticate` (async: a JWT's `value_exists` is checked against the data) runs in an `onRequest`
 * hook, before any body is read, so an unauthenticated client cannot make the server parse 32 MB; `authorize`
 * checks what one operation needs against the access found.
 */
export const OPEN_OPERATIONS = new Set(['root', 'healthz', 'livez', 'readyz']);

export { isReadOperation } from './operation-access.js';

export interface AuthKeys {
  apiKey?: string | undefined;
  readOnlyApiKey?: string | undefined;
  /** Accept JWTs signed with `apiKey` (Qdrant's `service.jwt_rbac`). */
  jwtRbac?: boolean | undefined;
}

/** Runs a `value_exists` check: whether `collection` holds a point matching the filter. */
export type ValueExistsCheck = (collection: string, filter: Filter) => Promise<boolean>;

interface RequestWithAccess extends FastifyRequest {
  sextantAccess?: Access;
}

export function keysConfigured(keys: AuthKeys): boolean {
  return Boolean(keys.apiKey || keys.readOnlyApiKey);
}

/** Finds the caller's access from the presented key; throws 401 / 403 in Qdrant's words when there is none. */
export async function authenticate(request: FastifyRequest, keys: AuthKeys, valueExists?: ValueExistsCheck): Promise<Access> {
  const access = await accessOf(request, keys, valueExists);
  (request as RequestWithAccess).sextantAccess = access;
  return access;
}

/**
 * Throws unless the request may run `operationId`. Uses the access `authenticate` found; called without it (a route
 * outside the hook), it checks the key itself, without `value_exists` tokens, which need the async path.
 */
export function authorize(request: FastifyRequest, method: string, operationId: string, keys: AuthKeys): Access {
  if (!keysConfigured(keys) || OPEN_OPERATIONS.has(operationId)) return FULL_ACCESS;
  const access = (request as RequestWithAccess).sextantAccess ?? syncAccessOf(request, keys);
  const denied = checkAccess(access, requirementOf(method, operationId, request.params as Record<string, string> | undefined));
  if (denied === undefined) return access;
  // Qdrant's sentence, and for a read-only caller the reason in plain words.
  const readOnly = 'global' in access && access.global === 'r' ? ': read-only access may not change data' : '';
  throw new HttpStatusError(403, `Forbidden: ${denied}${readOnly}`);
}

/** The access a request was authenticated with; full when the server has no keys. */
export function accessOfRequest(request: FastifyRequest): Access {
  return (request as RequestWithAccess).sextantAccess ?? FULL_ACCESS;
}

async function accessOf(request: FastifyRequest, keys: AuthKeys, valueExists?: ValueExistsCheck): Promise<Access> {
  const { access, claims } = keyAccess(request, keys);
  if (access) return access;
  const check = claims!.valueExists;
  if (check !== undefined) {
    const filter = { must: check.matches.map(({ key, value }) => ({ key, match: { value } })) } as Filter;
    let found: boolean;
    try {
      found = valueExists ? await valueExists(check.collection, filter) : false;
    } catch {
      throw new HttpStatusError(403, 'Forbidden: Invalid JWT, stateful validation failed');
    }
    if (!found) throw new HttpStatusError(401, 'Unauthorized: Invalid JWT, stateful validation failed');
  }
  return claims!.access;
}

function syncAccessOf(request: FastifyRequest, keys: AuthKeys): Access {
  const { access, claims } = keyAccess(request, keys);
  if (access) return access;
  if (claims!.valueExists !== undefined) throw new HttpStatusError(401, 'Unauthorized: Invalid JWT, stateful validation failed');
  return claims!.access;
}

function keyAccess(request: FastifyRequest, keys: AuthKeys): { access?: Access; claims?: ReturnType<typeof jwtClaims> } {
  const presented = presentedKey(request);
  if (presented === undefined) throw new HttpStatusError(401, 'Unauthorized: Must provide an API key or an Authorization bearer token');
  // Both keys are always compared, so the answer time does not tell which one (if any) was close.
  const full = keys.apiKey ? constantTimeEqual(presented, keys.apiKey) : false;
  const readOnly = keys.readOnlyApiKey ? constantTimeEqual(presented, keys.readOnlyApiKey) : false;
  if (full) return { access: FULL_ACCESS };
  if (readOnly) return { access: READ_ONLY_ACCESS };
  return { claims: jwtClaims(presented, keys) };
}

function jwtClaims(token: string, keys: AuthKeys) {
  if (keys.jwtRbac && keys.apiKey) {
    const outcome = verifyJwt(token, keys.apiKey, Date.now() / 1000);
    if (outcome.kind === 'claims') return outcome.claims;
    if (outcome.kind === 'refused') throw new HttpStatusError(outcome.status, outcome.message);
  }
  throw new HttpStatusError(401, 'Unauthorized: Invalid API key or JWT');
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['api-key'];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7) : undefined;
  return bearer === undefined || bearer.length === 0 ? undefined : bearer;
}
