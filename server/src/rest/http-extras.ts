import { createGunzip, createInflate, gzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

/** Below this size compression costs more than it saves. */
export const MIN_COMPRESS_BYTES = 1024;

/**
 * Transport conveniences of Qdrant's HTTP server: CORS for browser apps (any origin, as Qdrant's default), gzip
 * responses when the client accepts them, and gzip/deflate-encoded request bodies.
 */
export function registerHttpExtras(app: FastifyInstance): void {
  // Hooks that run on every request are callback-style: an async hook costs a promise and a microtask turn each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('access-control-allow-origin', request.headers.origin ?? '*');
    reply.header('vary', 'origin');
    done();
  });
  app.options('*', async (request, reply) => {
    reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS')
      .header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? 'content-type, api-key, authorization')
      .header('access-control-max-age', '86400')
      .send();
  });

  app.addHook('preParsing', (request, _reply, payload, done) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== 'gzip' && encoding !== 'deflate') return done(null, payload);
    const decoded = payload.pipe(encoding === 'gzip' ? createGunzip() : createInflate()) as unknown as typeof payload & { receivedEncodedLength: number };
    // fastify compares Content-Length with the bytes received on the wire, not with the inflated size.
    decoded.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => (decoded.receivedEncodedLength += chunk.length));
    done(null, decoded);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    if (!acceptsGzip(request.headers['accept-encoding'])) return done(null, payload);
    if (reply.getHeader('content-encoding') !== undefined) return done(null, payload);
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
    if (Buffer.byteLength(payload) < MIN_COMPRESS_BYTES) return done(null, payload);
    reply.header('content-encoding', 'gzip');
    reply.removeHeader('content-length');
    gzip(payload, (error, zipped) => (error ? done(error) : done(null, zipped)));
  });
}

/** Whether a request's Accept-Encoding lets its answer be gzipped. */
export function acceptsGzip(accepted: string | undefined): boolean {
  // Most API clients send no Accept-Encoding; only they skip the checks after this one on every answer.
  return accepted !== undefined && /\bgzip\b/.test(accepted);
}
