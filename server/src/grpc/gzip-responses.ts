import type { Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { gzip } from 'node:zlib';
import { Metadata, ResponderBuilder, ServerInterceptingCall } from '@grpc/grpc-js';
import type { Server, ServerInterceptingCallInterface, ServerInterceptor } from '@grpc/grpc-js';

/**
 * gzip on gRPC responses, which @grpc/grpc-js 1.14 cannot do by itself: its server frames every message with the
 * compressed flag 0 (`BaseServerInterceptingCall.serializeMessage` in build/src/server-interceptors.js, "response
 * compression is currently not supported"), always answers `grpc-encoding: identity`, and reads
 * `grpc.default_compression_algorithm` only in the client-side CompressionFilter (compression-filter.js). It also
 * strips `grpc-accept-encoding` from the metadata a handler or interceptor sees, so nothing public tells us what
 * the client accepts.
 *
 * So this reaches three grpc-js internals, each checked before use; if a future grpc-js renames one, responses
 * simply go out uncompressed (still valid gRPC) and grpc-gzip.test.ts fails loudly:
 * - `server.http2Servers` (the bound HTTP/2 servers): a listener put ahead of grpc-js's own on 'stream' records
 *   which streams' clients list gzip in `grpc-accept-encoding` (the gRPC spec forbids compressing otherwise);
 * - the base call's `stream`, to look that record up;
 * - the base call's `serializeMessage`, overridden on that one call so it passes through a frame we built.
 *
 * Qdrant's tonic server sends gzip the same way: per message, only to clients that accept it. Messages under
 * `minBytes` go out uncompressed (flag 0 under `grpc-encoding: gzip` is allowed), since deflating a 200-byte
 * search reply costs more CPU than the bytes it saves; connect-es, the official client's transport, uses the same
 * 1 KiB floor. Compression runs on libuv's thread pool (async zlib), not on the event loop.
 */
export interface GzipResponseOptions {
  /** Smallest serialized message worth compressing, bytes. */
  minBytes?: number;
}

interface BaseCall {
  stream: ServerHttp2Stream;
  serializeMessage(value: unknown): Buffer;
}

/** A message already serialized and framed: the override hands its bytes straight to grpc-js's writer. */
class Framed {
  constructor(readonly frame: Buffer) {}
}

export function gzipResponses(options: GzipResponseOptions = {}): {
  interceptor: ServerInterceptor;
  /** Call after `bindAsync` resolved: hooks the HTTP/2 servers grpc-js created to learn each client's encodings. */
  attach(server: Server): void;
} {
  const minBytes = options.minBytes ?? 1024;
  const acceptsGzip = new WeakSet<ServerHttp2Stream>();
  const watched = new WeakSet<Http2Server>();

  const onStream = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const accepted = headers['grpc-accept-encoding'];
    const list = Array.isArray(accepted) ? accepted.join(',') : accepted;
    if (list !== undefined && list.split(',').some((name) => name.trim() === 'gzip')) acceptsGzip.add(stream);
  };

  const interceptor: ServerInterceptor = (method, call) => {
    const base = findBase(call);
    if (base === undefined || !acceptsGzip.has(base.stream)) return new ServerInterceptingCall(call);
    const original = base.serializeMessage;
    base.serializeMessage = (value: unknown) => (value instanceof Framed ? value.frame : original.call(base, value));
    const responder = new ResponderBuilder()
      .withSendMetadata((metadata: Metadata, next: (m: Metadata) => void) => {
        // grpc-js spreads this over its default `grpc-encoding: identity`, so ours wins.
        metadata.set('grpc-encoding', 'gzip');
        next(metadata);
      })
      .withSendMessage((message: unknown, next: (m: unknown) => void) => {
        let bytes: Buffer;
        try {
          bytes = method.responseSerialize(message);
        } catch {
          next(message); // let grpc-js report its own serialization error
          return;
        }
        if (bytes.length < minBytes) {
          next(new Framed(frame(bytes, false)));
          return;
        }
        gzip(bytes, (error, zipped) => next(new Framed(error ? frame(bytes, false) : frame(zipped, true))));
      })
      .build();
    return new ServerInterceptingCall(call, responder);
  };

  return {
    interceptor,
    attach(server) {
      for (const http2 of boundHttp2Servers(server)) {
        if (watched.has(http2)) continue;
        watched.add(http2);
        http2.prependListener('stream', onStream);
      }
    },
  };
}

/**
 * The HTTP/2 servers grpc-js created in `bindAsync` (its private `http2Servers` map); none if a future grpc-js
 * renames it, and callers then simply lose their tuning.
 */
export function boundHttp2Servers(server: Server): Http2Server[] {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  return servers instanceof Map ? [...servers.keys()] : [];
}

/** The innermost call of the interceptor chain, if it still looks like grpc-js 1.14's BaseServerInterceptingCall. */
function findBase(call: ServerInterceptingCallInterface): BaseCall | undefined {
  let current: unknown = call;
  for (let depth = 0; depth < 16 && current !== null && typeof current === 'object'; depth++) {
    const candidate = current as Partial<BaseCall> & { nextCall?: unknown };
    if (typeof candidate.serializeMessage === 'function' && candidate.stream !== undefined) return candidate as BaseCall;
    current = candidate.nextCall;
  }
  return undefined;
}

/** gRPC's length-prefixed message: flag byte, big-endian uint32 length, bytes. */
export function frame(bytes: Buffer, compressed: boolean): Buffer {
  const out = Buffer.allocUnsafe(bytes.length + 5);
  out.writeUInt8(compressed ? 1 : 0, 0);
  out.writeUInt32BE(bytes.length, 1);
  bytes.copy(out, 5);
  return out;
}
