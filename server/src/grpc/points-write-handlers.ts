import type { Schemas, SextantClient } from '@sextant/core';
import { DenseVectorCreationConfigSchema, FieldType, SparseVectorCreationConfigSchema, UpdateMode } from '@sextant/proto';
import type { Points, PointsUpdateOperation, PointVectors } from '@sextant/proto';
import { status as Status } from '@grpc/grpc-js';
import { payloadIndexParamsFromProto } from './convert/collections.js';
import { filterFromProto } from './convert/filter.js';
import { optNumber, structToJson } from './convert/json-value.js';
import { pointIdFromProto } from './convert/point-id.js';
import { messageToPlain } from './convert/plain-message.js';
import { orderingFromProto, pointStructFromProto, selectorFromProto, updateResultToProto } from './convert/points.js';
import { vectorsFromProto } from './convert/vectors.js';
import { GrpcStatusError, invalid } from './status.js';
import type { Handlers } from './unary.js';

type PointsMethods = (typeof Points)['method'];
type WriteMethod =
  | 'upsert' | 'delete' | 'updateVectors' | 'deleteVectors' | 'setPayload' | 'overwritePayload' | 'deletePayload'
  | 'clearPayload' | 'createFieldIndex' | 'deleteFieldIndex' | 'createVectorName' | 'deleteVectorName' | 'updateBatch';

const fieldTypes = ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid'] as const;
const updateModes = { [UpdateMode.Upsert]: 'upsert', [UpdateMode.InsertOnly]: 'insert_only', [UpdateMode.UpdateOnly]: 'update_only' } as const;

/**
 * The Points rpcs that change data. gRPC's `wait` defaults to false like Qdrant's (REST's JS client defaults to
 * true), so an unset `wait` is passed as false and the answer says `Acknowledged`.
 */
export function pointsWriteHandlers(client: SextantClient): Pick<Handlers<PointsMethods>, WriteMethod> {
  const common = (r: { wait?: boolean; ordering?: { type: number }; timeout?: bigint }) => ({
    wait: r.wait ?? false,
    ordering: orderingFromProto(r.ordering as Parameters<typeof orderingFromProto>[0]),
    timeout: optNumber(r.timeout),
  });
  return {
    upsert: async (r) => ({
      result: updateResultToProto(
        await client.upsert(r.collectionName, {
          ...common(r),
          points: r.points.map(pointStructFromProto),
          update_filter: filterFromProto(r.updateFilter),
          update_mode: r.updateMode === undefined ? undefined : updateModes[r.updateMode],
        } as Parameters<SextantClient['upsert']>[1]),
      ),
    }),
    delete: async (r) => ({
      result: updateResultToProto(await client.delete(r.collectionName, { ...common(r), ...selectorFromProto(r.points) })),
    }),
    updateVectors: async (r) => ({
      result: updateResultToProto(
        await client.updateVectors(r.collectionName, {
          ...common(r),
          points: r.points.map(pointVectorsFromProto),
          update_filter: filterFromProto(r.updateFilter),
        } as Parameters<SextantClient['updateVectors']>[1]),
      ),
    }),
    deleteVectors: async (r) => ({
      result: updateResultToProto(
        await client.deleteVectors(r.collectionName, {
          ...common(r),
          ...selectorFromProto(r.pointsSelector),
          vector: r.vectors?.names ?? [],
        }),
      ),
    }),
    setPayload: async (r) => ({
      result: updateResultToProto(
        await client.setPayload(r.collectionName, {
          ...common(r),
          ...optionalSelector(r.pointsSelector),
          payload: structToJson(r.payload),
          key: r.key,
        }),
      ),
    }),
    overwritePayload: async (r) => ({
      result: updateResultToProto(
        await client.overwritePayload(r.collectionName, {
          ...common(r),
          ...optionalSelector(r.pointsSelector),
          payload: structToJson(r.payload),
          key: r.key,
        } as Parameters<SextantClient['overwritePayload']>[1]),
      ),
    }),
    deletePayload: async (r) => ({
      result: updateResultToProto(
        await client.deletePayload(r.collectionName, { ...common(r), ...selectorFromProto(r.pointsSelector), keys: r.keys }),
      ),
    }),
    clearPayload: async (r) => ({
      result: updateResultToProto(await client.clearPayload(r.collectionName, { ...common(r), ...selectorFromProto(r.points) })),
    }),
    createFieldIndex: async (r) => {
      const params = r.fieldIndexParams ? payloadIndexParamsFromProto(r.fieldIndexParams) : undefined;
      const type = r.fieldType === undefined ? undefined : fieldTypes[r.fieldType as FieldType];
      const schema = params ?? type;
      if (schema === undefined) throw invalid('field index needs `field_type` or `field_index_params`');
      return {
        result: updateResultToProto(
          await client.createPayloadIndex(r.collectionName, {
            ...common(r),
            field_name: r.fieldName,
            field_schema: schema as Schemas['PayloadFieldSchema'],
          }),
        ),
      };
    },
    deleteFieldIndex: async (r) => ({
      result: updateResultToProto(await client.deletePayloadIndex(r.collectionName, r.fieldName, common(r))),
    }),
    createVectorName: async (r) => {
      const engine = client as VectorNameClient;
      if (typeof engine.createVectorName !== 'function') throw vectorNamesUnsupported();
      const c = r.vectorConfig;
      // REST's VectorNameConfig: `{ dense: { size, distance, ... } }` or `{ sparse: { modifier, ... } }`.
      const config =
        c.case === 'denseConfig' ? { dense: { ...messageToPlain(DenseVectorCreationConfigSchema, c.value), size: Number(c.value.size), distance: distanceName(c.value.distance) } }
        : c.case === 'sparseConfig' ? { sparse: messageToPlain(SparseVectorCreationConfigSchema, c.value) }
        : undefined;
      if (!config) throw invalid('vector config is empty: set `dense_config` or `sparse_config`');
      return { result: updateResultToProto((await engine.createVectorName(r.collectionName, r.vectorName, config, common(r))) as Schemas['UpdateResult']) };
    },
    deleteVectorName: async (r) => {
      const engine = client as VectorNameClient;
      if (typeof engine.deleteVectorName !== 'function') throw vectorNamesUnsupported();
      return { result: updateResultToProto((await engine.deleteVectorName(r.collectionName, r.vectorName, common(r))) as Schemas['UpdateResult']) };
    },
    updateBatch: async (r) => {
      const results = await client.batchUpdate(r.collectionName, {
        ...common(r),
        operations: r.operations.map(operationFromProto),
      });
      return { result: results.map(updateResultToProto) };
    },
  };
}

