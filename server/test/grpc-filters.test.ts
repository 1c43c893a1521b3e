import type { Schemas } from '@sextant/core';
import { Distance } from '@sextant/proto';
import type { QdrantClient } from '@qdrant/js-client-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cases } from './grpc/filter-cases.js';
import type { FilterInit } from './grpc/filter-cases.js';
import { seededPoints } from './grpc/fixture.js';
import { startHarness } from './grpc/harness.js';
import type { Harness } from './grpc/harness.js';

describe('gRPC filters select what REST filters select', () => {
  let h: Harness;
  let client: QdrantClient;
  beforeAll(async () => {
    h = await startHarness();
    client = h.connect();
    await client.api('collections').create({
      collectionName: 'f',
      vectorsConfig: { config: { case: 'paramsMap', value: { map: { v: { size: 4n, distance: Distance.Cosine } } } } },
      sparseVectorsConfig: { map: { sp: {} } },
    });
    await h.engine.upsert('f', { wait: true, points: seededPoints(60) });
  });
  afterAll(async () => h.close());

  async function viaGrpc(filter: FilterInit): Promise<Array<string | number>> {
    const page = await client.api('points').scroll({ collectionName: 'f', filter, limit: 1000, withPayload: { selectorOptions: { case: 'enable', value: false } } });
    return page.result.map((p) => (p.id?.pointIdOptions.case === 'num' ? Number(p.id.pointIdOptions.value) : String(p.id?.pointIdOptions.value)));
  }
  async function viaRest(filter: Schemas['Filter']): Promise<Array<string | number>> {
    const page = await h.engine.scroll('f', { filter, limit: 1000, with_payload: false });
    return page.points.map((p) => p.id);
  }

  it.each(cases)('%s', async (_name, grpcCondition, restCondition) => {
    const expected = await viaRest({ must: [restCondition] });
    // A condition that selects nothing or everything would not tell conversions apart.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(60);
    expect(await viaGrpc({ must: [grpcCondition] })).toEqual(expected);
    // must_not is the complement, through both APIs
    expect(await viaGrpc({ mustNot: [grpcCondition] })).toEqual(await viaRest({ must_not: [restCondition] }));
  });

  it('min_should and the count rpc agree with REST', async () => {
    const grpcFilter: FilterInit = {
      minShould: { conditions: cases.slice(0, 4).map(([, g]) => g), minCount: 2n },
    };
    const restFilter: Schemas['Filter'] = { min_should: { conditions: cases.slice(0, 4).map(([, , r]) => r), min_count: 2 } };
    expect(await viaGrpc(grpcFilter)).toEqual(await viaRest(restFilter));
    const counted = await client.api('points').count({ collectionName: 'f', filter: grpcFilter, exact: true });
    expect(Number(counted.result?.count)).toBe((await h.engine.count('f', { filter: restFilter, exact: true })).count);
  });
});
