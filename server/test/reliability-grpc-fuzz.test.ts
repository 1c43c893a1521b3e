import { appendFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as Status } from '@grpc/grpc-js';
import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { Collections, Points, Qdrant, Snapshots } from '@sextant/proto';
import { startGrpcServer, type RunningGrpcServer } from '../src/grpc/server.js';
import { collectionsReadOnly } from '../src/grpc/collections-service.js';
import { pointsReadOnly } from '../src/grpc/points-service.js';
import { snapshotsReadOnly } from '../src/grpc/snapshots-service.js';
import { buildRestApp } from '../src/rest/app.js';
import { rawCall } from './grpc/raw-call.js';
import { Rng } from './reliability/hostile-values.js';
import { encodeRandom, lengthField, nested } from './reliability/protobuf-fuzz.js';
import { dataChecksum, PROTECTED, SCRATCH, seedCollections } from './reliability/seeded-data.js';

/**
 * Promise: hostile input never hurts the gRPC server either. Seeded protobuf written straight to the wire for every
 * rpc of Qdrant's services (plausible messages, wrong wire types, unknown enums, invalid UTF-8, lengths past the
 * end, 1,000-level filters, garbage): every answer is a gRPC status that is not a crash (no UNKNOWN, INTERNAL or
 * DATA_LOSS), the server keeps answering, and the protected data is unchanged. Writes that may be valid are aimed
 * at the scratch collection, as in the REST fuzz suite. SEXTANT_FUZZ_ITERATIONS scales this run too.
 */
const ITERATIONS = Math.round(Number(process.env['SEXTANT_FUZZ_ITERATIONS'] ?? 5000) / 5);
const SEED = Number(process.env['SEXTANT_FUZZ_SEED'] ?? 20261125);
const CRASHES = new Set([Status.UNKNOWN, Status.INTERNAL, Status.DATA_LOSS]);

/** Field 15, length-delimited, claiming 2^31 bytes: no decoder can accept the message it ends. */
const PAST_THE_END = Buffer.from([0x7a, 0x80, 0x80, 0x80, 0x80, 0x08]);

const SERVICES = [
  { service: Qdrant, readOnly: new Set(['HealthCheck']) },
  { service: Collections, readOnly: collectionsReadOnly },
  { service: Points, readOnly: pointsReadOnly },
  { service: Snapshots, readOnly: snapshotsReadOnly },
];

