import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Schemas } from '@sextant/core';
import { UpdateStatus } from '@sextant/proto';
import type {
  OrderValueSchema,
  PointStruct,
  PointsSelector,
  RetrievedPointSchema,
  ScoredPointSchema,
  UpdateResultSchema,
  WithPayloadSelector,
  WithVectorsSelector,
  WriteOrdering,
} from '@sextant/proto';
import { invalid } from '../status.js';
import { filterFromProto } from './filter.js';
import { jsonToStruct, structToJson } from './json-value.js';
import { pointIdFromProto, pointIdToProto } from './point-id.js';
import { vectorsFromProto, vectorsToProto } from './vectors.js';

/** Points family: structs, selectors, and the records the engine returns, between qdrant.* and REST shapes. */

export function pointStructFromProto(point: PointStruct): Schemas['PointStruct'] {
  return { id: pointIdFromProto(point.id), vector: vectorsFromProto(point.vectors), payload: structToJson(point.payload) };
}

/** A PointsSelector is either ids or a filter; REST spells the same as `{ points }` or `{ filter }`. */
export function selectorFromProto(selector: PointsSelector | undefined): { points: Schemas['ExtendedPointId'][] } | { filter: Schemas['Filter'] } {
  const s = selector?.pointsSelectorOneOf;
  if (s?.case === 'points') return { points: s.value.ids.map(pointIdFromProto) };
  if (s?.case === 'filter') return { filter: filterFromProto(s.value) ?? {} };
  throw invalid('points selector is empty: give point ids or a filter');
}

export function withPayloadFromProto(selector: WithPayloadSelector | undefined): Schemas['WithPayloadInterface'] | undefined {
  const s = selector?.selectorOptions;
  switch (s?.case) {
    case 'enable':
      return s.value;
    case 'include':
      return { include: s.value.fields };
    case 'exclude':
      return { exclude: s.value.fields };
    default:
      return undefined;
  }
}

export function withVectorsFromProto(selector: WithVectorsSelector | undefined): Schemas['WithVector'] | undefined {
  const s = selector?.selectorOptions;
  if (s?.case === 'enable') return s.value;
  if (s?.case === 'include') return s.value.names;
  return undefined;
}

/** Sextant has one replica and one order, so `weak`/`medium`/`strong` all mean the same; pass it on for REST parity. */
export function orderingFromProto(ordering: WriteOrdering | undefined): Schemas['WriteOrdering'] | undefined {
  if (!ordering) return undefined;
  return (['weak', 'medium', 'strong'] as const)[ordering.type] ?? undefined;
}

export function updateResultToProto(result: Schemas['UpdateResult']): MessageInitShape<typeof UpdateResultSchema> {
  const status =
    result.status === 'completed' ? UpdateStatus.Completed
    : result.status === 'acknowledged' ? UpdateStatus.Acknowledged
    : result.status === 'wait_timeout' ? UpdateStatus.WaitTimeout
    : UpdateStatus.UnknownUpdateStatus;
  const operationId = result.operation_id;
  return { operationId: operationId === null || operationId === undefined ? undefined : BigInt(operationId), status };
}

type RestRecord = Schemas['Record'];
type RestScored = Schemas['ScoredPoint'];

export function retrievedPointToProto(record: RestRecord): MessageInitShape<typeof RetrievedPointSchema> {
  return {
    id: pointIdToProto(record.id),
    payload: jsonToStruct(record.payload as Record<string, unknown> | null | undefined),
    vectors: vectorsToProto(record.vector),
    orderValue: orderValueToProto(record.order_value),
  };
}

export function scoredPointToProto(point: RestScored): MessageInitShape<typeof ScoredPointSchema> {
  return {
    id: pointIdToProto(point.id),
    payload: jsonToStruct(point.payload as Record<string, unknown> | null | undefined),
    score: point.score,
    version: BigInt(point.version ?? 0),
    vectors: vectorsToProto(point.vector),
    orderValue: orderValueToProto(point.order_value),
  };
}

function orderValueToProto(value: unknown): MessageInitShape<typeof OrderValueSchema> | undefined {
  if (typeof value !== 'number') return undefined;
  return Number.isInteger(value)
    ? { variant: { case: 'int', value: BigInt(value) } }
    : { variant: { case: 'float', value } };
}
