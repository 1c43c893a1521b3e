import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Server, ServerCredentials, credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import {
  Distance,
  HealthCheckReplySchema,
  HealthCheckRequestSchema,
  ListCollectionsRequestSchema,
  ListCollectionsResponseSchema,
  Collections,
  Points,
  Qdrant,
  Snapshots,
  StorageRead,
  health,
} from '@sextant/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceDefinition } from '../src/grpc/service-definition.js';
import { implement } from '../src/grpc/unary.js';
import { Code, expectCode } from './grpc/expect-code.js';
import { startHarness } from './grpc/harness.js';
import type { Harness } from './grpc/harness.js';
import { num } from './grpc/ids.js';
import { rawCall } from './grpc/raw-call.js';

const vectors4 = { config: { case: 'params' as const, value: { size: 4n, distance: Distance.Dot } } };
const denseVector = (data: number[]) => ({ vectorsOptions: { case: 'vector' as const, value: { vector: { case: 'dense' as const, value: { data } } } } });

describe('gRPC transport: compression, bad input, health', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('serves the official client with gzip on', async () => {
    const client = h.connect({ compression: true });
    await client.api('collections').create({ collectionName: 'gz', vectorsConfig: vectors4 });
    // A request big enough that the client really compresses it.
    const points = Array.from({ length: 200 }, (_, i) => ({ id: num(i), vectors: denseVector([i, 1, 2, 3]) }));
    await client.api('points').upsert({ collectionName: 'gz', wait: true, points });
    const count = await client.api('points').count({ collectionName: 'gz', exact: true });
    expect(count.result?.count).toBe(200n);
  });

  it('accepts a gzip-compressed message frame', async () => {
    const reply = await rawCall(h.server.port, '/qdrant.Collections/List', toBinary(ListCollectionsRequestSchema, create(ListCollectionsRequestSchema)), { gzip: true });
    expect(reply.status).toBe(0);
    const list = fromBinary(ListCollectionsResponseSchema, reply.body.subarray(5));
    expect(list.collections.map((c) => c.name)).toContain('gz');
  });

  it('answers malformed messages with INVALID_ARGUMENT and stays up', async () => {
    const garbage = Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const reply = await rawCall(h.server.port, '/qdrant.Points/Upsert', garbage);
    expect(reply.status).toBe(Code.InvalidArgument);
    const health = await rawCall(h.server.port, '/qdrant.Qdrant/HealthCheck', toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema)));
    expect(health.status).toBe(0);
    expect(fromBinary(HealthCheckReplySchema, health.body.subarray(5)).version).toBe('1.19.0');
  });

  it('rejects wrong dimensions, empty ids and unknown collections cleanly', async () => {
    const client = h.connect();
    await expectCode(
      client.api('points').upsert({ collectionName: 'gz', wait: true, points: [{ id: num(1), vectors: denseVector([1, 2, 3]) }] }),
      Code.InvalidArgument,
      /dimension/,
    );
    await expectCode(client.api('points').upsert({ collectionName: 'gz', wait: true, points: [{ vectors: denseVector([1, 2, 3, 4]) }] }), Code.InvalidArgument, /point id/);
    await expectCode(client.api('points').query({ collectionName: 'gz', query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: [1] } } } } } }), Code.InvalidArgument);
    await expectCode(client.api('points').count({ collectionName: 'nowhere' }), Code.NotFound);
    expect((await client.api('service').healthCheck({})).title).toMatch(/sextant/);
  });

  it('wires all 59 rpcs: each answers an empty request with its own verdict, StorageRead with UNIMPLEMENTED', async () => {
    const services = [Qdrant, Collections, Points, Snapshots, StorageRead, health.Health];
    const methods = services.flatMap((s) => s.methods.map((m) => ({ service: s.typeName, name: m.name })));
    expect(methods).toHaveLength(59);
    for (const { service, name } of methods) {
      const reply = await rawCall(h.server.port, `/${service}/${name}`, new Uint8Array());
      expect(reply.status, `${service}/${name}`).toBeDefined();
      if (service === StorageRead.typeName) expect(reply.status).toBe(Code.Unimplemented);
      else if (reply.status === Code.Unimplemented) expect(reply.message, `${service}/${name}`).toMatch(/Distributed mode|not supported by Sextant/);
    }
    expect((await rawCall(h.server.port, '/qdrant.Qdrant/HealthCheck', new Uint8Array())).status).toBe(0);
  });

  it('answers grpc.health.v1 Check', async () => {
    const Client = makeGenericClientConstructor(serviceDefinition(health.Health), 'Health');
    const probe = new Client(`127.0.0.1:${h.server.port}`, credentials.createInsecure());
    const check = (service: string) =>
      new Promise<{ status?: number; error?: ServiceError }>((resolve) =>
        (probe as unknown as Record<string, Function>)['check']!(create(health.HealthCheckRequestSchema, { service }), (error: ServiceError | null, reply?: { status: number }) =>
          resolve(error ? { error } : { status: reply!.status }),
        ),
      );
    expect(await check('')).toEqual({ status: health.HealthCheckResponse_ServingStatus.SERVING });
    expect(await check('qdrant.Points')).toEqual({ status: health.HealthCheckResponse_ServingStatus.SERVING });
    expect((await check('no.Such')).error?.code).toBe(Code.NotFound);
    probe.close();
  });
});

