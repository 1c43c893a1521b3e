import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
