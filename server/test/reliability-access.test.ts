import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../src/rest/app.js';
import { OPEN_OPERATIONS, isReadOperation } from '../src/rest/auth.js';
import { specOperations, type Operation } from '../src/rest/spec/load-spec.js';
import { constantTimeEqual } from '../src/security/constant-time.js';
import { signJwt } from '../src/security/jwt.js';
import { dataChecksum, seedCollections } from './reliability/seeded-data.js';

/**
 * Promise: nobody gets in without a key, and a key does no more than it grants. Every REST route and sync endpoint
 * refuses a missing or wrong key; the read-only key writes nowhere; JWTs carry Qdrant's claims (`exp`, global or
 * per-collection `access`, `value_exists`); snapshot recovery reads no file outside the snapshots folder and
 * reaches no host that is not allowed. No refused request changes the data.
 */
const FULL = 'full-key-0123456789';
const READER = 'reader-key-9876543210';
const now = () => Math.floor(Date.now() / 1000);
const jwt = (claims: Record<string, unknown>, secret = FULL) => signJwt({ exp: now() + 600, ...claims }, secret);

function urlOf(op: Operation): string {
  const values: Record<string, string> = { collection_name: 'docs', id: '1', snapshot_name: 'x.snapshot', shard_id: '0', field_name: 'n', vector_name: 'v', peer_id: '1' };
  return op.path.replace(/\{([a-z_]+)\}/g, (_whole, name: string) => values[name] ?? 'x');
}

const SYNC_ROUTES: Array<[string, string]> = [
  ['POST', '/collections/docs/sync/pull'],
  ['POST', '/collections/docs/sync/push'],
  ['GET', '/collections/docs/sync/status'],
];

