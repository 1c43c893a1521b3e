import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { kMaxLength } from 'node:buffer';
import { gunzip, gzip, inflate } from 'node:zlib';
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { MethodDefinition, Server, ServiceDefinition, UntypedServiceImplementation, handleUnaryCall } from '@grpc/grpc-js';
import { boundHttp2Servers, frame } from './gzip-responses.js';

/**
 * Unary calls answered straight on node:http2 instead of through grpc-js's server call machinery. Per call grpc-js
 * builds an intercepting call (a Metadata copy of the headers, a stream decoder, an async decompress step and a
 * read queue), a Writable stream object for the handler, and for gzip-accepting clients a second intercepting
 * call with responder closures (gzip-responses.ts); under 16 clients that was most of the server's per-query CPU
 * outside the engine. This does the same protocol with one small object per call.
 *
 * Everything grpc-js decides on its own is said the same way (server/test/grpc-wire.test.ts pins it): response
 * headers `grpc-accept-encoding: identity,deflate,gzip` and `grpc-encoding` (gzip for clients that list it, see
 * gzip-responses.ts, else identity) sent before the message, `grpc-status: 0` / `grpc-message: OK` trailers, errors
 * trailers-only with their metadata, gzip/deflate request frames, size limits both ways, one message per call,
 * `grpc-timeout` deadlines. Handlers are grpc-js's own (call, callback) implementations and see the call object
 * they read from grpc-js (request, metadata, getDeadline, 'cancelled'); grpc-js keeps sessions (keepalive, idle and
 * age limits, shutdown), and every stream this does not own (unknown paths, other content types, streaming rpcs)
 * goes on to grpc-js's own listener.
 */
export interface UnaryFastPathOptions {
  /** Largest message accepted / sent, bytes; -1 means no limit, as in grpc-js's options. */
  maxReceiveBytes: number;
  maxSendBytes: number;
  /** Smallest serialized reply gzipped for clients that accept gzip (gzip-responses.ts's floor). */
  gzipMinBytes?: number;
}

interface Route {
  definition: MethodDefinition<unknown, unknown>;
  handler: handleUnaryCall<unknown, unknown>;
}

const RESPONSE_HEADERS = {
  ':status': 200,
  'content-type': 'application/grpc+proto',
  'grpc-accept-encoding': 'identity,deflate,gzip',
  'grpc-encoding': 'identity',
};
const GZIP_RESPONSE_HEADERS = { ...RESPONSE_HEADERS, 'grpc-encoding': 'gzip' };
const RESPONSE_OPTIONS = { waitForTrailers: true };
const DEADLINE_REGEX = /(\d{1,8})\s*([HMSmun])/;
const DEADLINE_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
/** The headers grpc-js keeps out of the metadata it hands to handlers. */
const TRANSPORT_HEADERS = ['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type'];

export class UnaryFastPath {
  private readonly routes = new Map<string, Route>();
  private readonly gzipMinBytes: number;

  constructor(readonly options: UnaryFastPathOptions) {
    this.gzipMinBytes = options.gzipMinBytes ?? 1024;
  }

  /** Takes over the service's unary rpcs; give grpc-js the same service too (it still answers the rest). */
  add(definition: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    for (const [name, method] of Object.entries(definition)) {
      const handler = implementation[name];
      if (method.requestStream || method.responseStream || typeof handler !== 'function') continue;
      this.routes.set(method.path, { definition: method as MethodDefinition<unknown, unknown>, handler: handler as handleUnaryCall<unknown, unknown> });
    }
  }

