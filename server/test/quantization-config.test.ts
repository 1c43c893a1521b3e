import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { QdrantClient } from '@qdrant/js-client-grpc';
import {
  BinaryQuantizationEncoding,
  BinaryQuantizationQueryEncoding_Setting,
  Distance,
} from '@sextant/proto';
import { buildRestApp } from '../src/rest/app.js';
import { call, expectError, expectResult } from './rest/helpers.js';
import { startHarness, type Harness } from './grpc/harness.js';

// Binary (and scalar) quantization configs through REST and gRPC: what is sent is what getCollection answers, on
// both APIs, and a quantized search answers the same ids through each.
const DIM = 16;
const vector = (id: number) => Array.from({ length: DIM }, (_, d) => Math.sin(id * 0.7 + d * 1.3) + (d % 3) * 0.1);

describe('quantization config over REST and gRPC', () => {
  let h: Harness;
  let grpc: QdrantClient;
  let app: FastifyInstance;
  beforeAll(async () => {
    h = await startHarness();
    grpc = h.connect();
    app = await buildRestApp({ client: h.engine });
  });
  afterAll(async () => {
    await app.close();
    await h.close();
  });

  it('REST: every encoding and query encoding round-trips, per collection and per vector; unknown ones are 400', async () => {
    const configs = [
      { binary: { always_ram: true } },
      { binary: { encoding: 'one_bit', query_encoding: 'default' } },
      { binary: { encoding: 'two_bits', query_encoding: 'scalar8bits' } },
      { binary: { encoding: 'one_and_half_bits', query_encoding: 'scalar4bits', always_ram: false } },
      { binary: { encoding: 'one_bit', query_encoding: 'binary' } },
    ];
    for (const [i, quantization_config] of configs.entries()) {
      expectResult(await call(app, 'PUT', `/collections/r${i}`, { vectors: { size: DIM, distance: 'Cosine' }, quantization_config }), 'create_collection');
      expect(expectResult(await call(app, 'GET', `/collections/r${i}`), 'get_collection').config.quantization_config).toEqual(quantization_config);
    }
    const perVector = { binary: { encoding: 'two_bits' } };
    expectResult(await call(app, 'PUT', '/collections/rv', { vectors: { v: { size: DIM, distance: 'Dot', quantization_config: perVector } } }), 'create_collection');
    expect(expectResult(await call(app, 'GET', '/collections/rv'), 'get_collection').config.params.vectors.v.quantization_config).toEqual(perVector);
    // Updates replace the config; Disabled clears it.
    expectResult(await call(app, 'PATCH', '/collections/r0', { quantization_config: { binary: { encoding: 'one_and_half_bits' } } }), 'update_collection');
    expect(expectResult(await call(app, 'GET', '/collections/r0'), 'get_collection').config.quantization_config).toEqual({ binary: { encoding: 'one_and_half_bits' } });
    expectResult(await call(app, 'PATCH', '/collections/r0', { quantization_config: 'Disabled' }), 'update_collection');
    expect(expectResult(await call(app, 'GET', '/collections/r0'), 'get_collection').config.quantization_config).toBeNull();
    expectError(await call(app, 'PUT', '/collections/bad', { vectors: { size: DIM, distance: 'Dot' }, quantization_config: { binary: { encoding: 'three_bits' } } }), 400);
    expectError(await call(app, 'PATCH', '/collections/r1', { quantization_config: { binary: { query_encoding: 'scalar2bits' } } }), 400);
  });

  it('gRPC: create and update with binary configs read back the same on gRPC and REST; searches agree', async () => {
    const collections = grpc.api('collections');
    await collections.create({
      collectionName: 'g',
      vectorsConfig: { config: { case: 'params', value: { size: BigInt(DIM), distance: Distance.Cosine } } },
      hnswConfig: { fullScanThreshold: 0n },
      optimizersConfig: { indexingThreshold: 1n },
      quantizationConfig: {
        quantization: {
          case: 'binary',
          value: { alwaysRam: true, encoding: BinaryQuantizationEncoding.TwoBits, queryEncoding: { variant: { case: 'setting', value: BinaryQuantizationQueryEncoding_Setting.Scalar8Bits } } },
        },
      },
    });
    const want = { binary: { always_ram: true, encoding: 'two_bits', query_encoding: 'scalar8bits' } };
    expect((await h.engine.getCollection('g')).config.quantization_config).toEqual(want);
    expect(expectResult(await call(app, 'GET', '/collections/g'), 'get_collection').config.quantization_config).toEqual(want);
    const info = (await collections.get({ collectionName: 'g' })).result!;
    const q = info.config!.quantizationConfig!.quantization;
    expect(q.case).toBe('binary');
    if (q.case === 'binary') {
      expect(q.value.encoding).toBe(BinaryQuantizationEncoding.TwoBits);
      expect(q.value.queryEncoding?.variant).toEqual({ case: 'setting', value: BinaryQuantizationQueryEncoding_Setting.Scalar8Bits });
    }

    await collections.update({
      collectionName: 'g',
      quantizationConfig: { quantization: { case: 'binary', value: { encoding: BinaryQuantizationEncoding.OneAndHalfBits } } },
    });
    expect((await h.engine.getCollection('g')).config.quantization_config).toEqual({ binary: { encoding: 'one_and_half_bits' } });

    // A quantized search (x4 oversampling, rescored) gives the same ids through REST and gRPC.
    const points = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, vector: vector(i) }));
    expectResult(await call(app, 'PUT', '/collections/g/points?wait=true', { points }), 'upsert_points');
    const query = vector(1000);
    const params = { hnsw_ef: 64, quantization: { rescore: true, oversampling: 4 } };
    const viaRest = expectResult(await call(app, 'POST', '/collections/g/points/query', { query, limit: 5, params }), 'query_points').points;
    const viaGrpc = await grpc.api('points').query({
      collectionName: 'g',
      query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: query } } } } },
      limit: 5n,
      params: { hnswEf: 64n, quantization: { rescore: true, oversampling: 4 } },
    });
    expect(viaGrpc.result.map((p) => Number(p.id?.pointIdOptions.value))).toEqual(viaRest.map((p: { id: number }) => p.id));
    viaGrpc.result.forEach((p, i) => expect(p.score).toBeCloseTo(viaRest[i].score, 5));

    await collections.update({ collectionName: 'g', quantizationConfig: { quantization: { case: 'disabled', value: {} } } });
    expect((await h.engine.getCollection('g')).config.quantization_config).toBeNull();
  });

  it('gRPC: a per-vector binary config round-trips, and a per-vector Disabled drops it (the collection config applies)', async () => {
    const collections = grpc.api('collections');
    const q8 = { variant: { case: 'setting' as const, value: BinaryQuantizationQueryEncoding_Setting.Scalar8Bits } };
    await collections.create({
      collectionName: 'pv',
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: {
            map: {
              a: {
                size: BigInt(DIM),
                distance: Distance.Cosine,
                quantizationConfig: { quantization: { case: 'binary', value: { encoding: BinaryQuantizationEncoding.TwoBits, queryEncoding: q8 } } },
              },
              b: { size: BigInt(DIM), distance: Distance.Dot },
            },
          },
        },
      },
      quantizationConfig: { quantization: { case: 'scalar', value: { type: 1, quantile: 0.99 } } },
    });
    const rest = () => h.engine.getCollection('pv');
    const vectors = async () => (await rest()).config.params.vectors as Record<string, { quantization_config?: unknown }>;
    expect((await vectors()).a!.quantization_config).toEqual({ binary: { encoding: 'two_bits', query_encoding: 'scalar8bits' } });
    expect((await vectors()).b!.quantization_config).toBeUndefined();
    // 1. gRPC describes the per-vector config with the query encoding as its message form again.
    const info = (await collections.get({ collectionName: 'pv' })).result!;
    const map = info.config!.params!.vectorsConfig!.config;
    expect(map.case).toBe('paramsMap');
    if (map.case === 'paramsMap') {
      const qa = map.value.map['a']!.quantizationConfig!.quantization;
      expect(qa.case).toBe('binary');
      if (qa.case === 'binary') expect(qa.value.queryEncoding?.variant).toEqual(q8.variant);
    }
    // 2. Per-vector diffs: a binary one replaces, Disabled removes the vector's own config.
    await collections.update({
      collectionName: 'pv',
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: { map: { b: { quantizationConfig: { quantization: { case: 'binary', value: { queryEncoding: q8 } } } }, a: { quantizationConfig: { quantization: { case: 'disabled', value: {} } } } } },
        },
      },
    });
    expect((await vectors()).b!.quantization_config).toEqual({ binary: { query_encoding: 'scalar8bits' } });
    expect((await vectors()).a!.quantization_config).toBeUndefined();
  });
});
