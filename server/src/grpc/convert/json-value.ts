import type { MessageInitShape } from '@bufbuild/protobuf';
import { NullValue } from '@sextant/proto';
import type { Value, ValueSchema } from '@sextant/proto';
import { invalid } from '../status.js';

/**
 * Payload values (json_with_int.proto) <-> JSON. Unlike google.protobuf.Value, Qdrant's Value keeps integers apart
 * from doubles, so 5 and 5.0 survive a round trip: a JS number that is an integer goes out as `integer_value`.
 * Integers beyond 2^53 cannot be represented in the engine's JSON and are rejected rather than silently rounded.
 */
export type ValueInit = MessageInitShape<typeof ValueSchema>;

export function valueToJson(value: Value): unknown {
  const kind = value.kind;
  switch (kind.case) {
    case 'nullValue':
    case undefined:
      return null;
    case 'doubleValue':
    case 'stringValue':
    case 'boolValue':
      return kind.value;
    case 'integerValue':
      return bigintToNumber(kind.value, 'payload integer');
    case 'structValue':
      return structToJson(kind.value.fields);
    case 'listValue':
      return kind.value.values.map(valueToJson);
  }
}

export function structToJson(fields: { [key: string]: Value }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) out[key] = valueToJson(fields[key]!);
  return out;
}

export function jsonToValue(json: unknown): ValueInit {
  if (json === null || json === undefined) return { kind: { case: 'nullValue', value: NullValue.NULL_VALUE } };
  switch (typeof json) {
    case 'number':
      return Number.isInteger(json) && Number.isSafeInteger(json)
        ? { kind: { case: 'integerValue', value: BigInt(json) } }
        : { kind: { case: 'doubleValue', value: json } };
    case 'string':
      return { kind: { case: 'stringValue', value: json } };
    case 'boolean':
      return { kind: { case: 'boolValue', value: json } };
    case 'object':
      if (Array.isArray(json)) return { kind: { case: 'listValue', value: { values: json.map(jsonToValue) } } };
      return { kind: { case: 'structValue', value: { fields: jsonToStruct(json as Record<string, unknown>) } } };
    default:
      throw invalid(`cannot encode ${typeof json} as a payload value`);
  }
}

export function jsonToStruct(json: Record<string, unknown> | null | undefined): { [key: string]: ValueInit } {
  const out: { [key: string]: ValueInit } = {};
  if (!json) return out;
  for (const key of Object.keys(json)) out[key] = jsonToValue(json[key]);
  return out;
}

/** uint64/int64 fields arrive as bigint; the engine counts in doubles. */
export function bigintToNumber(value: bigint, what: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw invalid(`${what} ${value} is outside the safe integer range (-(2^53 - 1) to 2^53 - 1), so it could not be stored exactly`);
  return n;
}

/** An optional uint64 field as a number, or undefined when unset. */
export function optNumber(value: bigint | undefined, what = 'value'): number | undefined {
  return value === undefined ? undefined : bigintToNumber(value, what);
}