describe('access control', () => {
  let client: EmbeddedClient;
  let app: FastifyInstance;
  let snapshotsDir: string;
  let before: string;
  const call = (method: string, url: string, key?: string, payload: object = {}) =>
    app.inject({ method: method as 'GET', url, ...(method === 'GET' ? {} : { payload }), headers: key === undefined ? {} : { 'api-key': key } });

  beforeAll(async () => {
    client = await createEmbeddedClient();
    await seedCollections(client);
    snapshotsDir = await mkdtemp(join(tmpdir(), 'sextant-access-'));
    app = await buildRestApp({ client, apiKey: FULL, readOnlyApiKey: READER, jwtRbac: true, snapshotsDir: join(snapshotsDir, 'snapshots') });
    before = await dataChecksum(client);
  });
  afterAll(async () => {
    await app.close();
    await client.close();
    await rm(snapshotsDir, { recursive: true, force: true });
  });

  it('refuses every route and sync endpoint without a key (401), with a wrong key (401) or a forged token (403)', async () => {
    const forged = jwt({ access: 'm' }, 'not-the-key');
    const routes: Array<[string, string, string]> = [
      ...specOperations().map((op) => [op.method, urlOf(op), op.id] as [string, string, string]),
      ...SYNC_ROUTES.map(([method, url]) => [method, url, 'sync'] as [string, string, string]),
    ];
    for (const [method, url, id] of routes) {
      if (OPEN_OPERATIONS.has(id)) {
        expect((await call(method, url)).statusCode, url).toBe(200);
        continue;
      }
      for (const [key, status] of [[undefined, 401], ['wrong', 401], [forged, 403], [`${FULL}x`, 401], [FULL.slice(0, -1), 401]] as const) {
        const response = await call(method, url, key);
        expect(response.statusCode, `${method} ${url} with ${String(key)}: ${response.body}`).toBe(status);
        expect(typeof response.json().status.error).toBe('string');
      }
    }
    // Authorization: Bearer is the other way to present a key.
    const bearer = await app.inject({ method: 'GET', url: '/collections', headers: { authorization: `Bearer ${FULL}` } });
    expect(bearer.statusCode).toBe(200);
    expect(await dataChecksum(client)).toBe(before);
  });

  it('lets the read-only key read everything and write nothing', async () => {
    for (const op of specOperations()) {
      if (OPEN_OPERATIONS.has(op.id)) continue;
      const response = await call(op.method, urlOf(op), READER);
      if (isReadOperation(op.method, op.id)) expect([401, 403], `${op.id}: ${response.body}`).not.toContain(response.statusCode);
      else {
        expect(response.statusCode, `${op.id}: ${response.body}`).toBe(403);
        expect(response.json().status.error).toMatch(/^Forbidden: .*read-only/);
      }
    }
    expect((await call('POST', '/collections/docs/sync/push', READER)).statusCode).toBe(403);
    expect(await dataChecksum(client)).toBe(before);
  });

  it('scopes JWTs by their access claim, as Qdrant does', async () => {
    const point = { points: [{ id: 1, vector: [0.1, 0.2, 0.3, 0.4], payload: { tag: 'a', n: 1 } }] };
    const cases: Array<[string, string, string, string, object, number]> = [
      ['global read: reads', jwt({ access: 'r' }), 'POST', '/collections/docs/points/scroll', {}, 200],
      ['global read: no writes', jwt({ access: 'r' }), 'PUT', '/collections/docs/points?wait=true', point, 403],
      ['global manage: anything', jwt({ access: 'm' }), 'GET', '/telemetry', {}, 200],
      ['no access claim: full', jwt({}), 'GET', '/collections/named', {}, 200],
      ['collection read: its collection', jwt({ access: [{ collection: 'docs', access: 'r' }] }), 'POST', '/collections/docs/points/count', {}, 200],
      ['collection read: no writes', jwt({ access: [{ collection: 'docs', access: 'r' }] }), 'PUT', '/collections/docs/points?wait=true', point, 403],
      ['collection read: not other collections', jwt({ access: [{ collection: 'docs', access: 'r' }] }), 'POST', '/collections/named/points/count', {}, 403],
      ['collection read: no node-wide reports', jwt({ access: [{ collection: 'docs', access: 'r' }] }), 'GET', '/telemetry', {}, 403],
      ['collection rw: writes points', jwt({ access: [{ collection: 'scratch', access: 'rw' }] }), 'PUT', '/collections/scratch/points?wait=true', point, 200],
      ['collection rw: cannot delete the collection', jwt({ access: [{ collection: 'docs', access: 'rw' }] }), 'DELETE', '/collections/docs', {}, 403],
      ['collection rw: cannot create collections', jwt({ access: [{ collection: 'new', access: 'rw' }] }), 'PUT', '/collections/new', { vectors: { size: 2, distance: 'Dot' } }, 403],
      ['collection rw: cannot recover snapshots', jwt({ access: [{ collection: 'docs', access: 'rw' }] }), 'PUT', '/collections/docs/snapshots/recover', { location: 'file:///etc/passwd' }, 403],
      ['expired beyond the 30 s leeway', jwt({ access: 'm', exp: now() - 60 }), 'GET', '/collections', {}, 403],
      ['expired within the leeway', jwt({ access: 'm', exp: now() - 5 }), 'GET', '/collections', {}, 200],
      ['no exp: not a valid JWT', signJwt({ access: 'm' }, FULL), 'GET', '/collections', {}, 401],
      ['signed with the read-only key', jwt({ access: 'm' }, READER), 'GET', '/collections', {}, 403],
      ['unknown access mode', jwt({ access: 'x' }), 'GET', '/collections', {}, 401],
      ['collection listed twice', jwt({ access: [{ collection: 'docs', access: 'r' }, { collection: 'docs', access: 'rw' }] }), 'GET', '/collections', {}, 401],
      ['retired payload restriction', jwt({ access: [{ collection: 'docs', access: 'r', payload: { tag: 'a' } }] }), 'GET', '/collections', {}, 401],
      ['value_exists that holds', jwt({ access: 'r', value_exists: { collection: 'docs', matches: [{ key: 'tag', value: 'a' }] } }), 'GET', '/collections', {}, 200],
      ['value_exists that fails', jwt({ access: 'r', value_exists: { collection: 'docs', matches: [{ key: 'tag', value: 'zzz' }] } }), 'GET', '/collections', {}, 401],
      ['value_exists on a missing collection', jwt({ access: 'r', value_exists: { collection: 'gone', matches: [{ key: 'tag', value: 'a' }] } }), 'GET', '/collections', {}, 403],
      ['sync pull with collection read', jwt({ access: [{ collection: 'docs', access: 'r' }] }), 'GET', '/collections/docs/sync/status', {}, 200],
      ['sync push needs write', jwt({ access: [{ collection: 'docs', access: 'r' }] }), 'POST', '/collections/docs/sync/push', {}, 403],
    ];
    for (const [name, token, method, url, body, status] of cases) {
      const response = await call(method, url, token, body);
      expect(response.statusCode, `${name}: ${response.body}`).toBe(status);
    }
    // Only the read-only and full keys' data changes came from `scratch`; the protected collections are intact.
    expect(await dataChecksum(client)).toBe(before);
  });

  it('refuses forged tokens: alg none, a tampered payload, and JWTs when jwtRbac is off', async () => {
    const [header, , signature] = jwt({ access: [{ collection: 'docs', access: 'r' }] }).split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ exp: now() + 600, access: 'm' })).toString('base64url')}.${signature}`;
    expect((await call('DELETE', '/collections/docs', tampered)).statusCode).toBe(403);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: now() + 600, access: 'm' })).toString('base64url')}.`;
    expect((await call('DELETE', '/collections/docs', none)).statusCode).toBe(401);
    const off = await buildRestApp({ client, apiKey: FULL });
    expect((await off.inject({ method: 'GET', url: '/collections', headers: { 'api-key': jwt({ access: 'm' }) } })).statusCode).toBe(401);
    await off.close();
    expect(await dataChecksum(client)).toBe(before);
  });

  it('answers malformed keys and tokens with 401 or 403, never an error of its own', async () => {
    const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
    const header = b64({ alg: 'HS256' });
    const tokens = [
      'a.b.c', '..', '.', `${header}.${b64('not json')}.x`, `${header}.${b64([1, 2])}.x`, `${b64('{')}.${b64({})}.x`,
      `${header}.${b64({ exp: '9999999999' })}.x`, jwt({ exp: Number.MAX_VALUE }), jwt({ exp: -1 }), jwt({ exp: 'soon' }),
      jwt({ access: { collection: 'docs' } }), jwt({ access: [null] }), jwt({ value_exists: { collection: 'docs', matches: 'all' } }),
      jwt({ value_exists: { collection: 'docs', matches: [{ key: 'tag', value: { nested: true } }] } }), 'x'.repeat(100_000),
      `${header}.${b64({ exp: now() + 60 })}.${'A'.repeat(10_000)}`, '\u0000', 'Bearer', ' ',
    ];
    for (const token of tokens) {
      const response = await call('GET', '/collections', token);
      expect([401, 403], `${token.slice(0, 60)}: ${response.body}`).toContain(response.statusCode);
      expect(typeof response.json().status.error).toBe('string');
    }
    for (const authorization of ['Bearer', 'Bearer ', 'bearer x', 'Basic abc', `Bearer ${'y'.repeat(50_000)}`]) {
      const response = await app.inject({ method: 'GET', url: '/collections', headers: { authorization } });
      expect(response.statusCode, authorization.slice(0, 30)).toBe(401);
    }
  });

  it('lists only the collections a scoped token may read', async () => {
    const token = jwt({ access: [{ collection: 'named', access: 'r' }] });
    const listed = (await call('GET', '/collections', token)).json().result.collections.map((c: { name: string }) => c.name);
    expect(listed).toEqual(['named']);
    expect((await call('GET', '/aliases', token)).json().result.aliases).toEqual([]);
  });

  it('compares keys in constant time without leaking their length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', 'a')).toBe(false);
    expect(constantTimeEqual('ключ', 'ключ')).toBe(true);
  });
});

