import type { Schemas, SextantClient } from '@sextant/core';
import type {
  DiscoverPoints,
  Points,
  RecommendPointGroups,
  RecommendPoints,
  SearchPointGroups,
  SearchPoints,
  Vector,
  VectorExample,
} from '@sextant/proto';
import { filterFromProto, dropUndefined } from './convert/filter.js';
import { bigintToNumber, jsonToValue, optNumber } from './convert/json-value.js';
import { pointIdFromProto, pointIdToProto } from './convert/point-id.js';
import { retrievedPointToProto, scoredPointToProto, withPayloadFromProto, withVectorsFromProto } from './convert/points.js';
import {
  groupToProto,
  lookupFromProto,
  orderByFromProto,
  paramsFromProto,
  queryGroupsFromProto,
  queryPointsFromProto,
  withLookupFromProto,
} from './convert/query.js';
import { vectorFromProto } from './convert/vectors.js';
import { invalid } from './status.js';
import type { Handlers } from './unary.js';

type PointsMethods = (typeof Points)['method'];
type ReadMethod =
  | 'get' | 'search' | 'searchBatch' | 'searchGroups' | 'scroll' | 'recommend' | 'recommendBatch' | 'recommendGroups'
  | 'discover' | 'discoverBatch' | 'count' | 'query' | 'queryBatch' | 'queryGroups' | 'facet' | 'searchMatrixPairs'
  | 'searchMatrixOffsets';

/** The Points rpcs that only read. The legacy search/recommend/discover rpcs call the engine's legacy methods. */
export function pointsReadHandlers(client: SextantClient): Pick<Handlers<PointsMethods>, ReadMethod> {
  return {
    get: async (r) => {
      const records = await client.retrieve(r.collectionName, {
        ids: r.ids.map(pointIdFromProto),
        with_payload: withPayloadFromProto(r.withPayload),
        with_vector: withVectorsFromProto(r.withVectors),
        timeout: optNumber(r.timeout),
      });
      return { result: records.map(retrievedPointToProto) };
    },
    search: async (r) => ({ result: (await client.search(r.collectionName, searchFromProto(r))).map(scoredPointToProto) }),
    searchBatch: async (r) => {
      const batches = await client.searchBatch(r.collectionName, {
        searches: r.searchPoints.map(searchFromProto) as Parameters<SextantClient['searchBatch']>[1]['searches'],
      });
      return { result: batches.map((batch) => ({ result: batch.map(scoredPointToProto) })) };
    },
    searchGroups: async (r) => {
      const { groups } = await client.searchPointGroups(r.collectionName, searchGroupsFromProto(r));
      return { result: { groups: groups.map(groupToProto) } };
    },
    scroll: async (r) => {
      const page = await client.scroll(r.collectionName, dropUndefined({
        filter: filterFromProto(r.filter),
        offset: r.offset ? pointIdFromProto(r.offset) : undefined,
        limit: r.limit,
        with_payload: withPayloadFromProto(r.withPayload),
        with_vector: withVectorsFromProto(r.withVectors),
        order_by: r.orderBy ? orderByFromProto(r.orderBy) : undefined,
        timeout: optNumber(r.timeout),
      }));
      const next = page.next_page_offset;
      return {
        result: page.points.map(retrievedPointToProto),
        nextPageOffset: next === null || next === undefined ? undefined : pointIdToProto(next as Schemas['ExtendedPointId']),
      };
    },
    recommend: async (r) => ({ result: (await client.recommend(r.collectionName, recommendFromProto(r))).map(scoredPointToProto) }),
    recommendBatch: async (r) => {
      const batches = await client.recommendBatch(r.collectionName, {
        searches: r.recommendPoints.map(recommendFromProto) as Parameters<SextantClient['recommendBatch']>[1]['searches'],
      });
      return { result: batches.map((batch) => ({ result: batch.map(scoredPointToProto) })) };
    },
    recommendGroups: async (r) => {
      const { groups } = await client.recommendPointGroups(r.collectionName, recommendGroupsFromProto(r));
      return { result: { groups: groups.map(groupToProto) } };
    },
    discover: async (r) => ({ result: (await client.discoverPoints(r.collectionName, discoverFromProto(r))).map(scoredPointToProto) }),
    discoverBatch: async (r) => {
      const batches = await client.discoverBatchPoints(r.collectionName, {
        searches: r.discoverPoints.map(discoverFromProto) as Parameters<SextantClient['discoverBatchPoints']>[1]['searches'],
      });
      return { result: batches.map((batch) => ({ result: batch.map(scoredPointToProto) })) };
    },
    count: async (r) => {
      const { count } = await client.count(r.collectionName, dropUndefined({ filter: filterFromProto(r.filter), exact: r.exact ?? true, timeout: optNumber(r.timeout) }));
      return { result: { count: BigInt(count) } };
    },
    query: async (r) => {
      const { points } = await client.query(r.collectionName, { ...queryPointsFromProto(r), timeout: optNumber(r.timeout) });
      return { result: points.map(scoredPointToProto) };
    },
    queryBatch: async (r) => {
      const results = await client.queryBatch(r.collectionName, { searches: r.queryPoints.map(queryPointsFromProto), timeout: optNumber(r.timeout) });
      return { result: results.map((batch) => ({ result: batch.points.map(scoredPointToProto) })) };
    },
    queryGroups: async (r) => {
      const { groups } = await client.queryGroups(r.collectionName, { ...queryGroupsFromProto(r), timeout: optNumber(r.timeout) });
      return { result: { groups: groups.map(groupToProto) } };
    },
    facet: async (r) => {
      const { hits } = await client.facet(r.collectionName, dropUndefined({
        key: r.key,
        filter: filterFromProto(r.filter),
        limit: optNumber(r.limit, 'limit'),
        exact: r.exact,
        timeout: optNumber(r.timeout),
      }));
      return { hits: hits.map((h) => ({ value: facetValueToProto(h.value), count: BigInt(h.count) })) };
    },
    searchMatrixPairs: async (r) => {
      const { pairs } = await client.searchMatrixPairs(r.collectionName, matrixFromProto(r));
      return { result: { pairs: pairs.map((p) => ({ a: pointIdToProto(p.a), b: pointIdToProto(p.b), score: p.score })) } };
    },
    searchMatrixOffsets: async (r) => {
      const m = await client.searchMatrixOffsets(r.collectionName, matrixFromProto(r));
      return {
        result: {
          offsetsRow: m.offsets_row.map(BigInt),
          offsetsCol: m.offsets_col.map(BigInt),
          scores: m.scores,
          ids: m.ids.map(pointIdToProto),
        },
      };
    },
  };
}