  /**
   * Call after `bindAsync` resolved (and after any other 'stream' listener was added): puts one dispatcher in front
   * of the HTTP/2 servers' 'stream' listeners, which still see every stream this does not answer.
   */
  attach(server: Server): void {
    const opened = (server as unknown as { onStreamOpened?: (stream: ServerHttp2Stream) => void }).onStreamOpened;
    for (const http2 of boundHttp2Servers(server)) {
      const others = http2.listeners('stream') as ((...args: unknown[]) => void)[];
      http2.removeAllListeners('stream');
      http2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, ...rest: unknown[]) => {
        const path = headers[':path'];
        const route = path === undefined ? undefined : this.routes.get(path);
        const contentType = headers['content-type'];
        if (route === undefined || typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
          for (const listener of others) listener.call(http2, stream, headers, ...rest);
          return;
        }
        // Each of these events fires at most once per stream: `on` spares `once`'s wrapper and removal.
        stream.on('error', ignore);
        // grpc-js's idle-timeout bookkeeping counts open streams per session.
        opened?.call(server, stream);
        new FastCall(this, route, stream, headers);
      });
    }
  }

  /** @internal */
  gzipFloor(): number {
    return this.gzipMinBytes;
  }
}

function ignore(): void {}

/**
 * What a handler sees as its call, shaped like grpc-js's ServerUnaryCall: `metadata` is built on first read (only
 * keyed servers read it), 'cancelled' fires when the client goes away before the answer.
 */
class CallView extends EventEmitter {
  cancelled = false;
  private meta: Metadata | undefined;

  constructor(
    readonly request: unknown,
    private readonly owner: FastCall,
  ) {
    super();
  }

  get metadata(): Metadata {
    return (this.meta ??= requestMetadata(this.owner.headers));
  }

  getDeadline(): number {
    return this.owner.deadline;
  }

  getPath(): string {
    return this.owner.route.definition.path;
  }

  getHost(): string | undefined {
    return this.owner.headers[':authority'] ?? this.owner.headers.host;
  }

  getPeer(): string {
    const socket = this.owner.stream.session?.socket;
    if (!socket?.remoteAddress) return 'unknown';
    return socket.remotePort ? `${socket.remoteAddress}:${socket.remotePort}` : socket.remoteAddress;
  }

  sendMetadata(metadata: Metadata): void {
    this.owner.sendHeaders(metadata);
  }
}

interface GrpcStatus {
  code: number;
  details: string;
  metadata?: Metadata | null;
}

class FastCall {
  deadline = Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** The status went out (or the stream is gone): nothing more is written. */
  private done = false;
  private headersSent = false;
  private readonly gzipReplies: boolean;
  private view: CallView | undefined;
  /** The handler called back: no need to tell it the call ended. */
  private answered = false;
  // Frame reading: the 5-byte prefix, then `expected` body bytes gathered in `parts`.
  private prefix: Buffer | undefined;
  private expected = -1;
  private parts: Buffer[] = [];
  private gathered = 0;
  private message: Buffer | undefined;
  private flag = 0;

