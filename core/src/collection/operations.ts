import type { PointKey } from '../segment/id-tracker.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';

/** A sparse vector as the API carries it: parallel index/value lists (indices unique, not necessarily sorted). */
export interface SparseValue {
  indices: number[];
  values: number[];
}

/** One vector of a point: dense (`number[]`), multi (`number[][]`) or sparse. Already checked against the collection. */
export type VectorValue = number[] | number[][] | SparseValue;

/** A point's vectors by name; the unnamed (default) vector has the name `''`, as in Qdrant. */
export type NamedVectors = Record<string, VectorValue>;

export type PayloadObject = Record<string, unknown>;

export interface PointWrite {
  id: PointKey;
  vectors: NamedVectors;
  payload: PayloadObject | null;
}

/**
 * Every mutation of a collection's points, as the op log stores it. Operations are plain JSON (serializable as is)
 * and fully resolved: a filter selector has already been turned into the list of ids it matched when the op was
 * accepted, so replaying the log reproduces exactly the same state whatever the payload looks like at replay time.
 *
 * Each accepted operation gets a sequence number (`operation_id`); every point it writes takes that number as its
 * `version`, and replay skips a point whose version is already at or above the op's number.
 */
export type Operation =
  | { type: 'upsert'; points: PointWrite[] }
  | { type: 'delete_points'; ids: PointKey[] }
  | { type: 'update_vectors'; points: { id: PointKey; vectors: NamedVectors }[] }
  | { type: 'delete_vectors'; ids: PointKey[]; names: string[] }
  | { type: 'set_payload'; ids: PointKey[]; payload: PayloadObject; key?: string }
  | { type: 'overwrite_payload'; ids: PointKey[]; payload: PayloadObject }
  | { type: 'delete_payload'; ids: PointKey[]; keys: string[] }
  | { type: 'clear_payload'; ids: PointKey[] }
  | { type: 'create_index'; field: string; schema: unknown }
  | { type: 'delete_index'; field: string };

export type OperationType = Operation['type'];


/** Bytes for the op log. JSON keeps records readable in a hex dump and portable across Node and browsers. */
export function encodeOperation(op: Operation): Uint8Array {
  return utf8Encode(JSON.stringify(op));
}

export function decodeOperation(bytes: Uint8Array): Operation {
  return JSON.parse(utf8Decode(bytes)) as Operation;
}
