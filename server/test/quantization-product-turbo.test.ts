import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { seededRandom, type EmbeddedClient } from '@sextant/core';
import { CompressionRatio, Distance, TurboQuantBitSize } from '@sextant/proto';
import { buildRestApp } from '../src/rest/app.js';
import { startGrpcServer, type RunningGrpcServer } from '../src/grpc/server.js';
import { openDatabase } from '../src/open-database.js';

// Product and turbo quantization through the official clients on a real server over files: configs round-trip on
// REST and gRPC, quantized searches find what brute force finds, and a restart on the same folder answers the same.
const DIM = 32;
const N = 2000;
const random = seededRandom(8);
const centres = Array.from({ length: 12 }, () => Array.from({ length: DIM }, () => random() * 2 - 1));
const vectors = Array.from({ length: N + 20 }, (_, i) => centres[i % 12]!.map((c) => c + (random() - 0.5) * 0.6));
const queries = vectors.splice(N, 20);

function bruteForce(query: number[], k: number): number[] {
  const cos = (a: number[], b: number[]) => {
    let d = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < DIM; i++) {
      d += a[i]! * b[i]!;
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
    }
    return d / Math.sqrt(na * nb);
  };
  return vectors.map((v, id) => [id, cos(query, v)] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k).map(([id]) => id);
}