  constructor(
    private readonly owner: UnaryFastPath,
    readonly route: Route,
    readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
  ) {
    this.gzipReplies = listsGzip(headers['grpc-accept-encoding']);
    stream.on('close', () => this.onClose());
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => this.onEnd());
    const timeout = headers['grpc-timeout'];
    if (timeout !== undefined) this.startDeadline(String(timeout));
  }

  private startDeadline(value: string): void {
    const match = DEADLINE_REGEX.exec(value);
    if (match === null) {
      process.nextTick(() => this.sendStatus({ code: Status.INTERNAL, details: `Invalid grpc-timeout value "${value}"` }));
      return;
    }
    const ms = (Number(match[1]) * DEADLINE_UNIT_MS[match[2]!]!) | 0;
    this.deadline = Date.now() + ms;
    this.timer = setTimeout(() => this.sendStatus({ code: Status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }), ms);
  }

  private onData(chunk: Buffer): void {
    if (this.isDone()) return;
    let at = 0;
    while (at < chunk.length && !this.done) {
      if (this.expected < 0) {
        // Most prefixes arrive whole; a split one is gathered byte by byte.
        if (this.prefix === undefined && chunk.length - at >= 5) {
          this.flag = chunk[at]!;
          this.expected = chunk.readUInt32BE(at + 1);
          at += 5;
        } else {
          this.prefix ??= Buffer.alloc(0);
          const take = Math.min(5 - this.prefix.length, chunk.length - at);
          this.prefix = Buffer.concat([this.prefix, chunk.subarray(at, at + take)]);
          at += take;
          if (this.prefix.length < 5) return;
          this.flag = this.prefix[0]!;
          this.expected = this.prefix.readUInt32BE(1);
          this.prefix = undefined;
        }
        const max = this.owner.options.maxReceiveBytes;
        if (max !== -1 && this.expected > max) {
          this.sendStatus({ code: Status.RESOURCE_EXHAUSTED, details: `Received message larger than max (${this.expected} vs ${this.owner.options.maxReceiveBytes})` });
          return;
        }
      }
      const take = Math.min(this.expected - this.gathered, chunk.length - at);
      if (take > 0) this.parts.push(chunk.subarray(at, at + take));
      this.gathered += take;
      at += take;
      if (this.gathered === this.expected) this.onMessage(this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.gathered));
    }
  }

  private onMessage(body: Buffer): void {
    this.expected = -1;
    this.parts = [];
    this.gathered = 0;
    if (this.message !== undefined) {
      this.sendStatus({ code: Status.UNIMPLEMENTED, details: `Received a second request message for server streaming method ${this.route.definition.path}` });
      return;
    }
    this.message = body;
  }

  private onEnd(): void {
    if (this.isDone()) return;
    const body = this.message;
    if (body === undefined) {
      this.sendStatus({ code: Status.UNIMPLEMENTED, details: `Received no request message for server streaming method ${this.route.definition.path}` });
      return;
    }
    // As grpc-js: only flag 1 means compressed, and then by the request's grpc-encoding (identity passes as is).
    const encoding = this.flag === 1 ? String(this.headers['grpc-encoding'] ?? 'identity') : 'identity';
    if (encoding === 'identity') {
      this.run(body);
      return;
    }
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      this.sendStatus({ code: Status.UNIMPLEMENTED, details: `Received message compressed with unsupported encoding "${encoding}"` });
      return;
    }
    const max = this.owner.options.maxReceiveBytes;
    (encoding === 'gzip' ? gunzip : inflate)(body, { maxOutputLength: max === -1 ? kMaxLength : Math.max(1, max) }, (error, inflated) => {
      if (error === null) this.run(inflated);
      else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        this.sendStatus({ code: Status.RESOURCE_EXHAUSTED, details: `Received message that decompresses to a size larger than ${max}` });
      } else this.sendStatus({ code: Status.INTERNAL, details: 'Failed to decompress message' });
    });
  }

  private run(bytes: Buffer): void {
    if (this.isDone()) return;
    let request: unknown;
    try {
      request = this.route.definition.requestDeserialize(bytes);
    } catch {
      this.sendStatus({ code: Status.INTERNAL, details: 'Error deserializing request' });
      return;
    }
    const view = (this.view = new CallView(request, this));
    try {
      this.route.handler(view as never, (error, value, trailer) => {
        this.answered = true;
        if (error) this.sendStatus(statusOfError(error, trailer));
        else this.sendMessage(value);
      });
    } catch {
      this.sendStatus({ code: Status.UNKNOWN, details: 'Unknown error' });
    }
  }

  /** Response headers, once; grpc-js sends them before serializing the reply, so a later failure is a trailer. */
  sendHeaders(metadata?: Metadata): void {
    if (this.headersSent || this.isDone()) return;
    this.headersSent = true;
    const base = this.gzipReplies ? GZIP_RESPONSE_HEADERS : RESPONSE_HEADERS;
    const custom = metadata?.toHttp2Headers();
    // gzip-responses.ts sets its grpc-encoding over the handler's metadata; grpc-js lets the metadata win otherwise.
    const headers = custom === undefined ? base : this.gzipReplies ? { ...RESPONSE_HEADERS, ...custom, 'grpc-encoding': 'gzip' } : { ...RESPONSE_HEADERS, ...custom };
    this.stream.respond(headers, RESPONSE_OPTIONS);
  }

  private sendMessage(value: unknown): void {
    if (this.isDone()) return;
    this.sendHeaders();
    let bytes: Buffer;
    try {
      bytes = this.route.definition.responseSerialize(value);
    } catch {
      this.sendStatus({ code: Status.INTERNAL, details: 'Error serializing response' });
      return;
    }
    if (!this.gzipReplies || bytes.length < this.owner.gzipFloor()) {
      this.sendFrame(frame(bytes, false));
      return;
    }
    gzip(bytes, (error, zipped) => this.sendFrame(error ? frame(bytes, false) : frame(zipped, true)));
  }

  private sendFrame(framed: Buffer): void {
    if (this.isDone()) return;
    const max = this.owner.options.maxSendBytes;
    if (max !== -1 && framed.length - 5 > max) {
      this.sendStatus({ code: Status.RESOURCE_EXHAUSTED, details: `Sent message larger than max (${framed.length} vs. ${max})` });
      return;
    }
    // The message and the end of the stream in one write; the OK status follows as trailers. (grpc-js writes, then
    // ends from the write's callback: the same frames, one more turn. A failed write destroys the stream, so the
    // INTERNAL status grpc-js would then try to send could not arrive either.)
    this.finish();
    this.stream.on('wantTrailers', () => this.stream.sendTrailers({ 'grpc-status': Status.OK, 'grpc-message': 'OK' }));
    this.stream.end(framed);
  }

  private sendStatus(status: GrpcStatus): void {
    if (this.isDone()) return;
    this.finish();
    const extra = status.metadata?.toHttp2Headers();
    const message = encodeURI(status.details);
    if (this.headersSent) {
      this.stream.on('wantTrailers', () => this.stream.sendTrailers({ 'grpc-status': status.code, 'grpc-message': message, ...extra }));
      this.stream.end();
    } else {
      // Trailers-only: the status rides on the response headers.
      this.stream.respond({ 'grpc-status': status.code, 'grpc-message': message, ':status': 200, 'content-type': 'application/grpc+proto', ...extra }, { endStream: true });
    }
  }

  /**
   * Nothing more goes out. A handler still running is told its call ended ('cancelled'), as grpc-js tells it on
   * every ending: that is how a handler learns a deadline or a disconnect ended its call (unary.ts aborts then).
   */
  private finish(): void {
    this.done = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const view = this.view;
    if (view !== undefined && !this.answered) {
      view.cancelled = true;
      view.emit('cancelled', 'cancelled');
    }
  }

  /** As grpc-js's checkCancelled: a stream destroyed before its close event counts as gone. */
  private isDone(): boolean {
    if (!this.done && (this.stream.destroyed || this.stream.closed)) this.onClose();
    return this.done;
  }

  private onClose(): void {
    if (!this.done) this.finish();
  }
}

