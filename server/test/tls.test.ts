import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let dir: string;

/** A self-signed certificate for localhost and 127.0.0.1, made fresh for this run (P-256: quick to generate). */
async function selfSigned(name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert,
  ]);
  return { cert, key };
}

/**
 * Runs `script` (an ES module using the official clients) in a fresh node with `env`; NODE_EXTRA_CA_CERTS only takes
 * effect at process start, which is why the clients run in a child and not in the test's own process.
 */
function runClients(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sextant-tls-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TLS with the official clients', () => {
  let server: RunningServer;
  let certFile: string;

  beforeAll(async () => {
    const { cert, key } = await selfSigned('server');
    certFile = cert;
    const { config } = loadConfig({
      env: {},
      configPath: false,
      flags: { host: '127.0.0.1', 'http-port': '0', 'grpc-port': '0', storage: join(dir, 'storage'), snapshots: join(dir, 'snapshots'), 'api-key': 'secret', 'tls-cert': cert, 'tls-key': key },
    });
    server = await startServer(config);
  }, 30_000);
  afterAll(async () => {
    await server?.close();
  });

  it('REST (https) and gRPC (TLS) work when the client trusts the certificate', async () => {
    expect(server.tls).toBe(true);
    const script = `
      import { QdrantClient } from '@qdrant/js-client-rest';
      import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
      const rest = new QdrantClient({ url: 'https://localhost:${server.httpPort}', apiKey: 'secret' });
      await rest.createCollection('secure', { vectors: { size: 3, distance: 'Euclid' } });
      await rest.upsert('secure', { wait: true, points: [1, 2, 3, 4].map((id) => ({ id, vector: [id, 0, 0], payload: { id } })) });
      const hits = await rest.query('secure', { query: [2.2, 0, 0], limit: 2 });
      const grpc = new GrpcClient({ host: 'localhost', port: ${server.grpcPort}, https: true, apiKey: 'secret', checkCompatibility: false });
      const counted = await grpc.api('points').count({ collectionName: 'secure', exact: true });
      console.log(JSON.stringify({ ids: hits.points.map((p) => p.id), count: Number(counted.result.count) }));
    `;
    const trusted = await runClients(script, { NODE_EXTRA_CA_CERTS: certFile });
    expect(trusted.stderr).toBe('');
    expect(JSON.parse(trusted.stdout)).toEqual({ ids: [2, 3], count: 4 });
    expect((await server.client.count('secure', { exact: true })).count).toBe(4);
  }, 30_000);

  it('a client that does not trust the certificate is refused, over REST and over gRPC', async () => {
    const rest = await runClients(
      `import { QdrantClient } from '@qdrant/js-client-rest';
       await new QdrantClient({ url: 'https://localhost:${server.httpPort}', apiKey: 'secret' }).getCollections();`,
      {},
    );
    expect(rest.code).not.toBe(0);
    expect(rest.stderr).toMatch(/self[- ]signed certificate/i);
    const grpc = await runClients(
      `import { QdrantClient } from '@qdrant/js-client-grpc';
       await new QdrantClient({ host: 'localhost', port: ${server.grpcPort}, https: true, apiKey: 'secret', checkCompatibility: false }).api('collections').list({});`,
      {},
    );
    expect(grpc.code).not.toBe(0);
    expect(grpc.stderr).toMatch(/self[- ]signed certificate/i);
  }, 30_000);

  it('plain http on the REST port gets no answer from the API', async () => {
    const attempt = await fetch(`http://127.0.0.1:${server.httpPort}/collections`, { headers: { 'api-key': 'secret' } }).then(
      (response) => response.status,
      (error: unknown) => error as Error,
    );
    // Node's TLS server answers a plaintext request with a bare 400 or drops it; either way no collection list.
    if (typeof attempt === 'number') expect(attempt).toBe(400);
    else expect(attempt).toBeInstanceOf(Error);
  });
});

describe('client certificates (service.verify_https_client_certificate)', () => {
  it('REST and gRPC refuse a client without a certificate signed by tls.ca_cert and serve one with it', async () => {
    const serverPair = await selfSigned('verify-server');
    const clientPair = await selfSigned('client');
    const { config } = loadConfig({
      env: {
        SEXTANT__SERVICE__ENABLE_TLS: 'true',
        SEXTANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true',
        SEXTANT__TLS__CERT: serverPair.cert,
        SEXTANT__TLS__KEY: serverPair.key,
        // The client's self-signed certificate is its own authority.
        SEXTANT__TLS__CA_CERT: clientPair.cert,
      },
      configPath: false,
      flags: { host: '127.0.0.1', 'http-port': '0', 'grpc-port': '0', storage: join(dir, 'verify-storage') },
    });
    const server = await startServer(config);
    try {
      const ca = await readFile(serverPair.cert);
      const get = (options: { cert?: Buffer; key?: Buffer }) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', servername: 'localhost', port: server.httpPort, path: '/collections', ca, ...options }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.once('error', reject);
          req.end();
        });
      await expect(get({})).rejects.toThrow();
      expect(await get({ cert: await readFile(clientPair.cert), key: await readFile(clientPair.key) })).toBe(200);

      // gRPC: the standard health check; an empty HealthCheckRequest is zero bytes, SERVING answers field 1 = 1.
      const check = (channel: ReturnType<typeof credentials.createSsl>) =>
        new Promise<Buffer>((resolve, reject) => {
          const client = new Client(`localhost:${server.grpcPort}`, channel);
          client.makeUnaryRequest('/grpc.health.v1.Health/Check', () => Buffer.alloc(0), (bytes: Buffer) => bytes, {}, { deadline: Date.now() + 5_000 }, (error, answer) => {
            client.close();
            if (error) reject(error);
            else resolve(answer!);
          });
        });
      await expect(check(credentials.createSsl(ca))).rejects.toThrow();
      const serving = await check(credentials.createSsl(ca, await readFile(clientPair.key), await readFile(clientPair.cert)));
      expect([...serving]).toEqual([0x08, 0x01]);
    } finally {
      await server.close();
    }
  }, 30_000);
});