describe('snapshot recovery sources', () => {
  let client: EmbeddedClient;
  let app: FastifyInstance;
  let root: string;
  let before: string;
  let redirector: Server;
  let redirectPort: number;
  const recover = (location: string) =>
    app.inject({ method: 'PUT', url: '/collections/docs/snapshots/recover?wait=true', payload: { location }, headers: { 'api-key': FULL } });

  beforeAll(async () => {
    client = await createEmbeddedClient();
    await seedCollections(client);
    root = await mkdtemp(join(tmpdir(), 'sextant-sources-'));
    await mkdir(join(root, 'snapshots'));
    app = await buildRestApp({ client, apiKey: FULL, snapshotsDir: join(root, 'snapshots'), snapshotHosts: ['allowed.invalid'] });
    before = await dataChecksum(client);
    redirector = createServer((_request, response) => response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    redirectPort = (redirector.address() as { port: number }).port;
  });
  afterAll(async () => {
    await app.close();
    await client.close();
    await new Promise((resolve) => redirector.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('reads files only from inside the snapshots folder, after resolving links', async () => {
    await writeFile(join(root, 'outside.snapshot'), 'secret');
    await symlink(join(root, 'outside.snapshot'), join(root, 'snapshots', 'link.snapshot'));
    for (const location of [
      'file:///etc/passwd',
      pathToFileURL(join(root, 'outside.snapshot')).href,
      `file://${join(root, 'snapshots')}/../outside.snapshot`,
      pathToFileURL(join(root, 'snapshots', 'link.snapshot')).href,
      pathToFileURL(join(root, 'nowhere', 'missing.snapshot')).href,
    ]) {
      const response = await recover(location);
      // Qdrant's status and words for a path outside the folder, whether or not a file is there
      expect(response.statusCode, `${location}: ${response.body}`).toBe(400);
      expect(response.json().status.error).toBe('Bad request: Snapshot file path must be inside the snapshots directory');
      expect(response.body).not.toContain('secret');
    }
    // Inside the folder: a real snapshot of this server recovers; a missing one is Qdrant's 400 "does not exist".
    const created = (await app.inject({ method: 'POST', url: '/collections/docs/snapshots?wait=true', headers: { 'api-key': FULL } })).json().result;
    expect(await dataChecksum(client)).toBe(before);
    expect((await recover(pathToFileURL(join(root, 'snapshots', 'docs', created.name)).href)).statusCode).toBe(200);
    // A legitimate recovery rewrites the collection (Cosine vectors are normalized again): the new reference.
    before = await dataChecksum(client);
    expect((await recover(pathToFileURL(join(root, 'snapshots', 'docs', 'missing.snapshot')).href)).statusCode).toBe(400);
    expect(await dataChecksum(client)).toBe(before);
  });

  it('reaches only allowed hosts, loopback only for snapshot paths, and follows no redirects', async () => {
    const refused = [
      'http://169.254.169.254/latest/meta-data/',
      'http://internal.invalid/x.snapshot',
      `http://127.0.0.1:${redirectPort}/admin`,
      'http://user:pw@allowed.invalid/x.snapshot',
      'gopher://allowed.invalid/x',
    ];
    for (const location of refused) {
      const response = await recover(location);
      expect([400, 403], `${location}: ${response.body}`).toContain(response.statusCode);
    }
    const redirected = await recover(`http://127.0.0.1:${redirectPort}/collections/docs/snapshots/a.snapshot`);
    expect(redirected.statusCode, redirected.body).toBe(400);
    expect(redirected.json().status.error).toMatch(/redirect/);
    // An allowed host is tried (here it does not resolve: a clean 400, not a refusal).
    expect((await recover('http://allowed.invalid/x.snapshot')).statusCode).toBe(400);
    expect(await dataChecksum(client)).toBe(before);
  });
});
