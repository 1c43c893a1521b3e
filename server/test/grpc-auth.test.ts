import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SextantClient } from '@sextant/core';
import type { FastifyInstance } from 'fastify';
import { buildRestApp } from '../src/rest/app.js';
import { signJwt } from '../src/security/jwt.js';
import { Code, expectCode } from './grpc/expect-code.js';
import { startHarness } from './grpc/harness.js';
import type { Harness } from './grpc/harness.js';
import { num } from './grpc/ids.js';
import { rawCall } from './grpc/raw-call.js';

/**
 * Collection-scoped JWT keys on the gRPC port, checked exactly as REST checks them (the same security/ code): the
 * scope of each claim, Qdrant's refusals, the filtered lists, `value_exists` revocation, and one table of calls
 * answered alike by both ports. Then back-pressure: past the in-flight bound a call gets RESOURCE_EXHAUSTED.
 */
const SECRET = 'grpc-jwt-secret';
const hour = () => Math.floor(Date.now() / 1000) + 3600;
const token = (claims: Record<string, unknown>) => signJwt({ exp: hour(), ...claims }, SECRET);
const vector = (data: number[]) => ({ vectorsOptions: { case: 'vector' as const, value: { vector: { case: 'dense' as const, value: { data } } } } });
const point = (id: number) => ({ id: num(id), vectors: vector([1, 0, 0, id]), payload: {} });

