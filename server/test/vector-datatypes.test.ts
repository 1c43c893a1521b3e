import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient } from '@sextant/core';
import { Datatype, Distance } from '@sextant/proto';
import type { QdrantClient } from '@qdrant/js-client-grpc';
import { buildRestApp } from '../src/rest/app.js';
import { call, expectError, expectResult } from './rest/helpers.js';
import { startHarness, type Harness } from './grpc/harness.js';

// Vector datatypes (float16, uint8) as Qdrant 1.19 exposes them: in the collection config over REST and gRPC, and
// in the vectors both APIs return (uint8: the cast integers; float16: the rounded values).
describe('vector datatypes over REST', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildRestApp({ client: await createEmbeddedClient() });
  });
  afterAll(async () => app.close());

  it('creates, describes and serves uint8 and float16 vectors', async () => {
    expectResult(
      await call(app, 'PUT', '/collections/dt', {
        vectors: { u: { size: 3, distance: 'Dot', datatype: 'uint8' }, h: { size: 2, distance: 'Euclid', datatype: 'float16' } },
      }),
      'create_collection',
    );
    const info = expectResult(await call(app, 'GET', '/collections/dt'), 'get_collection');
    expect(info.config.params.vectors).toEqual({
      u: { size: 3, distance: 'Dot', datatype: 'uint8' },
      h: { size: 2, distance: 'Euclid', datatype: 'float16' },
    });
    expectResult(await call(app, 'PUT', '/collections/dt/points?wait=true', { points: [{ id: 1, vector: { u: [2.9, 256, -1], h: [0.1, 3] } }] }), 'upsert_points');
    const point = expectResult(await call(app, 'GET', '/collections/dt/points/1'), 'get_point');
    // the float16 0.0999755859375 prints as Qdrant prints the float32 it widens to: its shortest decimal
    expect(point.vector).toEqual({ u: [2, 255, 0], h: [0.099975586, 3] });
    const found = expectResult(await call(app, 'POST', '/collections/dt/points/query', { query: [1, 1, 1], using: 'u' }), 'query_points');
    expect(found.points[0].score).toBe(257);
  });

  it('refuses an unknown datatype and a float16 overflow with Qdrant error bodies', async () => {
    const bad = expectError(await call(app, 'PUT', '/collections/bad', { vectors: { size: 3, distance: 'Dot', datatype: 'float64' } }), 400);
    expect(bad).toMatch(/datatype/);
    expectResult(await call(app, 'PUT', '/collections/ov', { vectors: { size: 2, distance: 'Dot', datatype: 'float16' } }), 'create_collection');
    const ov = expectError(await call(app, 'PUT', '/collections/ov/points?wait=true', { points: [{ id: 1, vector: [1e5, 0] }] }), 422);
    expect(ov).toContain('does not fit datatype float16');
  });
});

describe('vector datatypes over gRPC', () => {
  let h: Harness;
  let client: QdrantClient;
  beforeAll(async () => {
    h = await startHarness();
    client = h.connect();
  });
  afterAll(async () => h.close());

  it('round-trips the Datatype enum in the collection config and returns compact vectors', async () => {
    const collections = client.api('collections');
    await collections.create({
      collectionName: 'g',
      vectorsConfig: {
        config: {
          case: 'paramsMap',
          value: {
            map: {
              u: { size: 2n, distance: Distance.Cosine, datatype: Datatype.Uint8 },
              h: { size: 2n, distance: Distance.Dot, datatype: Datatype.Float16 },
              f: { size: 2n, distance: Distance.Dot, datatype: Datatype.Default },
            },
          },
        },
      },
    });
    const rest = await h.engine.getCollection('g');
    // Datatype.Default is Qdrant's "not set": float32, and absent from the REST config.
    expect(rest.config.params.vectors).toEqual({
      u: { size: 2, distance: 'Cosine', datatype: 'uint8' },
      h: { size: 2, distance: 'Dot', datatype: 'float16' },
      f: { size: 2, distance: 'Dot' },
    });
    const { result } = await collections.get({ collectionName: 'g' });
    const config = result?.config?.params?.vectorsConfig?.config;
    expect(config?.case).toBe('paramsMap');
    if (config?.case === 'paramsMap') {
      expect(config.value.map['u']?.datatype).toBe(Datatype.Uint8);
      expect(config.value.map['h']?.datatype).toBe(Datatype.Float16);
      expect(config.value.map['f']?.datatype).toBeUndefined();
    }

    const points = client.api('points');
    const dense = (data: number[]) => ({ vector: { case: 'dense' as const, value: { data } } });
    await points.upsert({
      collectionName: 'g',
      wait: true,
      points: [{ id: { pointIdOptions: { case: 'num', value: 1n } }, vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { u: dense([3.5, 400]), h: dense([0.1, 2]), f: dense([0.1, 2]) } } } } }],
    });
    const got = await points.get({ collectionName: 'g', ids: [{ pointIdOptions: { case: 'num', value: 1n } }], withVectors: { selectorOptions: { case: 'enable', value: true } } });
    const vectors = got.result[0]?.vectors?.vectorsOptions;
    expect(vectors?.case).toBe('vectors');
    if (vectors?.case === 'vectors') {
      const data = (name: string) => {
        const v = vectors.value.vectors[name]?.vector;
        return v?.case === 'dense' ? v.value.data : undefined;
      };
      expect(data('u')).toEqual([3, 255]);
      expect(data('h')).toEqual([0.0999755859375, 2]);
      expect(data('f')).toEqual([Math.fround(0.1), 2]);
    }
  });
});
