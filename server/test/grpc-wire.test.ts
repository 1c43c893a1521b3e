import { connect } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import { deflateSync, gzipSync } from 'node:zlib';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { SextantClient } from '@sextant/core';
import { CountPointsSchema, CountResponseSchema, HealthCheckReplySchema, ScrollPointsSchema } from '@sextant/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './grpc/harness.js';
import type { Harness } from './grpc/harness.js';

/**
 * The gRPC server's answers byte for byte on the wire, for what grpc-js decides on its own (framing, response
 * headers, trailers, compression and size limits, deadlines, malformed bodies): the server answers unary calls
 * itself on node:http2 (unary-fast-path.ts), and these pin that it says exactly what grpc-js 1.14 says.
 */
interface Wire {
  headers: Record<string, unknown>;
  trailers: Record<string, unknown> | undefined;
  body: Buffer;
}

/** `paced`: each piece is written 5 ms after the last, so each arrives as its own DATA frame. */
async function wire(port: number, path: string, frames: Buffer[], headers: Record<string, string> = {}, paced = false): Promise<Wire> {
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<Wire>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
      let got: IncomingHttpHeaders = {};
      let trailers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (got = h));
      stream.on('trailers', (t) => (trailers = t));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ headers: plain(got), trailers: trailers && plain(trailers), body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      void (async () => {
        for (const frame of frames) {
          stream.write(frame);
          if (paced) await new Promise((resolve) => setTimeout(resolve, 5));
        }
        stream.end();
      })();
    });
  } finally {
    session.close();
  }
}

/** Headers without the date (it changes) and without node's null prototype, for toEqual. */
function plain(headers: IncomingHttpHeaders): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) if (key !== 'date') out[key] = value;
  return out;
}

function frame(message: Uint8Array, flag = 0, declaredLength = message.length): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt8(flag, 0);
  out.writeUInt32BE(declaredLength, 1);
  Buffer.from(message).copy(out, 5);
  return out;
}