describe('hostile gRPC input', () => {
  let client: EmbeddedClient;
  let server: RunningGrpcServer;
  let before: string;
  beforeAll(async () => {
    client = await createEmbeddedClient();
    await seedCollections(client);
    server = await startGrpcServer({ client, port: 0, host: '127.0.0.1' });
    before = await dataChecksum(client);
  });
  afterAll(async () => {
    await server.close();
    await client.close();
  });

  it(`answers ${ITERATIONS} fuzzed calls over every rpc with clean statuses, leaving the data unchanged`, async () => {
    const rng = new Rng(SEED);
    const methods = SERVICES.flatMap(({ service, readOnly }) => service.methods.map((method) => ({ service, method, write: !readOnly.has(method.name) })));
    const seen = new Map<number, number>();
    for (let i = 0; i < ITERATIONS; i++) {
      const { service, method, write } = methods[i % methods.length]!;
      const hostility = rng.pick([0, 0.05, 0.3]);
      // A write that may decode goes to scratch; protected data only sees writes that surely do not decode (a
      // field whose length runs 2 GiB past the end of the message).
      const names = write ? [SCRATCH, '../x', ''] : [...PROTECTED, SCRATCH, '../x', ''];
      let body = rng.chance(0.05) ? Buffer.from(Array.from({ length: rng.int(300) }, () => rng.int(256))) : encodeRandom(rng, method.input, { names, hostility });
      if (write && rng.chance(0.2)) body = Buffer.concat([encodeRandom(rng, method.input, { names: PROTECTED, hostility }), PAST_THE_END]);
      if (process.env['SEXTANT_FUZZ_TRACE']) appendFileSync(process.env['SEXTANT_FUZZ_TRACE'], `${i} ${service.typeName}/${method.name} ${body.toString('hex')}\n`);
      const reply = await rawCall(server.port, `/${service.typeName}/${method.name}`, body);
      const label = `#${i} seed ${SEED} ${service.typeName}/${method.name} (${body.toString('hex').slice(0, 120)})`;
      expect(reply.status, label).toBeTypeOf('number');
      expect(CRASHES.has(reply.status!), `${label}: ${reply.status} ${reply.message}`).toBe(false);
      seen.set(reply.status!, (seen.get(reply.status!) ?? 0) + 1);
      if (i % 100 === 99 && !(await client.collectionExists(SCRATCH)).exists) {
        await client.createCollection(SCRATCH, { vectors: { size: 4, distance: 'Cosine' } });
      }
    }
    // Both sides of the boundary were reached: successes and refusals.
    expect(seen.get(Status.OK) ?? 0).toBeGreaterThan(0);
    expect([...seen.keys()].some((code) => code !== Status.OK)).toBe(true);
    expect(await dataChecksum(client)).toBe(before);
  }, 120_000);

  // Once killed the process: `0 % n === 0` let 4 billion empty rows be built before any dimension check.
  it('refuses a multi-vector with a huge vectors_count and no data', async () => {
    // qdrant.Points/Upsert { collection_name: "scratch", points: [{ id: {num: 1}, vectors: { vector: { vectors_count: 2^32 - 1 } } }] }
    const vector = Buffer.from([0x18, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    const point = Buffer.concat([lengthField(1, Buffer.from([0x08, 0x01])), lengthField(4, lengthField(1, vector))]);
    const reply = await rawCall(server.port, '/qdrant.Points/Upsert', Buffer.concat([lengthField(1, Buffer.from(SCRATCH)), lengthField(3, point)]));
    expect(reply.status).toBe(Status.INVALID_ARGUMENT);
    expect(reply.message).toMatch(/vectors_count 4294967295 is larger than its data \(0 values\)/);
    // More vectors than values (3 values in 4 vectors) is refused the same way, before the divisibility check.
    const data = Buffer.concat([Buffer.from([0x0a, 12]), Buffer.alloc(12)]);
    const four = Buffer.concat([lengthField(1, Buffer.from([0x08, 0x01])), lengthField(4, lengthField(1, Buffer.concat([data, Buffer.from([0x18, 4])])))]);
    const short = await rawCall(server.port, '/qdrant.Points/Upsert', Buffer.concat([lengthField(1, Buffer.from(SCRATCH)), lengthField(3, four)]));
    expect(short.status).toBe(Status.INVALID_ARGUMENT);
  });

  // Once answered INTERNAL ("Invalid time value" from toISOString).
  it('refuses a datetime range bound or an order_by start outside the representable dates', async () => {
    // qdrant.Points/Count { collection_name: "docs", filter: { must: [{ field: { key: "n", datetime_range: { gt: { seconds: 2^62 } } } }] } }
    const timestamp = Buffer.from([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]);
    const condition = Buffer.concat([lengthField(1, Buffer.from('n')), lengthField(8, lengthField(2, timestamp))]);
    const filter = lengthField(2, lengthField(1, condition));
    const reply = await rawCall(server.port, '/qdrant.Points/Count', Buffer.concat([lengthField(1, Buffer.from('docs')), lengthField(2, filter)]));
    expect(reply.status).toBe(Status.INVALID_ARGUMENT);
    expect(reply.message).toMatch(/datetime_range\.gt: timestamp of 4611686018427387904 seconds is outside the representable dates/);
    // qdrant.Points/Scroll { collection_name: "docs", order_by: { key: "n", start_from: { timestamp: { seconds: 2^62 } } } }
    const orderBy = Buffer.concat([lengthField(1, Buffer.from('n')), lengthField(3, lengthField(3, timestamp))]);
    const scroll = await rawCall(server.port, '/qdrant.Points/Scroll', Buffer.concat([lengthField(1, Buffer.from('docs')), lengthField(10, orderBy)]));
    expect(scroll.status).toBe(Status.INVALID_ARGUMENT);
    expect(scroll.message).toMatch(/order_by\.start_from: timestamp/);
    // Nanos outside [0, 1e9) break the Timestamp contract: datetime_range { gte: { seconds: 0, nanos: -1 } }.
    const negative = Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const nanos = Buffer.concat([lengthField(1, Buffer.from('n')), lengthField(8, lengthField(3, negative))]);
    const bad = await rawCall(server.port, '/qdrant.Points/Count', Buffer.concat([lengthField(1, Buffer.from('docs')), lengthField(2, lengthField(2, lengthField(1, nanos)))]));
    expect(bad.status).toBe(Status.INVALID_ARGUMENT);
  });

  // Once accepted and stored as 2^64, after which every Get answered INTERNAL ("Error serializing response").
  it('never stores a setting it cannot read back (uint64 max_segment_size = 2^64 - 1)', async () => {
    // qdrant.Collections/Update { collection_name: "scratch", optimizers_config: { max_segment_size: 2^64 - 1 } }
    const huge = Buffer.from([0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const update = await rawCall(server.port, '/qdrant.Collections/Update', Buffer.concat([lengthField(1, Buffer.from(SCRATCH)), lengthField(2, huge)]));
    expect(update.status).toBe(Status.INVALID_ARGUMENT);
    expect(update.message).toMatch(/max_segment_size 18446744073709551615 is outside the safe integer range/);
    // qdrant.Points/CreateFieldIndex { collection_name: "scratch", field_name: "body", field_type: Text, field_index_params: { text_index_params: { max_token_len: 2^64 - 1 } } }
    const text = lengthField(1, Buffer.from([0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    const index = await rawCall(server.port, '/qdrant.Points/CreateFieldIndex', Buffer.concat([lengthField(1, Buffer.from(SCRATCH)), lengthField(3, Buffer.from('body')), Buffer.from([0x20, 4]), lengthField(5, text)]));
    expect(index.status).toBe(Status.INVALID_ARGUMENT);
    // The largest value kept exactly is accepted and read back as sent.
    const safe = Buffer.concat([Buffer.from([0x20]), varint(2n ** 53n - 1n)]);
    const ok = await rawCall(server.port, '/qdrant.Collections/Update', Buffer.concat([lengthField(1, Buffer.from(SCRATCH)), lengthField(2, safe)]));
    expect(ok.status, ok.message).toBe(Status.OK);
    const reply = await rawCall(server.port, '/qdrant.Collections/Get', lengthField(1, Buffer.from(SCRATCH)));
    expect(reply.status).toBe(Status.OK);
    expect((await client.getCollection(SCRATCH)).config.optimizer_config.max_segment_size).toBe(2 ** 53 - 1);
  });

  it('refuses the same unrepresentable settings over REST (422), so gRPC Get never meets them', async () => {
    const app = await buildRestApp({ client });
    try {
      // JSON reads 18446744073709551615 as 2^64: without the engine's check it would be stored and break gRPC Get.
      const body = '{"optimizers_config":{"max_segment_size":18446744073709551615}}';
      const patch = await app.inject({ method: 'PATCH', url: `/collections/${SCRATCH}`, payload: body, headers: { 'content-type': 'application/json' } });
      expect(patch.statusCode).toBe(422);
      expect(patch.json().status.error).toMatch(/optimizers_config\.max_segment_size: value 18446744073709552000 invalid, must be at most 9007199254740991/);
      const create = await app.inject({
        method: 'PUT',
        url: '/collections/too_big',
        payload: '{"vectors":{"size":4,"distance":"Dot"},"hnsw_config":{"full_scan_threshold":1e300}}',
        headers: { 'content-type': 'application/json' },
      });
      expect(create.statusCode).toBe(422);
      expect((await client.collectionExists('too_big')).exists).toBe(false);
      // The same holds for the settings of a payload index and of a named vector added later.
      const index = await app.inject({
        method: 'PUT',
        url: `/collections/${SCRATCH}/index?wait=true`,
        payload: '{"field_name":"huge_text","field_schema":{"type":"text","max_token_len":18446744073709551615}}',
        headers: { 'content-type': 'application/json' },
      });
      expect(index.statusCode).toBe(422);
      expect(index.json().status.error).toMatch(/field_schema\.max_token_len/);
      await expect(
        client.createVectorName(SCRATCH, 'huge', { size: 4, distance: 'Dot', hnsw_config: { m: 2 ** 64 } } as never),
      ).rejects.toMatchObject({ status: 422 });
      // Free-form metadata is user JSON, not a setting: large numbers there are kept as JSON keeps them.
      const meta = await app.inject({ method: 'PATCH', url: `/collections/${SCRATCH}`, payload: { metadata: { big: 2 ** 60 } } });
      expect(meta.statusCode).toBe(200);
    } finally {
      await app.close();
    }
    const reply = await rawCall(server.port, '/qdrant.Collections/Get', lengthField(1, Buffer.from(SCRATCH)));
    expect(reply.status).toBe(Status.OK);
  });

  // Once answered INTERNAL (".replace is not a function" on the enum's number).
  it('refuses an unknown binary quantization query encoding', async () => {
    // qdrant.Collections/Update { collection_name: "scratch", quantization_config: { binary: { query_encoding: { setting: 99 } } } }
    const binary = lengthField(3, Buffer.from([0x20, 99]));
    const reply = await rawCall(server.port, '/qdrant.Collections/Update', Buffer.concat([lengthField(1, Buffer.from(SCRATCH)), lengthField(7, lengthField(4, binary))]));
    expect(reply.status, reply.message).toBe(Status.INVALID_ARGUMENT);
    expect(reply.message).toMatch(/setting: unknown Setting value 99/);
    // A known setting still goes through and reads back by its REST name.
    const known = lengthField(3, Buffer.from([0x20, 3]));
    const ok = await rawCall(server.port, '/qdrant.Collections/Update', Buffer.concat([lengthField(1, Buffer.from(SCRATCH)), lengthField(7, lengthField(4, known))]));
    expect(ok.status, ok.message).toBe(Status.OK);
    const config = (await client.getCollection(SCRATCH)).config.quantization_config as { binary?: { query_encoding?: string } };
    expect(config.binary?.query_encoding).toBe('scalar8bits');
  });

  it('refuses filters nested 1,000 levels deep without falling over', async () => {
    const filter = nested(2000, [4, 2], Buffer.alloc(0));
    for (const path of ['/qdrant.Points/Scroll', '/qdrant.Points/Count', '/qdrant.Points/Delete']) {
      // Scroll and Count take the filter as field 2; Delete inside its PointsSelector (field 3, selector field 2).
      const field = path.endsWith('Delete') ? lengthField(3, lengthField(2, filter)) : lengthField(2, filter);
      const request = Buffer.concat([lengthField(1, Buffer.from('docs')), field]);
      const reply = await rawCall(server.port, path, request);
      expect(CRASHES.has(reply.status!), `${path}: ${reply.status} ${reply.message}`).toBe(false);
      expect(reply.status).not.toBe(Status.OK);
    }
    const health = await rawCall(server.port, '/qdrant.Qdrant/HealthCheck', Buffer.alloc(0));
    expect(health.status).toBe(Status.OK);
    expect(await dataChecksum(client)).toBe(before);
  });
});

/** A protobuf varint, for the few fields above written by hand. */
function varint(value: bigint): Buffer {
  const bytes: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}
