import { promisify } from 'node:util';
import { createGunzip, createInflate, gzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

const gzipAsync = promisify(gzip);
/** Below this size compression costs more than it saves. */
const MIN_COMPRESS_BYTES = 1024;

/**
 * Transport conveniences of Qdrant's HTTP server: CORS for browser apps (any origin, as Qdrant's default), gzip
 * responses when the client accepts them, and gzip/deflate-encoded request bodies.
 */
export function registerHttpExtras(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('access-control-allow-origin', request.headers.origin ?? '*');
    reply.header('vary', 'origin');
  });
  app.options('*', async (request, reply) => {
    reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS')
      .header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? 'content-type, api-key, authorization')
      .header('access-control-max-age', '86400')
      .send();
  });

  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== 'gzip' && encoding !== 'deflate') return payload;
    const decoded = payload.pipe(encoding === 'gzip' ? createGunzip() : createInflate()) as unknown as typeof payload & { receivedEncodedLength: number };
    // fastify compares Content-Length with the bytes received on the wire, not with the inflated size.
    decoded.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => (decoded.receivedEncodedLength += chunk.length));
    return decoded;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.getHeader('content-encoding') !== undefined) return payload;
    if (!/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    if (Buffer.byteLength(payload) < MIN_COMPRESS_BYTES) return payload;
    reply.header('content-encoding', 'gzip');
    reply.removeHeader('content-length');
    return gzipAsync(payload);
  });
}