function facetValueToProto(value: string | number | boolean) {
  const v = jsonToValue(value).kind!;
  if (v.case === 'integerValue') return { variant: { case: 'integerValue' as const, value: v.value as bigint } };
  if (v.case === 'boolValue') return { variant: { case: 'boolValue' as const, value: v.value as boolean } };
  return { variant: { case: 'stringValue' as const, value: String(value) } };
}

function matrixFromProto(r: { filter?: SearchPoints['filter']; sample?: bigint; limit?: bigint; using?: string; timeout?: bigint }) {
  return dropUndefined({
    filter: filterFromProto(r.filter),
    sample: optNumber(r.sample, 'sample'),
    limit: optNumber(r.limit, 'limit'),
    using: r.using,
    timeout: optNumber(r.timeout),
  });
}

/** Legacy SearchPoints: the vector is named by `vector_name`, and `sparse_indices` turns it into a sparse vector. */
function searchVector(r: { vector: number[]; vectorName?: string; sparseIndices?: { data: number[] } }): Schemas118NamedVector {
  const vector = r.sparseIndices ? { indices: r.sparseIndices.data, values: r.vector } : r.vector;
  if (r.vectorName === undefined || r.vectorName === '') {
    if (r.sparseIndices) throw invalid('a sparse search vector needs `vector_name`');
    return r.vector;
  }
  return { name: r.vectorName, vector } as Schemas118NamedVector;
}
type Schemas118NamedVector = Parameters<SextantClient['search']>[1]['vector'];

function searchFromProto(r: SearchPoints): Parameters<SextantClient['search']>[1] {
  return dropUndefined({
    vector: searchVector(r),
    filter: filterFromProto(r.filter),
    params: paramsFromProto(r.params),
    limit: bigintToNumber(r.limit, 'limit'),
    offset: optNumber(r.offset, 'offset'),
    with_payload: withPayloadFromProto(r.withPayload),
    with_vector: withVectorsFromProto(r.withVectors),
    score_threshold: r.scoreThreshold,
    timeout: optNumber(r.timeout),
  });
}