describe('gRPC JWT keys (jwt_rbac)', () => {
  let h: Harness;
  let rest: FastifyInstance;
  beforeAll(async () => {
    h = await startHarness({ apiKey: SECRET, readOnlyApiKey: 'reader', jwtRbac: true });
    for (const name of ['a', 'b']) {
      await h.engine.createCollection(name, { vectors: { size: 4, distance: 'Dot' } });
      await h.engine.upsert(name, { wait: true, points: [{ id: 1, vector: [1, 0, 0, 1], payload: { user: 'ann' } }] });
    }
    await h.engine.updateCollectionAliases({ actions: [{ create_alias: { collection_name: 'a', alias_name: 'a_alias' } }, { create_alias: { collection_name: 'b', alias_name: 'b_alias' } }] });
    rest = await buildRestApp({ client: h.engine, apiKey: SECRET, readOnlyApiKey: 'reader', jwtRbac: true });
  });
  afterAll(async () => {
    await rest.close();
    await h.close();
  });

  it('grants a collection read scope: reads there, no writes, nothing elsewhere, lists filtered', async () => {
    const reader = h.connect({ apiKey: token({ access: [{ collection: 'a', access: 'r' }] }) });
    expect((await reader.api('points').count({ collectionName: 'a', exact: true })).result?.count).toBe(1n);
    await expectCode(reader.api('points').upsert({ collectionName: 'a', wait: true, points: [point(2)] }), Code.PermissionDenied, /Write access to collection a is required/);
    await expectCode(reader.api('points').count({ collectionName: 'b' }), Code.PermissionDenied, /Access to collection b is required/);
    await expectCode(reader.api('collections').create({ collectionName: 'c' }), Code.PermissionDenied, /Manage access for this operation is required/);
    expect((await reader.api('collections').list({})).collections.map((c) => c.name)).toEqual(['a']);
    expect((await reader.api('collections').listAliases({})).aliases.map((a) => a.aliasName)).toEqual(['a_alias']);
    await expectCode(reader.api('snapshots').listFull({}), Code.PermissionDenied, /Global access is required/);
  });

  it('grants a collection read-write scope: point and index writes and snapshots there, but no config changes', async () => {
    const writer = h.connect({ apiKey: token({ access: [{ collection: 'a', access: 'rw' }] }) });
    await writer.api('points').upsert({ collectionName: 'a', wait: true, points: [point(2)] });
    await writer.api('points').createFieldIndex({ collectionName: 'a', fieldName: 'user', fieldType: 0, wait: true });
    await writer.api('snapshots').create({ collectionName: 'a' });
    await expectCode(writer.api('collections').update({ collectionName: 'a' }), Code.PermissionDenied);
    await expectCode(writer.api('collections').updateAliases({ actions: [] }), Code.PermissionDenied);
    await expectCode(writer.api('points').upsert({ collectionName: 'b', wait: true, points: [point(2)] }), Code.PermissionDenied);
    await writer.api('points').delete({ collectionName: 'a', wait: true, points: { pointsSelectorOneOf: { case: 'points', value: { ids: [num(2)] } } } });
  });

  it('reads global claims as the keys they stand for: r reads everything, m (or no access claim) manages', async () => {
    const globalReader = h.connect({ apiKey: token({ access: 'r' }) });
    expect((await globalReader.api('collections').list({})).collections.map((c) => c.name).sort()).toEqual(['a', 'b']);
    await expectCode(globalReader.api('points').upsert({ collectionName: 'b', points: [point(3)] }), Code.PermissionDenied, /Global manage access is required/);
    const manager = h.connect({ apiKey: token({}) });
    await manager.api('collections').create({ collectionName: 'made_by_jwt', vectorsConfig: { config: { case: 'params', value: { size: 2n, distance: 1 } } } });
    await manager.api('collections').delete({ collectionName: 'made_by_jwt' });
  });

  it("refuses tokens in Qdrant's words: bad signature, expired, malformed access, not a JWT", async () => {
    const forged = signJwt({ exp: hour(), access: 'm' }, 'another-secret');
    await expectCode(h.connect({ apiKey: forged }).api('collections').list({}), Code.PermissionDenied, /InvalidSignature/);
    const expired = signJwt({ exp: Math.floor(Date.now() / 1000) - 3600 }, SECRET);
    await expectCode(h.connect({ apiKey: expired }).api('collections').list({}), Code.PermissionDenied, /ExpiredSignature/);
    const twice = token({ access: [{ collection: 'a', access: 'r' }, { collection: 'a', access: 'rw' }] });
    await expectCode(h.connect({ apiKey: twice }).api('collections').list({}), Code.Unauthenticated, /Collection name should be unique/);
    const noExp = signJwt({ access: 'm' }, SECRET);
    await expectCode(h.connect({ apiKey: noExp }).api('collections').list({}), Code.Unauthenticated, /Invalid API key or JWT/);
    // A prefix of the real key, and the key with a byte more, are just wrong keys.
    await expectCode(h.connect({ apiKey: SECRET.slice(0, -1) }).api('collections').list({}), Code.Unauthenticated);
    await expectCode(h.connect({ apiKey: `${SECRET}x` }).api('collections').list({}), Code.Unauthenticated);
  });

  it('honours value_exists: the token works while the matching point exists, and stops when it is deleted', async () => {
    const claims = { access: [{ collection: 'b', access: 'r' }], value_exists: { collection: 'b', matches: [{ key: 'user', value: 'ann' }] } };
    const scoped = h.connect({ apiKey: token(claims) });
    expect((await scoped.api('points').count({ collectionName: 'b' })).result?.count).toBe(1n);
    await h.engine.delete('b', { wait: true, points: [1] });
    try {
      await expectCode(scoped.api('points').count({ collectionName: 'b' }), Code.Unauthenticated, /stateful validation failed/);
    } finally {
      await h.engine.upsert('b', { wait: true, points: [{ id: 1, vector: [1, 0, 0, 1], payload: { user: 'ann' } }] });
    }
  });

  it('answers each key and call as REST does (401 = UNAUTHENTICATED, 403 = PERMISSION_DENIED, 2xx = OK)', async () => {
    const keys = {
      none: undefined,
      reader: 'reader',
      readA: token({ access: [{ collection: 'a', access: 'r' }] }),
      writeA: token({ access: [{ collection: 'a', access: 'rw' }] }),
      forged: signJwt({ exp: hour() }, 'nope'),
    };
    // Each call as a gRPC path with its request bytes, and the same call over REST.
    const a = Buffer.from([0x0a, 0x01, 0x61]); // collection_name: "a"
    const b = Buffer.from([0x0a, 0x01, 0x62]);
    const calls = [
      { grpc: ['/qdrant.Points/Count', a], rest: { method: 'POST', url: '/collections/a/points/count', payload: {} } },
      { grpc: ['/qdrant.Points/Count', b], rest: { method: 'POST', url: '/collections/b/points/count', payload: {} } },
      { grpc: ['/qdrant.Collections/Get', a], rest: { method: 'GET', url: '/collections/a' } },
      { grpc: ['/qdrant.Points/DeleteFieldIndex', Buffer.concat([a, Buffer.from([0x1a, 0x04]), Buffer.from('none')])], rest: { method: 'DELETE', url: '/collections/a/index/none' } },
      { grpc: ['/qdrant.Collections/Delete', Buffer.from([0x0a, 0x07]), Buffer.from('missing')], rest: { method: 'DELETE', url: '/collections/missing' } },
      { grpc: ['/qdrant.Collections/List', Buffer.alloc(0)], rest: { method: 'GET', url: '/collections' } },
    ] as const;
    const verdict = (httpStatus: number) => (httpStatus === 401 ? 'unauthenticated' : httpStatus === 403 ? 'denied' : 'passed');
    const grpcVerdict = (code: number | undefined) => (code === 16 ? 'unauthenticated' : code === 7 ? 'denied' : 'passed');
    for (const [label, key] of Object.entries(keys)) {
      for (const call of calls) {
        const [path, ...parts] = call.grpc;
        const headers: Record<string, string> = key === undefined ? {} : { 'api-key': key };
        const reply = await rawCall(h.server.port, path, Buffer.concat(parts as unknown as Buffer[]), { headers });
        const response = await rest.inject({ ...(call.rest as object), headers } as Parameters<FastifyInstance['inject']>[0]);
        expect(grpcVerdict(reply.status), `${label} ${path}: gRPC ${reply.status} ${reply.message}, REST ${response.statusCode}`).toBe(verdict(response.statusCode));
      }
    }
  });

  it('treats a JWT as a wrong key when jwt_rbac is off, as REST does', async () => {
    const plain = await startHarness({ apiKey: SECRET });
    try {
      await expectCode(plain.connect({ apiKey: token({ access: 'm' }) }).api('collections').list({}), Code.Unauthenticated, /Invalid API key or JWT/);
      expect((await plain.connect({ apiKey: SECRET }).api('collections').list({})).collections).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});

describe('gRPC back-pressure', () => {
  it('answers RESOURCE_EXHAUSTED past maxInFlight calls at work, keeps health open, and frees the slot when work ends', async () => {
    // 1. an engine whose count waits for a gate, so a call can be held in flight
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let held: SextantClient | undefined;
    const h = await startHarness({ maxInFlight: 1 });
    try {
      await h.engine.createCollection('p', { vectors: { size: 2, distance: 'Dot' } });
      await h.server.close();
      held = new Proxy(h.engine, {
        get(target, prop, receiver) {
          if (prop === 'count') return async (...args: Parameters<SextantClient['count']>) => (await gate, target.count(...args));
          return Reflect.get(target, prop, receiver) as unknown;
        },
      });
      const gated = await startHarness({ maxInFlight: 1, client: held });
      try {
        const count = Buffer.from([0x0a, 0x01, 0x70]); // collection_name: "p"
        // 2. the first call takes the only slot and waits at the gate
        const first = rawCall(gated.server.port, '/qdrant.Points/Count', count);
        await new Promise((resolve) => setTimeout(resolve, 100));
        // 3. a second call is refused at once; health checks are never refused
        const refused = await rawCall(gated.server.port, '/qdrant.Collections/List', Buffer.alloc(0));
        expect(refused.status).toBe(8);
        expect(refused.message).toMatch(/Too many requests: the server is handling 1 calls already/);
        expect((await rawCall(gated.server.port, '/qdrant.Qdrant/HealthCheck', Buffer.alloc(0))).status).toBe(0);
        // 4. when the held call's work ends, it answers OK and the slot is free again
        open();
        expect((await first).status).toBe(0);
        expect((await rawCall(gated.server.port, '/qdrant.Collections/List', Buffer.alloc(0))).status).toBe(0);
      } finally {
        await gated.close();
      }
    } finally {
      open();
      await h.engine.close();
    }
  });
});
