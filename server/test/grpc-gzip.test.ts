import { connect } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http2';
import { gunzipSync } from 'node:zlib';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { HealthCheckReplySchema, HealthCheckRequestSchema, ScrollPointsSchema, ScrollResponseSchema } from '@sextant/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './grpc/harness.js';
import type { Harness } from './grpc/harness.js';
import { idOf, yes } from './grpc/ids.js';

interface RawResponse {
  headers: IncomingHttpHeaders;
  status: number;
  /** The one length-prefixed message of a unary reply, as it came off the wire. */
  frame: Buffer;
}

/** A unary call over bare node:http2, so the test sees the response's headers and frame bytes untouched. */
async function rawUnary(port: number, path: string, payload: Uint8Array, acceptEncoding?: string): Promise<RawResponse> {
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt32BE(payload.length, 1);
  Buffer.from(payload).copy(frame, 5);
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<RawResponse>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...(acceptEncoding === undefined ? {} : { 'grpc-accept-encoding': acceptEncoding }),
      });
      let headers: IncomingHttpHeaders = {};
      let status = -1;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => (headers = h));
      stream.on('trailers', (t) => (status = Number(t['grpc-status'])));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ headers, status, frame: Buffer.concat(chunks) }));
      stream.on('error', reject);
      stream.end(frame);
    });
  } finally {
    session.close();
  }
}

/** The message bytes of a frame, inflated when its compressed flag says so; checks the length prefix. */
function messageOf(frame: Buffer): Buffer {
  expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
  const body = frame.subarray(5);
  return frame[0] === 1 ? gunzipSync(body) : body;
}

describe('gRPC responses compressed with gzip', () => {
  let h: Harness;
  const scroll = toBinary(ScrollPointsSchema, create(ScrollPointsSchema, { collectionName: 'docs', limit: 150, withPayload: yes }));

  beforeAll(async () => {
    h = await startHarness();
    await h.engine.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } });
    // Repetitive text payloads: a reply of tens of KiB that gzip shrinks a lot.
    const points = Array.from({ length: 200 }, (_, i) => ({
      id: i + 1,
      vector: [1 + (i % 7), 2, 3 - (i % 3), 4],
      payload: { title: `document number ${i}`, body: 'lorem ipsum dolor sit amet '.repeat(8), rank: i },
    }));
    await h.engine.upsert('docs', { wait: true, points });
  });
  afterAll(async () => h.close());

  it('sends a large reply gzipped when the client accepts gzip', async () => {
    const reply = await rawUnary(h.server.port, '/qdrant.Points/Scroll', scroll, 'identity,gzip');
    expect(reply.status).toBe(0);
    expect(reply.headers['grpc-encoding']).toBe('gzip');
    expect(reply.frame[0]).toBe(1);
    const message = messageOf(reply.frame);
    expect(reply.frame.length - 5).toBeLessThan(message.length / 4);
    const decoded = fromBinary(ScrollResponseSchema, message);
    expect(decoded.result.map((p) => idOf(p.id))).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(decoded.result[7]?.payload.body?.kind).toEqual({ case: 'stringValue', value: 'lorem ipsum dolor sit amet '.repeat(8) });
  });

  it('sends the same reply uncompressed to a client that does not list gzip', async () => {
    const zipped = await rawUnary(h.server.port, '/qdrant.Points/Scroll', scroll, 'gzip');
    for (const accept of [undefined, 'identity', 'deflate']) {
      const reply = await rawUnary(h.server.port, '/qdrant.Points/Scroll', scroll, accept);
      expect(reply.status).toBe(0);
      expect(reply.headers['grpc-encoding']).not.toBe('gzip');
      expect(reply.frame[0]).toBe(0);
      // Equal message bytes apart from the `time` field: compare decoded results instead.
      const plain = fromBinary(ScrollResponseSchema, messageOf(reply.frame));
      const inflated = fromBinary(ScrollResponseSchema, messageOf(zipped.frame));
      expect(plain.result).toEqual(inflated.result);
    }
  });

  it('leaves small replies uncompressed under grpc-encoding gzip', async () => {
    const request = toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema));
    const reply = await rawUnary(h.server.port, '/qdrant.Qdrant/HealthCheck', request, 'gzip');
    expect(reply.status).toBe(0);
    expect(reply.headers['grpc-encoding']).toBe('gzip');
    expect(reply.frame[0]).toBe(0);
    expect(fromBinary(HealthCheckReplySchema, messageOf(reply.frame)).version).toBe('1.19.0');
  });

  it('errors still come back as statuses, with or without gzip', async () => {
    const missing = toBinary(ScrollPointsSchema, create(ScrollPointsSchema, { collectionName: 'nope', limit: 1 }));
    const reply = await rawUnary(h.server.port, '/qdrant.Points/Scroll', missing, 'gzip');
    expect(reply.frame.length).toBe(0);
    expect(reply.status === 5 || Number(reply.headers['grpc-status']) === 5).toBe(true);
  });

  it('the official client reads gzipped and plain replies alike', async () => {
    const request = { collectionName: 'docs', limit: 150, withPayload: yes };
    const zipped = await h.connect({ compression: true }).api('points').scroll(request);
    const plain = await h.connect({ compression: false }).api('points').scroll(request);
    expect(zipped.result.length).toBe(150);
    expect(zipped.result).toEqual(plain.result);
  });
});
