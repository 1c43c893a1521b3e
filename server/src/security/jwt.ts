import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseAccess, type Access } from './access.js';

/**
 * Qdrant's JWT keys (`jwt_rbac`): an HS256 token signed with the server's API key, whose claims say what it may do.
 *
 *   { "exp": 1767225600, "access": "r" | "m" | [{ "collection": "docs", "access": "r" | "rw" }],
 *     "value_exists": { "collection": "users", "matches": [{ "key": "user", "value": "ann" }] } }
 *
 * As Qdrant: `exp` is required (seconds since the epoch, 30 s of leeway for clock skew); `access` defaults to full
 * (`m`); `value_exists` makes the token valid only while a point with those payload values exists (so deleting a
 * user's point revokes their tokens). A token that is not a well-formed HS256 JWT with an `exp` is "not a JWT" and
 * ends as Qdrant's 401 "Invalid API key or JWT"; a bad signature or an expired token is a 403.
 */
export const JWT_LEEWAY_SECONDS = 30;

export interface ValueExists {
  collection: string;
  matches: Array<{ key: string; value: string | number | boolean }>;
}

export interface JwtClaims {
  access: Access;
  exp: number;
  sub?: string;
  subject?: string;
  valueExists?: ValueExists;
}

export type JwtOutcome =
  | { kind: 'not-jwt' }
  | { kind: 'refused'; status: 401 | 403; message: string }
  | { kind: 'claims'; claims: JwtClaims };

export function verifyJwt(token: string, secret: string, nowSeconds: number): JwtOutcome {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) return { kind: 'not-jwt' };
  const [headerText, payloadText, signatureText] = parts as [string, string, string];
  const header = decodeJson(headerText);
  const payload = decodeJson(payloadText);
  if (!isRecord(header) || !isRecord(payload) || header['alg'] !== 'HS256') return { kind: 'not-jwt' };

  const expected = createHmac('sha256', secret).update(`${headerText}.${payloadText}`).digest();
  const presented = Buffer.from(signatureText, 'base64url');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return { kind: 'refused', status: 403, message: 'Forbidden: InvalidSignature' };
  }
  const exp = payload['exp'];
  // Qdrant reads `exp` as a u64: a fraction, a negative number or one past any real date is not a valid claim.
  if (typeof exp !== 'number' || !Number.isSafeInteger(exp) || exp < 0) return { kind: 'not-jwt' };
  if (exp + JWT_LEEWAY_SECONDS < nowSeconds) return { kind: 'refused', status: 403, message: 'Forbidden: ExpiredSignature' };

  const access = parseAccess(payload['access']);
  if (typeof access === 'string') return { kind: 'refused', status: 401, message: `Unauthorized: ${access}` };
  const valueExists = parseValueExists(payload['value_exists']);
  if (valueExists === 'invalid') return { kind: 'not-jwt' };
  const claims: JwtClaims = { access, exp };
  if (typeof payload['sub'] === 'string') claims.sub = payload['sub'];
  if (typeof payload['subject'] === 'string') claims.subject = payload['subject'];
  if (valueExists) claims.valueExists = valueExists;
  return { kind: 'claims', claims };
}

/** Signs claims as Qdrant's tooling does (HS256, compact form): for tests, and for operators minting keys. */
export function signJwt(claims: Record<string, unknown>, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseValueExists(raw: unknown): ValueExists | undefined | 'invalid' {
  if (raw === undefined || raw === null) return undefined;
  if (!isRecord(raw) || typeof raw['collection'] !== 'string' || !Array.isArray(raw['matches'])) return 'invalid';
  const matches: ValueExists['matches'] = [];
  for (const match of raw['matches']) {
    if (!isRecord(match) || typeof match['key'] !== 'string') return 'invalid';
    const value = match['value'];
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return 'invalid';
    matches.push({ key: match['key'], value });
  }
  return { collection: raw['collection'], matches };
}
