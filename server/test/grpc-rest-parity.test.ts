import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { QdrantClient as RestClient } from '@qdrant/js-client-rest';
import { Distance } from '@sextant/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../src/server.js';
import type { RunningServer } from '../src/server.js';
import { seededPoints } from './grpc/fixture.js';
import { idOf } from './grpc/ids.js';

// The whole server as `npm start` runs it: REST and gRPC over one engine, each driven by its official client.
describe('gRPC and REST on one server', () => {
  let dir: string;
  let server: RunningServer;
  let grpc: GrpcClient;
  let rest: RestClient;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sextant-grpc-'));
    server = await startServer({
      host: '127.0.0.1',
      httpPort: 0,
      grpcPort: 0,
      storagePath: join(dir, 'storage'),
      snapshotsPath: join(dir, 'snapshots'),
      apiKey: 'k',
      readOnlyApiKey: undefined,
    });
    grpc = new GrpcClient({ host: '127.0.0.1', port: server.grpcPort, apiKey: 'k', https: false, checkCompatibility: false });
    rest = new RestClient({ host: '127.0.0.1', port: server.httpPort, apiKey: 'k', https: false, checkCompatibility: false });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes through gRPC are read back identically through REST, and the reverse', async () => {
    await grpc.api('collections').create({
      collectionName: 'both',
      vectorsConfig: { config: { case: 'paramsMap', value: { map: { v: { size: 4n, distance: Distance.Cosine } } } } },
      sparseVectorsConfig: { map: { sp: {} } },
    });
    await rest.upsert('both', { wait: true, points: seededPoints(30) });

    const viaRest = await rest.query('both', { query: [0.1, 0.2, 0.3, 0.4], using: 'v', limit: 5, with_payload: true });
    const viaGrpc = await grpc.api('points').query({
      collectionName: 'both',
      query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: [0.1, 0.2, 0.3, 0.4] } } } } },
      using: 'v',
      limit: 5n,
      withPayload: { selectorOptions: { case: 'enable', value: true } },
    });
    expect(viaGrpc.result.map((p) => [idOf(p.id), p.score.toFixed(5), p.payload['city']?.kind.value])).toEqual(
      viaRest.points.map((p) => [p.id, p.score.toFixed(5), (p.payload as Record<string, unknown>)['city']]),
    );

    const grpcCount = await grpc.api('points').count({ collectionName: 'both', exact: true });
    expect(Number(grpcCount.result?.count)).toBe((await rest.count('both', { exact: true })).count);
    const info = await rest.getCollection('both');
    expect(info.config.params.sparse_vectors).toHaveProperty('sp');
  });
});
