import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { BackPressureGate } from './back-pressure.js';
import { secondsSince, toHttpError } from './envelope.js';
import { MIN_COMPRESS_BYTES, acceptsGzip } from './http-extras.js';
import type { EndpointStats, Metrics } from './metrics.js';

/**
 * POST /collections/{name}/points/query and /points/search answered on node:http, beside fastify rather than
 * through it. Under 16 clients the REST server is limited by its main thread, and per query fastify's request and
 * reply objects, hook chains, router, body stream and serializer cost more main-thread time than planning the
 * query does. A request takes this path only when it is the plain case whose answer fastify's path is known to give
 * here (the same handler, validation, envelope, headers, metrics and back-pressure slot); anything else goes on to
 * fastify untouched, before a byte of its body is read:
 * - exactly `POST /collections/<name>/points/query` (or `/search`), a name of letters, digits, `_` and `-`, no query
 *   string;
 * - `content-type: application/json` exactly, a `content-length` between 1 and the body limit, no content or
 *   transfer encoding;
 * - an open server (no keys: authentication stays in fastify's onRequest hook), no logger, not closing, and a
 *   free back-pressure slot (a full server's 429 is fastify's).
 * server/test/rest-direct-queries.test.ts compares both paths byte for byte.
 */
export interface DirectRoute {
  /** What follows the collection name in the URL. */
  suffix: string;
  /** The route as metrics name it (`/collections/{name}/points/query`): both paths count into the same counters. */
  pattern: string;
  /** Those counters, taken at the first answer (an endpoint is listed from its first response on). */
  stats?: EndpointStats;
  /** The body as fastify's content-type parser reads it; throws what that parser fails with. */
  read(body: Buffer): unknown;
  /**
   * The route's answer (the envelope's `result`) for the read body, as the route's handler in app.ts gives it (path
   * and body checks, handler); may throw or reject with what fastify's path would hand its error handler.
   */
  answer(collection: string, body: unknown): Promise<unknown>;
}

export interface DirectQueryOptions {
  routes: DirectRoute[];
  gate: BackPressureGate;
  metrics: Metrics;
  bodyLimit: number;
}

const PREFIX = '/collections/';
const NAME = /^[A-Za-z0-9_-]+$/;
/** fastify's content-type for a serialized object. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Puts the direct path in front of fastify's own listener on `app.server` (plain HTTP `listen`; the TLS server of
 * server.ts hands every request to `app.routing`, so it keeps fastify's path). Call before the app listens.
 */
export function serveQueriesDirectly(app: FastifyInstance, options: DirectQueryOptions): DirectQueries {
  const counts: DirectQueries = { served: 0 };
  const server = app.server;
  const others = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  if (others.length !== 1) return counts; // not the server fastify made: leave it alone
  const routing = others[0]!;
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!closing && direct(req, res, options)) counts.served++;
    else routing.call(server, req, res);
  });
  return counts;
}

/** Requests the direct path took (tests check that it did). */
export interface DirectQueries {
  served: number;
}

/** Takes the request if it is a plain query (see above) and answers it; false: fastify's, untouched. */
function direct(req: IncomingMessage, res: ServerResponse, options: DirectQueryOptions): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url!;
  if (!url.startsWith(PREFIX)) return false;
  const slash = url.indexOf('/', PREFIX.length);
  if (slash < 0) return false;
  const suffix = url.slice(slash);
  let route: DirectRoute | undefined;
  for (const r of options.routes) if (r.suffix === suffix) route = r;
  if (route === undefined) return false;
  const headers = req.headers;
  if (headers['content-type'] !== 'application/json' || headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
  const length = Number(headers['content-length']);
  if (!(length >= 1 && length <= options.bodyLimit)) return false;
  const name = url.slice(PREFIX.length, slash);
  if (!NAME.test(name)) return false;
  const gate = options.gate;
  if (gate.inFlight >= gate.max) return false;

  const started = performance.now();
  gate.inFlight++;
  const metrics = options.metrics;
  const counted = route;
  // One listener ends the request's life either way: the slot is freed, and an answer that went out is counted
  // (fastify's onResponse and onRequestAbort hooks, which an aborted request reaches only the second of).
  res.once('close', () => {
    gate.inFlight--;
    if (res.writableFinished) metrics.recordTo((counted.stats ??= metrics.endpoint('POST', counted.pattern)), res.statusCode, (performance.now() - started) / 1000);
  });
  const origin = headers.origin ?? '*';
  const gzipOk = acceptsGzip(headers['accept-encoding']);
  // A body fastify's parser refuses also closes the connection (the client may still be sending).
  const fail = (error: unknown, close = false) => {
    const { status, message } = toHttpError(error);
    send(res, status, JSON.stringify({ status: { error: message }, time: secondsSince(started) }), origin, gzipOk, close);
  };
  const answering = route;
  const parts: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    parts.push(chunk);
    size += chunk.length;
  });
  req.on('end', () => {
    if (res.destroyed) return;
    let body: unknown;
    try {
      body = answering.read(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    } catch (error) {
      fail(error, true);
      return;
    }
    let pending: Promise<unknown>;
    try {
      pending = answering.answer(name, body);
    } catch (error) {
      fail(error);
      return;
    }
    pending.then((result) => {
      if (res.destroyed) return;
      const payload = `{"result":${JSON.stringify(result === undefined ? null : result)},"status":"ok","time":${JSON.stringify(secondsSince(started))}}`;
      send(res, 200, payload, origin, gzipOk);
    }, fail);
  });
  return true;
}

/** The answer with the headers fastify's path sends, in its order; gzipped as http-extras.ts does it. */
function send(res: ServerResponse, status: number, payload: string, origin: string, gzipOk: boolean, close = false): void {
  if (res.headersSent || res.destroyed) return;
  if (!gzipOk || Buffer.byteLength(payload) < MIN_COMPRESS_BYTES) {
    const length = String(Buffer.byteLength(payload));
    res.writeHead(
      status,
      close
        ? { 'access-control-allow-origin': origin, vary: 'origin', connection: 'close', 'content-type': JSON_TYPE, 'content-length': length }
        : { 'access-control-allow-origin': origin, vary: 'origin', 'content-type': JSON_TYPE, 'content-length': length },
    );
    res.end(payload);
    return;
  }

  gzip(payload, (error, zipped) => {
    if (res.headersSent || res.destroyed) return;
    if (error) {
      res.destroy(error);
      return;
    }
    const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'origin' };
    if (close) headers['connection'] = 'close';
    headers['content-type'] = JSON_TYPE;
    headers['content-encoding'] = 'gzip';
    headers['content-length'] = String(zipped.length);
    res.writeHead(status, headers);
    res.end(zipped);
  });
}