/** grpc-js's serverErrorToStatus: a numeric `code` keeps its `details`, anything else is UNKNOWN with its message. */
function statusOfError(error: object, trailer?: Metadata): GrpcStatus {
  const e = error as { code?: unknown; details?: unknown; message?: unknown; metadata?: Metadata };
  const status: GrpcStatus = {
    code: Status.UNKNOWN,
    details: 'message' in e ? String(e.message) : 'Unknown Error',
    metadata: trailer ?? e.metadata ?? null,
  };
  if (typeof e.code === 'number' && Number.isInteger(e.code)) {
    status.code = e.code;
    if (typeof e.details === 'string') status.details = e.details;
  }
  return status;
}

function requestMetadata(headers: IncomingHttpHeaders): Metadata {
  const metadata = Metadata.fromHttp2Headers(headers);
  for (const key of TRANSPORT_HEADERS) metadata.remove(key);
  return metadata;
}

// A client sends the same grpc-accept-encoding on every call: the last verdict is kept for the next.
let lastAccepted: string | undefined;
let lastListsGzip = false;

function listsGzip(accepted: string | string[] | undefined): boolean {
  if (accepted === undefined) return false;
  const list = Array.isArray(accepted) ? accepted.join(',') : accepted;
  if (list !== lastAccepted) {
    lastListsGzip = list.split(',').some((name) => name.trim() === 'gzip');
    lastAccepted = list;
  }
  return lastListsGzip;
}