const OK_HEADERS = { ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-accept-encoding': 'identity,deflate,gzip', 'grpc-encoding': 'identity' };
const OK_TRAILERS = { 'grpc-status': '0', 'grpc-message': 'OK' };
const trailersOnly = (status: number, message: string, extra: Record<string, string> = {}) => ({
  headers: { ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-status': String(status), 'grpc-message': encodeURI(message), ...extra },
  trailers: undefined,
  body: Buffer.alloc(0),
});

const HEALTH = '/qdrant.Qdrant/HealthCheck';
const COUNT = '/qdrant.Points/Count';
const count = (collectionName: string) => toBinary(CountPointsSchema, create(CountPointsSchema, { collectionName }));

describe('gRPC on the wire', () => {
  let h: Harness;
  // Counts on 'gated' wait for the test to open the gate.
  let openGate = () => {};
  let gate = Promise.resolve();
  beforeAll(async () => {
    // A small message limit, so the size checks are cheap to reach; a collection whose count never answers.
    const engine = await (await import('@sextant/core')).createEmbeddedClient();
    const client = new Proxy(engine, {
      get: (target, key, receiver) =>
        key === 'count'
          ? (name: string, request: unknown) =>
              name === 'stuck' ? new Promise(() => {})
              : name === 'gated' ? gate.then(() => ({ count: 0 }))
              : target.count(name, request as never)
          : Reflect.get(target, key, receiver),
    }) as SextantClient;
    h = await startHarness({ client, maxMessageBytes: 4096 });
    await engine.createCollection('docs', { vectors: { size: 4, distance: 'Dot' } });
    const points = Array.from({ length: 60 }, (_, i) => ({ id: i + 1, vector: [1, 2, 3, i], payload: { text: 'lorem ipsum dolor sit amet '.repeat(4) } }));
    await engine.upsert('docs', { wait: true, points });
  });
  afterAll(async () => h.close());

  it('answers a unary call with identity headers, one frame and OK trailers', async () => {
    const reply = await wire(h.server.port, HEALTH, [frame(new Uint8Array())]);
    expect(reply.headers).toEqual(OK_HEADERS);
    expect(reply.trailers).toEqual(OK_TRAILERS);
    expect(reply.body.readUInt8(0)).toBe(0);
    expect(reply.body.readUInt32BE(1)).toBe(reply.body.length - 5);
    expect(fromBinary(HealthCheckReplySchema, reply.body.subarray(5)).version).toBe('1.19.0');
  });

  it('says grpc-encoding gzip to a client that accepts it, with small replies left uncompressed', async () => {
    const reply = await wire(h.server.port, COUNT, [frame(count('docs'))], { 'grpc-accept-encoding': 'identity, gzip' });
    expect(reply.headers).toEqual({ ...OK_HEADERS, 'grpc-encoding': 'gzip' });
    expect(reply.trailers).toEqual(OK_TRAILERS);
    expect(reply.body.readUInt8(0)).toBe(0);
    expect(fromBinary(CountResponseSchema, reply.body.subarray(5)).result?.count).toBe(60n);
  });

  it('reads gzip, deflate and flagged-but-identity request frames', async () => {
    for (const [encoding, bytes] of [['gzip', gzipSync(count('docs'))], ['deflate', deflateSync(count('docs'))], ['identity', Buffer.from(count('docs'))]] as const) {
      const reply = await wire(h.server.port, COUNT, [frame(bytes, 1)], { 'grpc-encoding': encoding });
      expect(reply.trailers, encoding).toEqual(OK_TRAILERS);
      expect(fromBinary(CountResponseSchema, reply.body.subarray(5)).result?.count).toBe(60n);
    }
  });

  it('reads a message split anywhere across DATA frames, its 5-byte prefix included', async () => {
    const whole = frame(count('docs'));
    for (const cuts of [[1], [2, 3], [4, 5, 6], [5, whole.length - 1]]) {
      const bounds = [0, ...cuts, whole.length];
      const pieces = bounds.slice(1).map((end, i) => whole.subarray(bounds[i], end));
      const reply = await wire(h.server.port, COUNT, pieces, {}, true);
      expect(reply.trailers, String(cuts)).toEqual(OK_TRAILERS);
      expect(fromBinary(CountResponseSchema, reply.body.subarray(5)).result?.count).toBe(60n);
    }
  });

  it('answers engine errors trailers-only, with the error code in the metadata', async () => {
    const reply = await wire(h.server.port, COUNT, [frame(count('missing'))]);
    expect(reply).toEqual(
      trailersOnly(5, 'Not found: Collection `missing` doesn\'t exist!', { 'x-sextant-error-code': 'collection_not_found' }),
    );
  });

  it('refuses bodies that are not one message, as grpc-js does', async () => {
    expect(await wire(h.server.port, HEALTH, [])).toEqual(trailersOnly(12, `Received no request message for server streaming method ${HEALTH}`));
    const two = await wire(h.server.port, HEALTH, [frame(new Uint8Array()), frame(new Uint8Array())]);
    expect(two).toEqual(trailersOnly(12, `Received a second request message for server streaming method ${HEALTH}`));
  });

  it('refuses unknown encodings, undecompressable frames and oversized messages', async () => {
    expect(await wire(h.server.port, COUNT, [frame(count('docs'), 1)], { 'grpc-encoding': 'br' })).toEqual(
      trailersOnly(12, 'Received message compressed with unsupported encoding "br"'),
    );
    expect(await wire(h.server.port, COUNT, [frame(Buffer.from('not gzip'), 1)], { 'grpc-encoding': 'gzip' })).toEqual(
      trailersOnly(13, 'Failed to decompress message'),
    );
    expect(await wire(h.server.port, COUNT, [frame(new Uint8Array(10), 0, 5000)])).toEqual(trailersOnly(8, 'Received message larger than max (5000 vs 4096)'));
    const bomb = gzipSync(Buffer.alloc(10_000));
    expect(await wire(h.server.port, COUNT, [frame(bomb, 1)], { 'grpc-encoding': 'gzip' })).toEqual(
      trailersOnly(8, 'Received message that decompresses to a size larger than 4096'),
    );
  });

  it('refuses to send a reply over the size limit, compressed or not', async () => {
    const scroll = toBinary(ScrollPointsSchema, create(ScrollPointsSchema, { collectionName: 'docs', limit: 60, withPayload: { selectorOptions: { case: 'enable', value: true } } }));
    const plainReply = await wire(h.server.port, '/qdrant.Points/Scroll', [frame(scroll)]);
    // The headers are already out when the size is known (grpc-js sends them before serializing): the refusal
    // comes in the trailers, and the length it names counts the 5-byte frame prefix.
    expect(plainReply.headers).toEqual(OK_HEADERS);
    expect(plainReply.body.length).toBe(0);
    expect(plainReply.trailers?.['grpc-status']).toBe('8');
    expect(String(plainReply.trailers?.['grpc-message'])).toMatch(/^Sent%20message%20larger%20than%20max%20\(\d+%20vs.%204096\)$/);
    // gzip shrinks this reply under the limit; then it goes out compressed.
    const zipped = await wire(h.server.port, '/qdrant.Points/Scroll', [frame(scroll)], { 'grpc-accept-encoding': 'gzip' });
    expect(zipped.headers).toEqual({ ...OK_HEADERS, 'grpc-encoding': 'gzip' });
    expect(zipped.trailers).toEqual(OK_TRAILERS);
    expect(zipped.body.readUInt8(0)).toBe(1);
  });

  it('answers DEADLINE_EXCEEDED at the deadline and INTERNAL for a malformed grpc-timeout', async () => {
    const started = performance.now();
    expect(await wire(h.server.port, COUNT, [frame(count('stuck'))], { 'grpc-timeout': '50m' })).toEqual(trailersOnly(4, 'Deadline exceeded'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(await wire(h.server.port, HEALTH, [frame(new Uint8Array())], { 'grpc-timeout': 'soon' })).toEqual(
      trailersOnly(13, 'Invalid grpc-timeout value "soon"'),
    );
  });

  it('keeps a call a client cancelled counted until its work ends, and serves on', async () => {
    gate = new Promise((resolve) => (openGate = resolve));
    // (The deadline test's call on 'stuck' never ends and keeps its slot.)
    const before = h.server.inFlight;
    // 1. a call whose engine work waits, cancelled by the client once the server holds it
    const session = connect(`http://127.0.0.1:${h.server.port}`);
    const stream = session.request({ ':method': 'POST', ':path': COUNT, 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => {});
    stream.end(frame(count('gated')));
    await expect.poll(() => h.server.inFlight).toBe(before + 1);
    const closed = new Promise((resolve) => stream.on('close', resolve));
    stream.close(0x8); // NGHTTP2_CANCEL
    await closed;
    session.close();
    // 2. the server answers other calls meanwhile; the cancelled one still holds its slot (back-pressure.ts)
    const other = await wire(h.server.port, COUNT, [frame(count('docs'))]);
    expect(other.trailers).toEqual(OK_TRAILERS);
    expect(h.server.inFlight).toBe(before + 1);
    // 3. when its work ends, the slot is free
    openGate();
    await expect.poll(() => h.server.inFlight).toBe(before);
  });

  it('leaves unknown paths and other content types to grpc-js', async () => {
    // grpc-js leaves this one message unescaped.
    const unknown = await wire(h.server.port, '/qdrant.Points/Nope', [frame(new Uint8Array())]);
    expect(unknown.headers).toEqual({ ...trailersOnly(12, '').headers, 'grpc-message': 'The server does not implement the method /qdrant.Points/Nope' });
    const wrongType = await wire(h.server.port, HEALTH, [frame(new Uint8Array())], { 'content-type': 'text/plain' });
    expect(wrongType.headers[':status']).toBe(415);
  });
});
