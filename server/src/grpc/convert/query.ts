import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Schemas } from '@sextant/core';
import type {
  ContextInput,
  DecayParamsExpression,
  Expression,
  LookupLocation,
  OrderBy,
  PointGroupSchema,
  PrefetchQuery,
  Query,
  QueryPointGroups,
  QueryPoints,
  SearchParams,
  WithLookup,
} from '@sextant/proto';
import { invalid } from '../status.js';
import { conditionFromProto, dropUndefined, filterFromProto } from './filter.js';
import { bigintToNumber, optNumber, structToJson } from './json-value.js';
import { retrievedPointToProto, scoredPointToProto, withPayloadFromProto, withVectorsFromProto } from './points.js';
import { timestampToIso } from './timestamp.js';
import { vectorInputFromProto } from './vectors.js';

/** Query family: the universal query API (Query, PrefetchQuery, Formula) and the grouped results. */

type RestQuery = NonNullable<Schemas['QueryRequest']['query']>;

export function queryPointsFromProto(request: QueryPoints): Schemas['QueryRequest'] {
  return dropUndefined({
    prefetch: request.prefetch.length ? request.prefetch.map(prefetchFromProto) : undefined,
    query: request.query ? queryFromProto(request.query) : undefined,
    using: request.using,
    filter: filterFromProto(request.filter),
    params: paramsFromProto(request.params),
    score_threshold: request.scoreThreshold,
    limit: optNumber(request.limit, 'limit'),
    offset: optNumber(request.offset, 'offset'),
    with_vector: withVectorsFromProto(request.withVectors),
    with_payload: withPayloadFromProto(request.withPayload),
    lookup_from: lookupFromProto(request.lookupFrom),
  });
}

export function queryGroupsFromProto(request: QueryPointGroups): Schemas['QueryGroupsRequest'] {
  return dropUndefined({
    prefetch: request.prefetch.length ? request.prefetch.map(prefetchFromProto) : undefined,
    query: request.query ? queryFromProto(request.query) : undefined,
    using: request.using,
    filter: filterFromProto(request.filter),
    params: paramsFromProto(request.params),
    score_threshold: request.scoreThreshold,
    with_vector: withVectorsFromProto(request.withVectors),
    with_payload: withPayloadFromProto(request.withPayload),
    lookup_from: lookupFromProto(request.lookupFrom),
    limit: optNumber(request.limit, 'limit'),
    group_size: optNumber(request.groupSize, 'group_size'),
    group_by: request.groupBy,
    with_lookup: withLookupFromProto(request.withLookup),
  });
}

function prefetchFromProto(prefetch: PrefetchQuery): Schemas['Prefetch'] {
  return dropUndefined({
    prefetch: prefetch.prefetch.length ? prefetch.prefetch.map(prefetchFromProto) : undefined,
    query: prefetch.query ? queryFromProto(prefetch.query) : undefined,
    using: prefetch.using,
    filter: filterFromProto(prefetch.filter),
    params: paramsFromProto(prefetch.params),
    score_threshold: prefetch.scoreThreshold,
    limit: optNumber(prefetch.limit, 'limit'),
    lookup_from: lookupFromProto(prefetch.lookupFrom),
  });
}

const strategies = ['average_vector', 'best_score', 'sum_scores'] as const;

export function queryFromProto(query: Query): RestQuery {
  const q = query.variant;
  switch (q.case) {
    case 'nearest':
      return { nearest: vectorInputFromProto(q.value) };
    case 'nearestWithMmr':
      return dropUndefined({
        nearest: vectorInputFromProto(q.value.nearest),
        mmr: q.value.mmr ? dropUndefined({ diversity: q.value.mmr.diversity, candidates_limit: q.value.mmr.candidatesLimit }) : undefined,
      });
    case 'recommend':
      return {
        recommend: dropUndefined({
          positive: q.value.positive.map(vectorInputFromProto),
          negative: q.value.negative.map(vectorInputFromProto),
          strategy: q.value.strategy === undefined ? undefined : strategies[q.value.strategy],
        }),
      };
    case 'discover':
      return { discover: { target: vectorInputFromProto(q.value.target), context: contextFromProto(q.value.context) } };
    case 'context':
      return { context: contextFromProto(q.value) };
    case 'orderBy':
      return { order_by: orderByFromProto(q.value) };
    case 'fusion':
      return { fusion: q.value === 1 ? 'dbsf' : 'rrf' };
    case 'rrf':
      return { rrf: dropUndefined({ k: q.value.k, weights: q.value.weights.length ? q.value.weights : undefined }) } as RestQuery;
    case 'sample':
      return { sample: 'random' };
    case 'formula':
      return {
        formula: expressionFromProto(q.value.expression),
        defaults: structToJson(q.value.defaults),
      } as RestQuery;
    case 'relevanceFeedback': {
      const naive = q.value.strategy?.variant.case === 'naive' ? q.value.strategy.variant.value : undefined;
      return {
        relevance_feedback: {
          target: vectorInputFromProto(q.value.target),
          feedback: q.value.feedback.map((f) => ({ example: vectorInputFromProto(f.example), score: f.score })),
          strategy: naive ? { naive: { a: naive.a, b: naive.b, c: naive.c } } : undefined,
        },
      } as RestQuery;
    }
    case undefined:
      throw invalid('query is empty: set one of its variants');
  }
}

