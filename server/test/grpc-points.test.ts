import type { Schemas } from '@sextant/core';
import { Distance, Fusion, UpdateStatus } from '@sextant/proto';
import type { QdrantClient } from '@qdrant/js-client-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededPoints } from './grpc/fixture.js';
import { startHarness } from './grpc/harness.js';
import type { Harness } from './grpc/harness.js';
import { agree } from './grpc/agree.js';
import { Code, expectCode } from './grpc/expect-code.js';
import { dense, idOf, no, num, uuid, yes } from './grpc/ids.js';

const query = [0.3, -0.2, 0.9, 0.1];
const scored = (points: Array<{ id: string | number; score: number }>) => points.map((p) => [p.id, Number(p.score.toFixed(5))]);

// Points rpcs through the official gRPC client; every read is compared with what the engine's REST-shaped API
// returns for the same request.
describe('gRPC Points', () => {
  let h: Harness;
  let client: QdrantClient;
  beforeAll(async () => {
    h = await startHarness();
    client = h.connect();
    await client.api('collections').create({
      collectionName: 'p',
      vectorsConfig: { config: { case: 'paramsMap', value: { map: { v: { size: 4n, distance: Distance.Cosine } } } } },
      sparseVectorsConfig: { map: { sp: {} } },
    });
    await h.engine.upsert('p', { wait: true, points: seededPoints(40) });
    await h.engine.createPayloadIndex('p', { field_name: 'city', field_schema: 'keyword', wait: true });
  });
  afterAll(async () => h.close());

  it('upserts dense, sparse and named vectors with payload, and gets them back', async () => {
    const points = client.api('points');
    const res = await points.upsert({
      collectionName: 'p',
      wait: true,
      points: [
        {
          id: num(1000),
          vectors: {
            vectorsOptions: {
              case: 'vectors',
              value: {
                vectors: {
                  v: { vector: { case: 'dense', value: { data: [1, 0, 0, 0] } } },
                  sp: { vector: { case: 'sparse', value: { indices: [3, 9], values: [0.5, 2] } } },
                },
              },
            },
          },
          payload: {
            city: { kind: { case: 'stringValue', value: 'Lima' } },
            count: { kind: { case: 'integerValue', value: 5n } },
            ratio: { kind: { case: 'doubleValue', value: 5.5 } },
            list: { kind: { case: 'listValue', value: { values: [{ kind: { case: 'boolValue', value: true } }] } } },
          },
        },
      ],
    });
    expect(res.result?.status).toBe(UpdateStatus.Completed);

    const got = await points.get({ collectionName: 'p', ids: [num(1000)], withPayload: yes, withVectors: { selectorOptions: { case: 'enable', value: true } } });
    expect(got.result).toHaveLength(1);
    const [p] = got.result;
    expect(p!.payload['count']?.kind).toEqual({ case: 'integerValue', value: 5n });
    expect(p!.payload['ratio']?.kind).toEqual({ case: 'doubleValue', value: 5.5 });
    const vectors = p!.vectors?.vectorsOptions;
    expect(vectors?.case).toBe('vectors');
    if (vectors?.case === 'vectors') {
      expect(vectors.value.vectors['v']?.vector).toEqual({ case: 'dense', value: expect.objectContaining({ data: [1, 0, 0, 0] }) });
      expect(vectors.value.vectors['sp']?.vector.case).toBe('sparse');
    }
    // The engine sees exactly what REST would have written.
    const [rest] = await h.engine.retrieve('p', { ids: [1000], with_payload: true });
    expect(rest!.payload).toEqual({ city: 'Lima', count: 5, ratio: 5.5, list: [true] });
  });

  it('queries the nearest points like REST does, with filters and fusion', async () => {
    const points = client.api('points');
    const filter = { must: [{ conditionOneOf: { case: 'field' as const, value: { key: 'city', match: { matchValue: { case: 'keyword' as const, value: 'Paris' } } } } }] };
    const grpc = await points.query({ collectionName: 'p', query: { variant: { case: 'nearest', value: dense(query) } }, using: 'v', filter, limit: 5n, withPayload: yes });
    const rest = await h.engine.query('p', { query, using: 'v', filter: { must: [{ key: 'city', match: { value: 'Paris' } }] }, limit: 5, with_payload: true });
    expect(grpc.result.map((p) => [idOf(p.id), Number(p.score.toFixed(5))])).toEqual(scored(rest.points));
    expect(grpc.result[0]!.payload['city']?.kind.value).toBe('Paris');

    expect(await agree(
      () =>
        points.query({
          collectionName: 'p',
          prefetch: [
            { query: { variant: { case: 'nearest', value: dense(query) } }, using: 'v', limit: 10n },
            { query: { variant: { case: 'nearest', value: { variant: { case: 'sparse', value: { indices: [1, 12], values: [1, 1] } } } } }, using: 'sp', limit: 10n },
          ],
          query: { variant: { case: 'fusion', value: Fusion.RRF } },
          limit: 6n,
        }),
      () =>
        h.engine.query('p', {
          prefetch: [
            { query, using: 'v', limit: 10 },
            { query: { indices: [1, 12], values: [1, 1] }, using: 'sp', limit: 10 },
          ],
          query: { fusion: 'rrf' },
          limit: 6,
        }),
      { grpc: (g) => g.result.map((p) => [idOf(p.id), Number(p.score.toFixed(5))]), rest: (r) => scored(r.points) },
    )).toBe('equal');
  });

  it('serves query by id, recommend, discover, batches and groups', async () => {
    const points = client.api('points');
    const byId = await points.query({ collectionName: 'p', query: { variant: { case: 'nearest', value: { variant: { case: 'id', value: num(4) } } } }, using: 'v', limit: 3n });
    expect(byId.result.map((p) => idOf(p.id))).toEqual((await h.engine.query('p', { query: 4, using: 'v', limit: 3 })).points.map((p) => p.id));

    const ids = { grpc: (g: { result: Array<{ id?: Parameters<typeof idOf>[0] }> }) => g.result.map((p) => idOf(p.id)), rest: (r: Array<{ id: string | number }>) => r.map((p) => p.id) };
    expect(await agree(
      () => points.recommend({ collectionName: 'p', positive: [num(1), num(2)], negative: [num(3)], using: 'v', limit: 4n }),
      () => h.engine.recommend('p', { positive: [1, 2], negative: [3], using: 'v', limit: 4 }),
      ids,
    )).toBe('equal');
    expect(await agree(
      () =>
        points.query({
          collectionName: 'p',
          query: { variant: { case: 'recommend', value: { positive: [{ variant: { case: 'id', value: num(1) } }], negative: [] } } },
          using: 'v',
          limit: 4n,
        }),
      () => h.engine.query('p', { query: { recommend: { positive: [1], negative: [] } }, using: 'v', limit: 4 }),
      { grpc: ids.grpc, rest: (r) => r.points.map((p) => p.id) },
    )).toBe('equal');

    expect(await agree(
      () =>
        points.discover({
          collectionName: 'p',
          target: { target: { case: 'single', value: { example: { case: 'id', value: num(5) } } } },
          context: [{ positive: { example: { case: 'id', value: num(6) } }, negative: { example: { case: 'id', value: num(7) } } }],
          using: 'v',
          limit: 4n,
        }),
      () => h.engine.discoverPoints('p', { target: 5, context: [{ positive: 6, negative: 7 }], using: 'v', limit: 4 }),
      ids,
    )).toBe('equal');

    const batch = await points.queryBatch({
      collectionName: 'p',
      queryPoints: [
        { collectionName: 'p', query: { variant: { case: 'nearest', value: dense(query) } }, using: 'v', limit: 2n },
        { collectionName: 'p', query: { variant: { case: 'nearest', value: dense([0, 0, 1, 0]) } }, using: 'v', limit: 3n },
      ],
    });
    expect(batch.result.map((b) => b.result.length)).toEqual([2, 3]);

    expect(await agree(
      () => points.queryGroups({ collectionName: 'p', query: { variant: { case: 'nearest', value: dense(query) } }, using: 'v', groupBy: 'city', groupSize: 2n, limit: 3n }),
      () => h.engine.queryGroups('p', { query, using: 'v', group_by: 'city', group_size: 2, limit: 3 }),
      {
        grpc: (g) => g.result?.groups.map((x) => [x.id?.kind.value, x.hits.map((p) => idOf(p.id))]),
        rest: (r) => r.groups.map((x) => [x.id, x.hits.map((p) => p.id)]),
      },
    )).toBe('equal');
  });

  it('serves nested prefetches, rrf with k, formula, order_by, context and mmr queries like REST', async () => {
    const points = client.api('points');
    await h.engine.createPayloadIndex('p', { field_name: 'price', field_schema: 'float', wait: true });
    const near = { variant: { case: 'nearest' as const, value: dense(query) } };
    const project = {
      grpc: (g: { result: Array<{ id?: Parameters<typeof idOf>[0]; score: number; orderValue?: { variant: { value?: unknown } } }> }) =>
        // gRPC sends an integral float order value as an int; compare numbers.
        g.result.map((p) => [idOf(p.id), Number(p.score.toFixed(5)), p.orderValue ? Number(p.orderValue.variant.value) : null]),
      rest: (r: { points: Array<{ id: string | number; score: number; order_value?: unknown }> }) =>
        r.points.map((p) => [p.id, Number(p.score.toFixed(5)), p.order_value ?? null]),
    };
    const cases: Array<[Parameters<typeof points.query>[0], Parameters<typeof h.engine.query>[1]]> = [
      [
        { collectionName: 'p', prefetch: [{ prefetch: [{ query: near, using: 'v', limit: 30n }], query: { variant: { case: 'nearest', value: dense([0, 1, 0, 0]) } }, using: 'v', limit: 10n }], query: { variant: { case: 'rrf', value: { k: 5 } } }, limit: 5n },
        { prefetch: [{ prefetch: [{ query, using: 'v', limit: 30 }], query: [0, 1, 0, 0], using: 'v', limit: 10 }], query: { rrf: { k: 5 } }, limit: 5 },
      ],
      [
        {
          collectionName: 'p',
          prefetch: [{ query: near, using: 'v', limit: 20n }],
          query: { variant: { case: 'formula', value: { expression: { variant: { case: 'sum', value: { sum: [{ variant: { case: 'variable', value: '$score' } }, { variant: { case: 'mult', value: { mult: [{ variant: { case: 'constant', value: 0.01 } }, { variant: { case: 'variable', value: 'price' } }] } } }] } } }, defaults: { price: { kind: { case: 'doubleValue', value: 0 } } } } } },
          limit: 6n,
        },
        { prefetch: [{ query, using: 'v', limit: 20 }], query: { formula: { sum: ['$score', { mult: [0.01, 'price'] }] }, defaults: { price: 0 } }, limit: 6 },
      ],
      [
        { collectionName: 'p', prefetch: [{ query: near, using: 'v', limit: 20n }], query: { variant: { case: 'orderBy', value: { key: 'price' } } }, limit: 6n },
        { prefetch: [{ query, using: 'v', limit: 20 }], query: { order_by: { key: 'price' } }, limit: 6 },
      ],
      [
        { collectionName: 'p', query: { variant: { case: 'context', value: { pairs: [{ positive: { variant: { case: 'id', value: num(1) } }, negative: { variant: { case: 'id', value: num(2) } } }] } } }, using: 'v', limit: 4n },
        { query: { context: [{ positive: 1, negative: 2 }] }, using: 'v', limit: 4 },
      ],
      [
        { collectionName: 'p', query: { variant: { case: 'nearestWithMmr', value: { nearest: dense(query), mmr: { diversity: 0.7, candidatesLimit: 15 } } } }, using: 'v', limit: 4n },
        { query: { nearest: query, mmr: { diversity: 0.7, candidates_limit: 15 } }, using: 'v', limit: 4 },
      ],
    ];
    for (const [grpcReq, restReq] of cases) {
      expect(await agree(() => points.query(grpcReq), () => h.engine.query('p', restReq), project)).toBe('equal');
    }
  });

  it('serves the legacy search rpcs', async () => {
    const points = client.api('points');
    const search = await points.search({ collectionName: 'p', vector: query, vectorName: 'v', limit: 5n, withPayload: no });
    const restSearch = await h.engine.search('p', { vector: { name: 'v', vector: query }, limit: 5 });
    expect(search.result.map((p) => [idOf(p.id), Number(p.score.toFixed(5))])).toEqual(scored(restSearch));

    const sparse = await points.search({ collectionName: 'p', vector: [1, 1], sparseIndices: { data: [1, 12] }, vectorName: 'sp', limit: 3n });
    const restSparse = await h.engine.search('p', { vector: { name: 'sp', vector: { indices: [1, 12], values: [1, 1] } }, limit: 3 });
    expect(sparse.result.map((p) => idOf(p.id))).toEqual(restSparse.map((p) => p.id));

    const batch = await points.searchBatch({ collectionName: 'p', searchPoints: [{ collectionName: 'p', vector: query, vectorName: 'v', limit: 2n }] });
    expect(batch.result[0]!.result.map((p) => idOf(p.id))).toEqual(restSearch.slice(0, 2).map((p) => p.id));
  });

  it('scrolls in pages, counts, facets and builds distance matrices like REST', async () => {
    const points = client.api('points');
    const seen: Array<string | number> = [];
    let offset: ReturnType<typeof num> | ReturnType<typeof uuid> | undefined;
    for (let page = 0; page < 20; page++) {
      const res = await points.scroll({ collectionName: 'p', limit: 7, offset, withPayload: no });
      seen.push(...res.result.map((p) => idOf(p.id)));
      if (!res.nextPageOffset) break;
      offset = res.nextPageOffset as typeof offset;
    }
    const rest = await h.engine.scroll('p', { limit: 1000, with_payload: false });
    expect(seen).toEqual(rest.points.map((p) => p.id));

    const count = await points.count({ collectionName: 'p', exact: true });
    expect(Number(count.result?.count)).toBe((await h.engine.count('p', { exact: true })).count);

    const facet = await points.facet({ collectionName: 'p', key: 'city', limit: 10n, exact: true });
    const restFacet = await h.engine.facet('p', { key: 'city', limit: 10, exact: true });
    expect(facet.hits.map((f) => [f.value?.variant.value, Number(f.count)])).toEqual(restFacet.hits.map((f) => [f.value, f.count]));

    expect(await agree(
      // A sample larger than the collection takes every point, so both answers are the same full matrix.
      () => points.searchMatrixPairs({ collectionName: 'p', sample: 5000n, limit: 2n, using: 'v' }),
      () => h.engine.searchMatrixPairs('p', { sample: 5000, limit: 2, using: 'v' }),
      {
        grpc: (g) => g.result?.pairs.map((p) => [idOf(p.a), idOf(p.b), Number(p.score.toFixed(5))]),
        rest: (r) => r.pairs.map((p) => [p.a, p.b, Number(p.score.toFixed(5))]),
      },
    )).toBe('equal');
    expect(await agree(
      () => points.searchMatrixOffsets({ collectionName: 'p', sample: 5000n, limit: 2n, using: 'v' }),
      () => h.engine.searchMatrixOffsets('p', { sample: 5000, limit: 2, using: 'v' }),
      {
        grpc: (g) => [g.result?.ids.map(idOf), g.result?.offsetsRow.map(Number), g.result?.offsetsCol.map(Number)],
        rest: (r) => [r.ids, r.offsets_row, r.offsets_col],
      },
    )).toBe('equal');
  });

  it('sets, overwrites, deletes and clears payload, updates and deletes vectors and points', async () => {
    const points = client.api('points');
    const sel = { pointsSelectorOneOf: { case: 'points' as const, value: { ids: [num(2), num(3)] } } };
    await points.setPayload({ collectionName: 'p', wait: true, pointsSelector: sel, payload: { extra: { kind: { case: 'stringValue', value: 'yes' } } } });
    let [two] = await h.engine.retrieve('p', { ids: [2], with_payload: true });
    expect(two!.payload?.['extra']).toBe('yes');
    expect(two!.payload?.['city']).toBeDefined();

    await points.deletePayload({ collectionName: 'p', wait: true, pointsSelector: sel, keys: ['extra'] });
    [two] = await h.engine.retrieve('p', { ids: [2], with_payload: true });
    expect(two!.payload?.['extra']).toBeUndefined();

    await points.overwritePayload({ collectionName: 'p', wait: true, pointsSelector: sel, payload: { only: { kind: { case: 'integerValue', value: 1n } } } });
    [two] = await h.engine.retrieve('p', { ids: [2], with_payload: true });
    expect(two!.payload).toEqual({ only: 1 });

    await points.clearPayload({ collectionName: 'p', wait: true, points: sel });
    [two] = await h.engine.retrieve('p', { ids: [2], with_payload: true });
    expect(two!.payload ?? {}).toEqual({});

    await points.updateVectors({ collectionName: 'p', wait: true, points: [{ id: num(2), vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { v: { vector: { case: 'dense', value: { data: [0, 1, 0, 0] } } } } } } } }] });
    const [withVector] = await h.engine.retrieve('p', { ids: [2], with_vector: ['v'] });
    expect((withVector!.vector as Record<string, number[]>)['v']).toEqual([0, 1, 0, 0]);

    await points.deleteVectors({ collectionName: 'p', wait: true, pointsSelector: { pointsSelectorOneOf: { case: 'points', value: { ids: [num(3)] } } }, vectors: { names: ['sp'] } });
    const [three] = await h.engine.retrieve('p', { ids: [3], with_vector: true });
    expect(Object.keys(three!.vector as object)).toEqual(['v']);

    await points.delete({ collectionName: 'p', wait: true, points: { pointsSelectorOneOf: { case: 'filter', value: { must: [{ conditionOneOf: { case: 'hasId', value: { hasId: [num(2), num(3)] } } }] } } } });
    expect(await h.engine.retrieve('p', { ids: [2, 3] })).toEqual([]);
  });

  it('serves the grouped and batched legacy rpcs like REST', async () => {
    const points = client.api('points');
    const ids = (batches: Array<{ result: Array<{ id?: Parameters<typeof idOf>[0] }> }>) => batches.map((b) => b.result.map((p) => idOf(p.id)));
    const restIds = (batches: Array<Array<{ id: string | number }>>) => batches.map((b) => b.map((p) => p.id));
    const groupIds = (groups: Array<{ id?: { kind: { value?: unknown } }; hits: Array<{ id?: Parameters<typeof idOf>[0] }> }> | undefined) =>
      groups?.map((g) => [g.id?.kind.value, g.hits.map((p) => idOf(p.id))]);
    const restGroupIds = (groups: Array<{ id: unknown; hits: Array<{ id: string | number }> }>) => groups.map((g) => [g.id, g.hits.map((p) => p.id)]);

    expect(await agree(
      () => points.searchGroups({ collectionName: 'p', vector: query, vectorName: 'v', groupBy: 'city', groupSize: 2, limit: 3 }),
      () => h.engine.searchPointGroups('p', { vector: { name: 'v', vector: query }, group_by: 'city', group_size: 2, limit: 3 }),
      { grpc: (g) => groupIds(g.result?.groups), rest: (r) => restGroupIds(r.groups) },
    )).toBe('equal');
    expect(await agree(
      () => points.recommendBatch({ collectionName: 'p', recommendPoints: [{ collectionName: 'p', positive: [num(1)], using: 'v', limit: 3n }] }),
      () => h.engine.recommendBatch('p', { searches: [{ positive: [1], using: 'v', limit: 3 }] }),
      { grpc: (g) => ids(g.result), rest: restIds },
    )).toBe('equal');
    expect(await agree(
      () => points.recommendGroups({ collectionName: 'p', positive: [num(1)], using: 'v', groupBy: 'city', groupSize: 1, limit: 2 }),
      () => h.engine.recommendPointGroups('p', { positive: [1], using: 'v', group_by: 'city', group_size: 1, limit: 2 }),
      { grpc: (g) => groupIds(g.result?.groups), rest: (r) => restGroupIds(r.groups) },
    )).toBe('equal');
    expect(await agree(
      () =>
        points.discoverBatch({
          collectionName: 'p',
          discoverPoints: [{ collectionName: 'p', target: { target: { case: 'single', value: { example: { case: 'id', value: num(5) } } } }, using: 'v', limit: 3n }],
        }),
      () => h.engine.discoverBatchPoints('p', { searches: [{ target: 5, using: 'v', limit: 3 }] }),
      { grpc: (g) => ids(g.result), rest: restIds },
    )).toBe('equal');
  });

  it('adds and removes vector names when the engine can, and says so when it cannot', async () => {
    const points = client.api('points');
    const engine = h.engine as unknown as { createVectorName?: unknown };
    const call = points.createVectorName({ collectionName: 'p', vectorName: 'extra', wait: true, vectorConfig: { case: 'denseConfig', value: { size: 2n, distance: Distance.Dot } } });
    if (typeof engine.createVectorName === 'function') {
      await call;
      const info = await h.engine.getCollection('p');
      expect(info.config.params.vectors).toHaveProperty('extra');
      await points.deleteVectorName({ collectionName: 'p', vectorName: 'extra', wait: true });
      expect((await h.engine.getCollection('p')).config.params.vectors).not.toHaveProperty('extra');
    } else {
      await expectCode(call, Code.Unimplemented, /not supported/);
    }
  });

  it('applies a batch of operations in order', async () => {
    const points = client.api('points');
    const res = await points.updateBatch({
      collectionName: 'p',
      wait: true,
      operations: [
        { operation: { case: 'upsert', value: { points: [{ id: num(2000), vectors: { vectorsOptions: { case: 'vectors', value: { vectors: { v: { vector: { case: 'dense', value: { data: [1, 1, 0, 0] } } } } } } } }] } } },
        { operation: { case: 'setPayload', value: { payload: { tag: { kind: { case: 'stringValue', value: 'batch' } } }, pointsSelector: { pointsSelectorOneOf: { case: 'points', value: { ids: [num(2000)] } } } } } },
      ],
    });
    expect(res.result).toHaveLength(2);
    const [p] = await h.engine.retrieve('p', { ids: [2000], with_payload: true });
    expect(p!.payload).toEqual({ tag: 'batch' });
  });

  it('creates and deletes payload indexes', async () => {
    const points = client.api('points');
    await points.createFieldIndex({ collectionName: 'p', wait: true, fieldName: 'n', fieldIndexParams: { indexParams: { case: 'integerIndexParams', value: { lookup: true, range: true } } } });
    let info = await h.engine.getCollection('p');
    expect(info.payload_schema['n']?.data_type).toBe('integer');
    await points.deleteFieldIndex({ collectionName: 'p', wait: true, fieldName: 'n' });
    info = await h.engine.getCollection('p');
    expect(info.payload_schema['n']).toBeUndefined();
  });
});

export type { Schemas };