function searchGroupsFromProto(r: SearchPointGroups): Parameters<SextantClient['searchPointGroups']>[1] {
  return dropUndefined({
    vector: searchVector(r),
    filter: filterFromProto(r.filter),
    params: paramsFromProto(r.params),
    limit: r.limit,
    with_payload: withPayloadFromProto(r.withPayload),
    with_vector: withVectorsFromProto(r.withVectors),
    score_threshold: r.scoreThreshold,
    group_by: r.groupBy,
    group_size: r.groupSize,
    with_lookup: withLookupFromProto(r.withLookup),
    timeout: optNumber(r.timeout),
  });
}

const strategies = ['average_vector', 'best_score', 'sum_scores'] as const;

type RecommendExample = number | string | number[] | { indices: number[]; values: number[] };
const exampleVector = (v: Vector) => vectorFromProto(v) as RecommendExample;

function recommendFromProto(r: RecommendPoints): Parameters<SextantClient['recommend']>[1] {
  return dropUndefined({
    positive: [...r.positive.map(pointIdFromProto), ...r.positiveVectors.map(exampleVector)],
    negative: [...r.negative.map(pointIdFromProto), ...r.negativeVectors.map(exampleVector)],
    strategy: r.strategy === undefined ? undefined : strategies[r.strategy],
    filter: filterFromProto(r.filter),
    params: paramsFromProto(r.params),
    limit: bigintToNumber(r.limit, 'limit'),
    offset: optNumber(r.offset, 'offset'),
    with_payload: withPayloadFromProto(r.withPayload),
    with_vector: withVectorsFromProto(r.withVectors),
    score_threshold: r.scoreThreshold,
    using: r.using,
    lookup_from: lookupFromProto(r.lookupFrom),
    timeout: optNumber(r.timeout),
  }) as Parameters<SextantClient['recommend']>[1];
}

function recommendGroupsFromProto(r: RecommendPointGroups): Parameters<SextantClient['recommendPointGroups']>[1] {
  return dropUndefined({
    positive: [...r.positive.map(pointIdFromProto), ...r.positiveVectors.map(exampleVector)],
    negative: [...r.negative.map(pointIdFromProto), ...r.negativeVectors.map(exampleVector)],
    strategy: r.strategy === undefined ? undefined : strategies[r.strategy],
    filter: filterFromProto(r.filter),
    params: paramsFromProto(r.params),
    limit: r.limit,
    with_payload: withPayloadFromProto(r.withPayload),
    with_vector: withVectorsFromProto(r.withVectors),
    score_threshold: r.scoreThreshold,
    using: r.using,
    lookup_from: lookupFromProto(r.lookupFrom),
    group_by: r.groupBy,
    group_size: r.groupSize,
    with_lookup: withLookupFromProto(r.withLookup),
    timeout: optNumber(r.timeout),
  }) as Parameters<SextantClient['recommendPointGroups']>[1];
}

function exampleFromProto(example: VectorExample | undefined): RecommendExample {
  const e = example?.example;
  if (e?.case === 'id') return pointIdFromProto(e.value);
  if (e?.case === 'vector') return exampleVector(e.value);
  throw invalid('example is empty: set an id or a vector');
}

function discoverFromProto(r: DiscoverPoints): Parameters<SextantClient['discoverPoints']>[1] {
  const target = r.target?.target;
  return dropUndefined({
    target: target?.case === 'single' ? exampleFromProto(target.value) : undefined,
    context: r.context.map((pair) => ({ positive: exampleFromProto(pair.positive), negative: exampleFromProto(pair.negative) })),
    filter: filterFromProto(r.filter),
    params: paramsFromProto(r.params),
    limit: bigintToNumber(r.limit, 'limit'),
    offset: optNumber(r.offset, 'offset'),
    with_payload: withPayloadFromProto(r.withPayload),
    with_vector: withVectorsFromProto(r.withVectors),
    using: r.using,
    lookup_from: lookupFromProto(r.lookupFrom),
    timeout: optNumber(r.timeout),
  }) as Parameters<SextantClient['discoverPoints']>[1];
}