describe('product and turbo quantization through the official clients', () => {
  let dir: string;
  let db: EmbeddedClient;
  let app: FastifyInstance;
  let grpcServer: RunningGrpcServer;
  let client: QdrantClient;
  let grpc: GrpcClient;

  const start = async () => {
    db = await openDatabase({ path: dir });
    app = await buildRestApp({ client: db });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    client = new QdrantClient({ url, checkCompatibility: false });
    grpcServer = await startGrpcServer({ client: db, port: 0, host: '127.0.0.1' });
    grpc = new GrpcClient({ host: '127.0.0.1', port: grpcServer.port, https: false, checkCompatibility: false });
  };
  const stop = async () => {
    await app.close();
    await grpcServer.close();
    await db.close();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sextant-pq-tq-'));
    await start();
  });
  afterAll(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  const configs = {
    pq: { product: { compression: 'x8', always_ram: true } },
    tq: { turbo: { bits: 'bits2', memory: 'pinned' } },
    tq4: { turbo: {} },
  } as const;
  // 2 bits a dimension at 32 dims estimates tight clusters' cosines loosely: 8 candidates per result to rescore.
  const oversampling: Record<string, number> = { pq: 4, tq: 8, tq4: 4 };

  const answers = async () => {
    const out: Record<string, { ids: (string | number)[]; scores: number[] }[]> = {};
    for (const name of Object.keys(configs)) {
      out[name] = [];
      for (const query of queries) {
        const { points } = await client.query(name, { query, limit: 10, params: { hnsw_ef: 64, quantization: { rescore: true, oversampling: oversampling[name] } } });
        out[name].push({ ids: points.map((p) => p.id), scores: points.map((p) => p.score) });
      }
    }
    return out;
  };
  let before: Awaited<ReturnType<typeof answers>>;

  it('REST: configs round-trip, searches keep recall@10 >= 0.9 against brute force; bad values are 400', async () => {
    for (const [name, quantization_config] of Object.entries(configs)) {
      await client.createCollection(name, {
        vectors: { size: DIM, distance: 'Cosine' },
        hnsw_config: { full_scan_threshold: 10 },
        optimizers_config: { indexing_threshold: 1 },
        quantization_config: quantization_config as never,
      });
      expect((await client.getCollection(name)).config.quantization_config).toEqual(quantization_config);
      for (let from = 0; from < N; from += 500) {
        await client.upsert(name, { wait: true, points: vectors.slice(from, from + 500).map((vector, i) => ({ id: from + i, vector })) });
      }
    }
    before = await answers();
    for (const [name, list] of Object.entries(before)) {
      let hits = 0;
      list.forEach(({ ids }, qi) => {
        const truth = new Set(bruteForce(queries[qi]!, 10));
        for (const id of ids) if (truth.has(id as number)) hits++;
      });
      console.log(`${name} recall@10`, hits / (queries.length * 10));
      expect(hits / (queries.length * 10), name).toBeGreaterThanOrEqual(0.9);
    }
    await expect(client.createCollection('bad', { vectors: { size: DIM, distance: 'Dot' }, quantization_config: { product: { compression: 'x3' } } as never })).rejects.toMatchObject({ status: 400 });
    await expect(client.createCollection('bad', { vectors: { size: DIM, distance: 'Dot' }, quantization_config: { turbo: { bits: 'bits3' } } as never })).rejects.toMatchObject({ status: 400 });
    // Switching kinds and back through updateCollection is echoed as sent.
    await client.updateCollection('tq4', { quantization_config: { product: { compression: 'x32' } } });
    expect((await client.getCollection('tq4')).config.quantization_config).toEqual({ product: { compression: 'x32' } });
    await client.updateCollection('tq4', { quantization_config: { turbo: {} } as never });
  }, 120_000);

  it('gRPC: product and turbo configs read back the same on gRPC and REST, per collection and per vector', async () => {
    const collections = grpc.api('collections');
    await collections.create({
      collectionName: 'g',
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: {
            map: {
              a: { size: BigInt(DIM), distance: Distance.Cosine, quantizationConfig: { quantization: { case: 'turboquant', value: { bits: TurboQuantBitSize.Bits1_5 } } } },
              b: { size: BigInt(DIM), distance: Distance.Dot },
            },
          },
        },
      },
      quantizationConfig: { quantization: { case: 'product', value: { compression: CompressionRatio.x16, alwaysRam: false } } },
    });
    const info = await client.getCollection('g');
    expect(info.config.quantization_config).toEqual({ product: { compression: 'x16', always_ram: false } });
    expect((info.config.params.vectors as Record<string, { quantization_config?: unknown }>).a!.quantization_config).toEqual({ turbo: { bits: 'bits1_5' } });
    const viaGrpc = (await collections.get({ collectionName: 'g' })).result!.config!;
    expect(viaGrpc.quantizationConfig!.quantization).toMatchObject({ case: 'product', value: { compression: CompressionRatio.x16 } });
    const map = viaGrpc.params!.vectorsConfig!.config;
    expect(map.case === 'paramsMap' && map.value.map['a']!.quantizationConfig!.quantization).toMatchObject({ case: 'turboquant', value: { bits: TurboQuantBitSize.Bits1_5 } });
    // REST-created turbo reads back as gRPC's turboquant case.
    const tq = (await collections.get({ collectionName: 'tq' })).result!.config!.quantizationConfig!.quantization;
    expect(tq).toMatchObject({ case: 'turboquant', value: { bits: TurboQuantBitSize.Bits2 } });
    await collections.update({ collectionName: 'g', quantizationConfig: { quantization: { case: 'turboquant', value: { bits: TurboQuantBitSize.Bits4 } } } });
    expect((await client.getCollection('g')).config.quantization_config).toEqual({ turbo: { bits: 'bits4' } });
  });

  // Snapshots are logical (config + points): the recovered collection refits in the background (status yellow until
  // then, searches on the floats), over the same points in the same order, so the seeded fit and every code come out
  // the same.
  it('a collection recovered from a snapshot ranks as the original, unrescored scores included', async () => {
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    for (const name of ['pq', 'tq']) {
      const snapshot = await client.createSnapshot(name, { wait: true });
      expect(await client.recoverSnapshot(`${name}_copy`, { location: `${url}/collections/${name}/snapshots/${snapshot!.name}` })).toBe(true);
      const params = { hnsw_ef: 64, quantization: { rescore: false } };
      for (const c of [name, `${name}_copy`]) while ((await client.getCollection(c)).status !== 'green') await new Promise((r) => setTimeout(r, 20));
      for (const query of queries.slice(0, 5)) {
        const a = await client.query(name, { query, limit: 10, params });
        const b = await client.query(`${name}_copy`, { query, limit: 10, params });
        expect(b.points.map((p) => p.id), name).toEqual(a.points.map((p) => p.id));
        b.points.forEach((p, i) => expect(p.score).toBeCloseTo(a.points[i]!.score, 5));
      }
    }
  }, 60_000);

  it('with search threads on, product and turbo searches still rank on their codes (not offloaded as float walks)', async () => {
    const threaded = await openDatabase({ searchThreads: 2 });
    // Threads walk only arenas in shared WebAssembly memory (1 MB and up): 3,000 x 128 floats.
    const wide = Array.from({ length: 3001 }, (_, i) => Array.from({ length: 128 }, (_, d) => centres[i % 12]![d % DIM]! * Math.cos(d) + (random() - 0.5) * 0.6));
    const query = wide.pop()!;
    try {
      for (const [name, quantization_config] of [['p', { product: { compression: 'x32' } }], ['t', { turbo: { bits: 'bits1' } }]] as const) {
        await threaded.createCollection(name, { vectors: { size: 128, distance: 'Cosine' }, optimizers_config: { indexing_threshold: 1 }, hnsw_config: { full_scan_threshold: 10 }, quantization_config });
        await threaded.upsert(name, { wait: true, points: wide.map((vector, id) => ({ id, vector })) });
        await (threaded.engine.resolve(name) as unknown as { whenIndexed(): Promise<void> }).whenIndexed();
        const floats = await threaded.query(name, { query: query, limit: 5, params: { quantization: { ignore: true } } });
        const raw = await threaded.query(name, { query: query, limit: 5, params: { quantization: { rescore: false } } });
        // Unrescored scores are the codes' estimates: a float walk would give the exact cosines.
        expect(raw.points.map((p) => p.score), name).not.toEqual(floats.points.map((p) => p.score));
        const rescored = await threaded.query(name, { query: query, limit: 5, params: { quantization: { oversampling: 8 } } });
        expect(rescored.points[0]!.score, name).toBeCloseTo(floats.points[0]!.score, 3);
      }
    } finally {
      await threaded.close();
    }
  }, 60_000);

  it('works with the originals on disk (on_disk: true): fit, codes and rescoring read the row file, across a reopen', async () => {
    const cold = await mkdtemp(join(tmpdir(), 'sextant-pq-tq-cold-'));
    const r = seededRandom(3);
    const rows = Array.from({ length: 3000 }, () => Array.from({ length: 64 }, () => r() * 2 - 1));
    let other = await openDatabase({ path: cold });
    try {
      for (const [name, quantization_config] of [['p', { product: { compression: 'x8' } }], ['t', { turbo: { bits: 'bits2' } }]] as const) {
        await other.createCollection(name, { vectors: { size: 64, distance: 'Dot', on_disk: true }, quantization_config, optimizers_config: { indexing_threshold: 1 } });
        await other.upsert(name, { wait: true, points: rows.map((vector, id) => ({ id, vector })) });
        await other.flush();
        const { points } = await other.query(name, { query: rows[7]!, limit: 3, params: { quantization: { oversampling: 4 } } });
        expect(points[0]!.id, name).toBe(7);
      }
      await other.close();
      other = await openDatabase({ path: cold });
      for (const name of ['p', 't']) {
        const { points } = await other.query(name, { query: rows[11]!, limit: 3, params: { quantization: { oversampling: 4 } } });
        expect(points[0]!.id, name).toBe(11);
      }
    } finally {
      await other.close();
      await rm(cold, { recursive: true, force: true });
    }
  }, 60_000);

  it('answers the same after a restart on the same folder (codes and fit restored from the segment)', async () => {
    await db.flush();
    await stop();
    await start();
    const after = await answers();
    for (const name of Object.keys(configs)) {
      after[name]!.forEach((a, qi) => {
        expect(a.ids, `${name} ${qi}`).toEqual(before[name]![qi]!.ids);
        a.scores.forEach((s, i) => expect(s).toBeCloseTo(before[name]![qi]!.scores[i]!, 5));
      });
    }
  }, 120_000);
});
