import type { PointKey } from '../segment/id-tracker.js';
import type { VectorSpec } from './config.js';
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
  | { type: 'delete_index'; field: string }
  /** Adds an empty vector space (see vector-names.ts); `spec` is resolved from the config when the op is accepted. */
  | { type: 'create_vector'; name: string; kind: 'dense' | 'sparse'; params: object; spec: VectorSpec }
  /** Drops a vector name and every point's vector under it. */
  | { type: 'delete_vector'; name: string };

export type OperationType = Operation['type'];


/**
 * Bytes for the op log: `u32 jsonLength | JSON | zero pad to 8 | f64[]`. Dense and multi vectors (the bulk of an
 * upsert) leave the JSON as `{"$d": [offset, length]}` / `{"$m": [offset, rows, dim]}` references into the float64
 * tail: exact (replay sees the very numbers the live write saw) and about a third of their JSON size, with no
 * number formatting on the write path. Everything else stays readable JSON.
 */
export function encodeOperation(op: Operation): Uint8Array {
  if (op.type !== 'upsert' && op.type !== 'update_vectors') return withTail(utf8Encode(JSON.stringify(op)), undefined);
  let total = 0;
  for (const p of op.points) for (const v of Object.values(p.vectors)) total += floatCount(v);
  const floats = new Float64Array(total);
  let at = 0;
  const pack = (vectors: NamedVectors): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(vectors)) {
      if (!Array.isArray(v)) out[name] = v;
      else if (v.length > 0 && Array.isArray(v[0])) {
        const rows = v as number[][];
        const dim = rows[0]!.length;
        out[name] = { $m: [at, rows.length, dim] };
        for (const row of rows) {
          floats.set(row, at);
          at += dim;
        }
      } else {
        out[name] = { $d: [at, v.length] };
        floats.set(v as number[], at);
        at += v.length;
      }
    }
    return out;
  };
  const packed = { ...op, points: op.points.map((p) => ({ ...p, vectors: pack(p.vectors) })) };
  return withTail(utf8Encode(JSON.stringify(packed)), floats);
}

export function decodeOperation(bytes: Uint8Array): Operation {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(0, true);
  const op = JSON.parse(utf8Decode(bytes.subarray(4, 4 + jsonLength))) as Operation;
  if (op.type !== 'upsert' && op.type !== 'update_vectors') return op;
  const tailAt = align8(4 + jsonLength);
  // Copy the tail out: the record's bytes need not be 8-aligned in their buffer.
  const floats = new Float64Array(bytes.slice(tailAt).buffer);
  for (const p of op.points as { vectors: Record<string, unknown> }[]) {
    for (const [name, v] of Object.entries(p.vectors)) {
      const ref = v as { $d?: [number, number]; $m?: [number, number, number] };
      if (ref.$d !== undefined) p.vectors[name] = Array.from(floats.subarray(ref.$d[0], ref.$d[0] + ref.$d[1]));
      else if (ref.$m !== undefined) {
        const [start, rows, dim] = ref.$m;
        p.vectors[name] = Array.from({ length: rows }, (_, r) => Array.from(floats.subarray(start + r * dim, start + (r + 1) * dim)));
      }
    }
  }
  return op;
}

function floatCount(v: VectorValue): number {
  if (!Array.isArray(v)) return 0;
  if (v.length > 0 && Array.isArray(v[0])) return (v as number[][]).reduce((n, row) => n + row.length, 0);
  return v.length;
}

function withTail(json: Uint8Array, floats: Float64Array | undefined): Uint8Array {
  const tailAt = align8(4 + json.length);
  const out = new Uint8Array(floats === undefined ? 4 + json.length : tailAt + floats.byteLength);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  if (floats !== undefined) out.set(new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength), tailAt);
  return out;
}

const align8 = (n: number) => (n + 7) & ~7;
