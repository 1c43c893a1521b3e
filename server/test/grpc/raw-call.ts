import { connect } from 'node:http2';
import { gzipSync } from 'node:zlib';

export interface RawReply {
  status: number | undefined;
  message: string | undefined;
  body: Buffer;
}

/**
 * One unary gRPC call over plain HTTP/2, framing the bytes by hand: lets a test send what no well-behaved client
 * sends (garbage, compressed frames, tiny deadlines) and see exactly what comes back.
 */
export async function rawCall(
  port: number,
  path: string,
  payload: Uint8Array,
  options: { gzip?: boolean; headers?: Record<string, string> } = {},
): Promise<RawReply> {
  const body = options.gzip ? gzipSync(payload) : Buffer.from(payload);
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt8(options.gzip ? 1 : 0, 0);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  const session = connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<RawReply>((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...(options.gzip ? { 'grpc-encoding': 'gzip' } : {}),
        ...options.headers,
      });
      const chunks: Buffer[] = [];
      let headerStatus: number | undefined;
      let headerMessage: string | undefined;
      stream.on('response', (headers) => {
        // A trailers-only response carries the status in the headers.
        if (headers['grpc-status'] !== undefined) headerStatus = Number(headers['grpc-status']);
        if (headers['grpc-message'] !== undefined) headerMessage = decodeURIComponent(String(headers['grpc-message']));
      });
      stream.on('trailers', (trailers) => {
        headerStatus = Number(trailers['grpc-status']);
        if (trailers['grpc-message'] !== undefined) headerMessage = decodeURIComponent(String(trailers['grpc-message']));
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ status: headerStatus, message: headerMessage, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      stream.end(frame);
    });
  } finally {
    session.close();
  }
}
