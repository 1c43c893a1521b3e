import { createServer, type Server } from 'node:http';
import { connect, createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { fromBinary } from '@bufbuild/protobuf';
import { QueryPointsSchema } from '@sextant/proto';

/**
 * The floor of REST on this machine: a bare node:http server that does the least any JSON API must for a query
 * (read the body, JSON.parse it, write a fixed answer of the real answer's bytes) and nothing else: no framework, no
 * validation, no search. Loaded by the same generator as the real server, its q/s is the most any Node REST server
 * answers on these cores with that generator beside it, so the REST row's overhead can be read against what the
 * HTTP stack alone leaves (bench row `http-floor`).
 */
export async function startHttpFloor(answer: string): Promise<{ port: number; answered(): number; close(): Promise<void> }> {
  const bytes = Buffer.from(answer);
  const headers = { 'content-type': 'application/json', 'content-length': String(bytes.length) };
  let answered = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      answered++;
      res.writeHead(200, headers).end(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    answered: () => answered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The same floor for gRPC: a bare node:http2 server that reads each unary call's frame, decodes the request message
 * (`fromBinary` of qdrant.QueryPoints) and answers a fixed frame of the real server's answer with grpc-status 0:
 * HTTP/2 framing, headers and trailers only, no grpc-js, no conversion, no search (bench row `grpc-floor`, loaded
 * like `grpc-raw`).
 */
export async function startGrpcFloor(answerFrame: Uint8Array): Promise<{ port: number; answered(): number; close(): Promise<void> }> {
  let answered = 0;
  const server: Http2Server = createHttp2Server();
  server.on('stream', (stream) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const frame = Buffer.concat(chunks);
      try {
        fromBinary(QueryPointsSchema, frame.subarray(5, 5 + frame.readUInt32BE(1)));
      } catch {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '3' }, { endStream: true });
        return;
      }
      answered++;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(answerFrame);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    answered: () => answered,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One unary Points/Query call over node:http2, uncompressed: the real server's answer frame (5-byte prefix included). */
export async function grpcAnswerFrame(port: number, request: Uint8Array): Promise<Buffer> {
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': '/qdrant.Points/Query', 'content-type': 'application/grpc', te: 'trailers' });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      stream.on('response', (h) => (status = h['grpc-status'] as string | undefined));
      stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => (status === '0' ? resolve(Buffer.concat(chunks)) : reject(new Error(`grpc-status ${status}`))));
      stream.on('error', reject);
      const frame = Buffer.alloc(5 + request.length);
      frame.writeUInt32BE(request.length, 1);
      frame.set(request, 5);
      stream.end(frame);
    });
  } finally {
    session.close();
  }
}
