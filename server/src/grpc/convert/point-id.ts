import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PointId, PointIdSchema } from '@sextant/proto';
import type { PointId as RestPointId } from '@sextant/core';
import { invalid } from '../status.js';
import { bigintToNumber } from './json-value.js';

/** PointId <-> the REST id (unsigned integer or UUID string). An empty oneof is a client bug: reject it. */
export function pointIdFromProto(id: PointId | undefined): RestPointId {
  const options = id?.pointIdOptions;
  if (options?.case === 'num') return bigintToNumber(options.value, 'point id');
  if (options?.case === 'uuid') return options.value;
  throw invalid('point id is empty: set `num` or `uuid`');
}

export function pointIdToProto(id: RestPointId): MessageInitShape<typeof PointIdSchema> {
  return typeof id === 'number'
    ? { pointIdOptions: { case: 'num', value: BigInt(id) } }
    : { pointIdOptions: { case: 'uuid', value: id } };
}
