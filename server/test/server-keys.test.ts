import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { QdrantClient as RestClient } from '@qdrant/js-client-rest';
import { expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../src/config.js';
import { signJwt } from '../src/security/jwt.js';
import { startServer } from '../src/server.js';

// The whole server as `npm start` builds it: one key setting must mean the same on both ports.
it('applies SEXTANT_JWT_RBAC keys alike over REST and gRPC when started as a whole', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sextant-keys-'));
  const server = await startServer({
    ...DEFAULT_CONFIG,
    host: '127.0.0.1',
    httpPort: 0,
    grpcPort: 0,
    storagePath: join(dir, 'storage'),
    snapshotsPath: join(dir, 'snapshots'),
    apiKey: 'secret',
    jwtRbac: true,
  });
  try {
    await server.client.createCollection('docs', { vectors: { size: 2, distance: 'Dot' } });
    const reader = signJwt({ exp: Math.floor(Date.now() / 1000) + 600, access: 'r' }, 'secret');
    const rest = new RestClient({ url: `http://127.0.0.1:${server.httpPort}`, apiKey: reader, checkCompatibility: false });
    const grpc = new GrpcClient({ host: '127.0.0.1', port: server.grpcPort!, apiKey: reader, https: false, checkCompatibility: false });
    // 1. A read-only token reads over both ports.
    expect((await rest.getCollections()).collections.map((c) => c.name)).toEqual(['docs']);
    expect((await grpc.api('collections').list({})).collections.map((c) => c.name)).toEqual(['docs']);
    // 2. And writes over neither.
    await expect(rest.upsert('docs', { points: [{ id: 1, vector: [1, 0] }] })).rejects.toMatchObject({ status: 403 });
    await expect(grpc.api('collections').delete({ collectionName: 'docs' })).rejects.toThrow(/PERMISSION_DENIED|permission/i);
    expect((await server.client.collectionExists('docs')).exists).toBe(true);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