function contextFromProto(context: ContextInput | undefined): Schemas['ContextPair'][] {
  return (context?.pairs ?? []).map((pair) => ({
    positive: vectorInputFromProto(pair.positive),
    negative: vectorInputFromProto(pair.negative),
  }));
}

export function orderByFromProto(orderBy: OrderBy): Schemas['OrderBy'] {
  const start = orderBy.startFrom?.value;
  let startFrom: number | string | undefined;
  if (start?.case === 'float') startFrom = start.value;
  else if (start?.case === 'integer') startFrom = bigintToNumber(start.value, 'start_from');
  else if (start?.case === 'timestamp') startFrom = timestampToIso(start.value, 'order_by.start_from');
  else if (start?.case === 'datetime') startFrom = start.value;
  return dropUndefined({
    key: orderBy.key,
    direction: orderBy.direction === undefined ? undefined : orderBy.direction === 1 ? ('desc' as const) : ('asc' as const),
    start_from: startFrom,
  });
}

function expressionFromProto(expression: Expression | undefined): Schemas['Expression'] {
  const e = expression?.variant;
  const decay = (d: DecayParamsExpression) =>
    dropUndefined({ x: expressionFromProto(d.x), target: d.target ? expressionFromProto(d.target) : undefined, scale: d.scale, midpoint: d.midpoint });
  switch (e?.case) {
    case 'constant':
      return e.value;
    case 'variable':
      return e.value;
    case 'condition':
      return conditionFromProto(e.value) as Schemas['Expression'];
    case 'geoDistance':
      return { geo_distance: { origin: { lon: e.value.origin?.lon ?? 0, lat: e.value.origin?.lat ?? 0 }, to: e.value.to } };
    case 'datetime':
      return { datetime: e.value };
    case 'datetimeKey':
      return { datetime_key: e.value };
    case 'mult':
      return { mult: e.value.mult.map(expressionFromProto) };
    case 'sum':
      return { sum: e.value.sum.map(expressionFromProto) };
    case 'div':
      return { div: dropUndefined({ left: expressionFromProto(e.value.left), right: expressionFromProto(e.value.right), by_zero_default: e.value.byZeroDefault }) };
    case 'neg':
      return { neg: expressionFromProto(e.value) };
    case 'abs':
      return { abs: expressionFromProto(e.value) };
    case 'sqrt':
      return { sqrt: expressionFromProto(e.value) };
    case 'pow':
      return { pow: { base: expressionFromProto(e.value.base), exponent: expressionFromProto(e.value.exponent) } };
    case 'exp':
      return { exp: expressionFromProto(e.value) };
    case 'log10':
      return { log10: expressionFromProto(e.value) };
    case 'ln':
      return { ln: expressionFromProto(e.value) };
    case 'expDecay':
      return { exp_decay: decay(e.value) };
    case 'gaussDecay':
      return { gauss_decay: decay(e.value) };
    case 'linDecay':
      return { lin_decay: decay(e.value) };
    case undefined:
      throw invalid('formula expression is empty');
  }
}

export function paramsFromProto(params: SearchParams | undefined): Schemas['SearchParams'] | undefined {
  if (!params) return undefined;
  const plain = messageToPlainSearch(params);
  return Object.keys(plain).length ? plain : undefined;
}

function messageToPlainSearch(params: SearchParams): Schemas['SearchParams'] {
  const out: Record<string, unknown> = {};
  if (params.hnswEf !== undefined) out.hnsw_ef = Number(params.hnswEf);
  if (params.exact !== undefined) out.exact = params.exact;
  if (params.indexedOnly !== undefined) out.indexed_only = params.indexedOnly;
  if (params.quantization) {
    const q = params.quantization;
    out.quantization = dropUndefined({ ignore: q.ignore, rescore: q.rescore, oversampling: q.oversampling });
  }
  if (params.acorn) out.acorn = dropUndefined({ enable: params.acorn.enable, max_selectivity: params.acorn.maxSelectivity });
  return out as Schemas['SearchParams'];
}

export function lookupFromProto(lookup: LookupLocation | undefined): Schemas['LookupLocation'] | undefined {
  return lookup ? dropUndefined({ collection: lookup.collectionName, vector: lookup.vectorName }) : undefined;
}

export function withLookupFromProto(lookup: WithLookup | undefined): Schemas['WithLookupInterface'] | undefined {
  if (!lookup) return undefined;
  return dropUndefined({
    collection: lookup.collection,
    with_payload: withPayloadFromProto(lookup.withPayload),
    with_vectors: withVectorsFromProto(lookup.withVectors),
  });
}

/** REST group ids are numbers or strings; gRPC splits numbers into unsigned and signed. */
export function groupToProto(group: Schemas['PointGroup']): MessageInitShape<typeof PointGroupSchema> {
  const id = group.id;
  return {
    id:
      typeof id === 'string' ? { kind: { case: 'stringValue', value: id } }
      : id >= 0 ? { kind: { case: 'unsignedValue', value: BigInt(id) } }
      : { kind: { case: 'integerValue', value: BigInt(id) } },
    hits: group.hits.map(scoredPointToProto),
    lookup: group.lookup ? retrievedPointToProto(group.lookup as Schemas['Record']) : undefined,
  };
}