describe('gRPC api keys', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ apiKey: 'secret', readOnlyApiKey: 'reader' });
    await h.engine.createCollection('k', { vectors: { size: 4, distance: 'Dot' } });
  });
  afterAll(async () => h.close());

  it('requires a key, lets the read-only key read only, and keeps health open', async () => {
    await expectCode(h.connect().api('collections').list({}), Code.Unauthenticated);
    await expectCode(h.connect({ apiKey: 'wrong' }).api('collections').list({}), Code.Unauthenticated);
    expect((await h.connect().api('service').healthCheck({})).version).toBe('1.19.0');

    const reader = h.connect({ apiKey: 'reader' });
    expect((await reader.api('collections').list({})).collections.map((c) => c.name)).toEqual(['k']);
    expect((await reader.api('points').count({ collectionName: 'k' })).result?.count).toBe(0n);
    await expectCode(reader.api('points').upsert({ collectionName: 'k', points: [{ id: num(1), vectors: denseVector([1, 2, 3, 4]) }] }), Code.PermissionDenied);
    await expectCode(reader.api('collections').delete({ collectionName: 'k' }), Code.PermissionDenied);

    const admin = h.connect({ apiKey: 'secret' });
    await admin.api('points').upsert({ collectionName: 'k', wait: true, points: [{ id: num(1), vectors: denseVector([1, 2, 3, 4]) }] });
    expect((await reader.api('points').count({ collectionName: 'k' })).result?.count).toBe(1n);
    // `authorization: Bearer` works as well as `api-key`.
    const bearer = await rawCall(h.server.port, '/qdrant.Collections/List', new Uint8Array(), { headers: { authorization: 'Bearer reader' } });
    expect(bearer.status).toBe(0);
  });
});

describe('gRPC deadlines', () => {
  it('answers DEADLINE_EXCEEDED when the handler outlives the deadline, and aborts its signal', async () => {
    // 1. a server whose health check never finishes on its own, only when its call signal aborts
    let aborted = false;
    const server = new Server();
    server.addService(
      serviceDefinition(Qdrant),
      implement(
        Qdrant,
        {
          healthCheck: (_request, { signal }) =>
            new Promise((_resolve, reject) => {
              signal.addEventListener('abort', () => {
                aborted = true;
                reject(new Error('aborted'));
              });
            }),
        },
        { keys: {}, readOnly: new Set(['HealthCheck']) },
      ),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    try {
      // 2. a 50 ms deadline on the wire
      const reply = await rawCall(port, '/qdrant.Qdrant/HealthCheck', new Uint8Array(), { headers: { 'grpc-timeout': '50m' } });
      // 3. the status is DEADLINE_EXCEEDED and the handler was told to stop
      expect(reply.status).toBe(Code.DeadlineExceeded);
      await new Promise((r) => setTimeout(r, 20));
      expect(aborted).toBe(true);
    } finally {
      server.forceShutdown();
    }
  });
});
