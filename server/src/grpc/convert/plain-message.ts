import { isFieldSet, ScalarType } from '@bufbuild/protobuf';
import { invalid } from '../status.js';
import { bigintToNumber } from './json-value.js';
import type { DescEnum, DescField, DescMessage, Message } from '@bufbuild/protobuf';

/**
 * Many config messages (HnswConfigDiff, WalConfigDiff, OptimizersConfigDiff, StrictModeConfig, quantization
 * params...) have REST twins with the very same snake_case field names. Instead of a hand-written mapping per
 * message, these two functions walk the descriptor: 64-bit integers become numbers and back, enums become Qdrant's
 * lowercase REST names and back, unset optionals stay absent. Messages with real oneofs or different shapes have
 * their own converters; a oneof met here is converted by its variant's name, which is what REST's untagged unions
 * look like in the simple cases (e.g. quantization `{ scalar: {...} }`).
 */
export function messageToPlain(desc: DescMessage, message: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const record = message as unknown as Record<string, unknown>;
  for (const field of desc.fields) {
    if (field.oneof) {
      const oneof = record[field.oneof.localName] as { case?: string; value?: unknown };
      if (oneof.case === field.localName) out[field.name] = singleToPlain(field, oneof.value);
      continue;
    }
    if (!isFieldSet(message, field)) continue;
    const value = record[field.localName];
    if (field.fieldKind === 'list') out[field.name] = (value as unknown[]).map((v) => singleToPlain(field, v));
    else if (field.fieldKind === 'map') {
      const map: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) map[k] = singleToPlain(field, v);
      out[field.name] = map;
    } else out[field.name] = singleToPlain(field, value);
  }
  return out;
}

/**
 * Settings read here are stored and later sent back in `Collections/Get`: a uint64 above 2^53 would be stored
 * rounded (2^64 - 1 becomes 2^64, which no longer fits the field and breaks every later Get), and an enum number the
 * schema does not know has no REST name. Both are the caller's mistake, refused here as INVALID_ARGUMENT.
 */
function singleToPlain(field: DescField, value: unknown): unknown {
  if (typeof value === 'bigint') return bigintToNumber(value, field.name);
  const en = fieldEnum(field);
  if (en) {
    const name = enumToPlain(en, value as number);
    if (typeof name === 'number') throw invalid(`${field.name}: unknown ${en.name} value ${name}`);
    return name;
  }
  const msg = fieldMessage(field);
  if (msg) return messageToPlain(msg, value as Message);
  return value;
}

/** The inverse: a REST-shaped object to the init shape of `desc` (pass it to `create`). Unknown keys are ignored. */
export function plainToMessage(desc: DescMessage, plain: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (plain === null || typeof plain !== 'object') return out;
  const source = plain as Record<string, unknown>;
  for (const field of desc.fields) {
    const value = source[field.name];
    if (value === undefined || value === null) continue;
    if (field.oneof) {
      out[field.oneof.localName] = { case: field.localName, value: singleFromPlain(field, value) };
      continue;
    }
    if (field.fieldKind === 'list') {
      if (Array.isArray(value)) out[field.localName] = value.map((v) => singleFromPlain(field, v));
    } else if (field.fieldKind === 'map') {
      const map: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) map[k] = singleFromPlain(field, v);
      out[field.localName] = map;
    } else {
      const converted = singleFromPlain(field, value);
      if (converted !== undefined) out[field.localName] = converted;
    }
  }
  return out;
}

function singleFromPlain(field: DescField, value: unknown): unknown {
  const en = fieldEnum(field);
  if (en) return enumFromPlain(en, value);
  const msg = fieldMessage(field);
  if (msg) return plainToMessage(msg, value);
  if (typeof value === 'number' && is64Bit(field.scalar)) return BigInt(Math.trunc(value));
  return value;
}

function fieldEnum(field: DescField): DescEnum | undefined {
  if (field.fieldKind === 'enum') return field.enum;
  if ((field.fieldKind === 'list' && field.listKind === 'enum') || (field.fieldKind === 'map' && field.mapKind === 'enum')) {
    return field.enum;
  }
  return undefined;
}

function fieldMessage(field: DescField): DescMessage | undefined {
  if (field.fieldKind === 'message') return field.message;
  if ((field.fieldKind === 'list' && field.listKind === 'message') || (field.fieldKind === 'map' && field.mapKind === 'message')) {
    return field.message;
  }
  return undefined;
}

function is64Bit(scalar: ScalarType | undefined): boolean {
  return (
    scalar === ScalarType.INT64 || scalar === ScalarType.UINT64 || scalar === ScalarType.SINT64 ||
    scalar === ScalarType.FIXED64 || scalar === ScalarType.SFIXED64
  );
}

/** Qdrant's REST enums are the gRPC names in snake_case (`Int8` -> `int8`, `OneAndHalfBits` -> `one_and_half_bits`). */
export function enumToPlain(en: DescEnum, number: number): string | number {
  const value = en.values.find((v) => v.number === number);
  return value ? snake(value.name) : number;
}

export function enumFromPlain(en: DescEnum, plain: unknown): number | undefined {
  if (typeof plain === 'number') return plain;
  const wanted = String(plain).replace(/_/g, '').toLowerCase();
  return en.values.find((v) => v.name.replace(/_/g, '').toLowerCase() === wanted)?.number;
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