/** Engine methods newer than `SextantClient` (the REST routes call the same ones): used when the engine has them. */
type VectorNameClient = SextantClient & {
  createVectorName?: (collection: string, vectorName: string, config: unknown, args?: object) => Promise<unknown>;
  deleteVectorName?: (collection: string, vectorName: string, args?: object) => Promise<unknown>;
};

function vectorNamesUnsupported(): GrpcStatusError {
  return new GrpcStatusError(Status.UNIMPLEMENTED, 'Adding or removing vector names is not supported by Sextant\'s engine yet');
}

function distanceName(distance: number): string {
  const name = ['', 'Cosine', 'Euclid', 'Dot', 'Manhattan'][distance];
  if (!name) throw invalid('dense vector config needs a distance (Cosine, Euclid, Dot or Manhattan)');
  return name;
}

function pointVectorsFromProto(point: PointVectors): Schemas['PointVectors'] {
  return { id: pointIdFromProto(point.id), vector: vectorsFromProto(point.vectors) as Schemas['PointVectors']['vector'] };
}

/** Payload ops may omit the selector entirely in gRPC; REST then needs neither `points` nor `filter`. */
function optionalSelector(selector: Parameters<typeof selectorFromProto>[0]) {
  return selector?.pointsSelectorOneOf.case ? selectorFromProto(selector) : {};
}

function operationFromProto(operation: PointsUpdateOperation): Schemas['UpdateOperation'] {
  const o = operation.operation;
  switch (o.case) {
    case 'upsert':
      return { upsert: { points: o.value.points.map(pointStructFromProto), update_filter: filterFromProto(o.value.updateFilter) } } as Schemas['UpdateOperation'];
    case 'deletePoints':
      return { delete: selectorFromProto(o.value.points) };
    case 'deleteDeprecated':
      return { delete: selectorFromProto(o.value) };
    case 'setPayload':
      return { set_payload: { payload: structToJson(o.value.payload), ...optionalSelector(o.value.pointsSelector), key: o.value.key } };
    case 'overwritePayload':
      return { overwrite_payload: { payload: structToJson(o.value.payload), ...optionalSelector(o.value.pointsSelector), key: o.value.key } } as Schemas['UpdateOperation'];
    case 'deletePayload':
      return { delete_payload: { keys: o.value.keys, ...optionalSelector(o.value.pointsSelector) } };
    case 'clearPayload':
      return { clear_payload: selectorFromProto(o.value.points) };
    case 'clearPayloadDeprecated':
      return { clear_payload: selectorFromProto(o.value) };
    case 'updateVectors':
      return { update_vectors: { points: o.value.points.map(pointVectorsFromProto), update_filter: filterFromProto(o.value.updateFilter) } } as Schemas['UpdateOperation'];
    case 'deleteVectors':
      return { delete_vectors: { ...selectorFromProto(o.value.pointsSelector), vector: o.value.vectors?.names ?? [] } };
    case undefined:
      throw invalid('update operation is empty: set one of its variants');
  }
}
