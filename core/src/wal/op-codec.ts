import { type NamedVectors, type Operation, decodeOperation } from '../collection/operations.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';

/**
 * What an op log record's payload holds: an operation, or a note that op numbers up to the record's own were given
 * out (acknowledged with `wait=false`) before a crash lost them (see `Collection.open`), so a gap below it is not
 * missing data.
 */
export type LoggedOp = Operation | { type: '$skip'; from: number };

/**
 * First word of a version-2 payload. Version-1 payloads (`operations.ts`'s `encodeOperation`) start with the length
 * of their JSON, which can never be this large (a record's body length is a u32 that includes it), so the word tells
 * the two apart.
 */
const V2 = 0xffffff02;

/**
 * Op log payload, version 2 (little endian):
 * `u32 V2 | u32 jsonLength | u32 f32Count | u32 u32Count | JSON | zero pad to 4 | f32[f32Count] | u32[u32Count]`.
 *
 * Vectors leave the JSON for the binary tail as float32, which is what every vector storage keeps (a dense value is
 * rounded to float32 before a Cosine normalization, in float32, so replay stores the very bits the live write did):
 * dense `{"$f": [offset, length]}`, multi `{"$m": [offset, rows, dim]}`, sparse `{"$s": [f32Offset, u32Offset, nnz]}`
 * (values in the float area, indices in the u32 area). A 384-dimension point costs 1.5 KB instead of 3 KB (float64,
 * version 1) or ~8 KB (JSON). Payloads and every other field stay JSON.
 */
export function encodeLoggedOp(op: LoggedOp): Uint8Array {
  let floats = 0;
  let ints = 0;
  const carriesVectors = op.type === 'upsert' || op.type === 'update_vectors';
  if (carriesVectors) {
    for (const p of op.points) {
      for (const v of Object.values(p.vectors)) {
        if (!Array.isArray(v)) {
          floats += v.values.length;
          ints += v.indices.length;
        } else if (v.length > 0 && Array.isArray(v[0])) for (const row of v as number[][]) floats += row.length;
        else floats += v.length;
      }
    }
  }
  const f32 = new Float32Array(floats);
  const u32 = new Uint32Array(ints);
  let fAt = 0;
  let uAt = 0;
  const pack = (vectors: NamedVectors): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(vectors)) {
      if (!Array.isArray(v)) {
        out[name] = { $s: [fAt, uAt, v.values.length] };
        f32.set(v.values, fAt);
        u32.set(v.indices, uAt);
        fAt += v.values.length;
        uAt += v.indices.length;
      } else if (v.length > 0 && Array.isArray(v[0])) {
        const rows = v as number[][];
        const dim = rows[0]!.length;
        out[name] = { $m: [fAt, rows.length, dim] };
        for (const row of rows) {
          f32.set(row, fAt);
          fAt += dim;
        }
      } else {
        out[name] = { $f: [fAt, v.length] };
        f32.set(v as number[], fAt);
        fAt += v.length;
      }
    }
    return out;
  };
  const packed = carriesVectors ? { ...op, points: op.points.map((p) => ({ ...p, vectors: pack(p.vectors) })) } : op;
  const json = utf8Encode(JSON.stringify(packed));
  const tailAt = align4(16 + json.length);
  const out = new Uint8Array(tailAt + f32.byteLength + u32.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, V2, true);
  view.setUint32(4, json.length, true);
  view.setUint32(8, floats, true);
  view.setUint32(12, ints, true);
  out.set(json, 16);
  out.set(new Uint8Array(f32.buffer), tailAt);
  out.set(new Uint8Array(u32.buffer), tailAt + f32.byteLength);
  return out;
}

/** The first skipped number when `bytes` is a skip note, else undefined; decodes only payloads small enough to be one. */
export function skippedFrom(bytes: Uint8Array): number | undefined {
  if (bytes.length < 16 || bytes.length > 128) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== V2) return undefined;
  const op = decodeLoggedOp(bytes);
  return op.type === '$skip' ? op.from : undefined;
}

/** Decodes a payload of either version. Throws on bytes that are neither (the record's CRC passed, so a bug). */
export function decodeLoggedOp(bytes: Uint8Array): LoggedOp {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint32(0, true) !== V2) return decodeOperation(bytes);
  const jsonLength = view.getUint32(4, true);
  const floats = view.getUint32(8, true);
  const ints = view.getUint32(12, true);
  const op = JSON.parse(utf8Decode(bytes.subarray(16, 16 + jsonLength))) as LoggedOp;
  if (op.type !== 'upsert' && op.type !== 'update_vectors') return op;
  const tailAt = align4(16 + jsonLength);
  // Copied out: the payload need not be 4-aligned in its buffer.
  const f32 = new Float32Array(bytes.slice(tailAt, tailAt + floats * 4).buffer);
  const u32 = new Uint32Array(bytes.slice(tailAt + floats * 4, tailAt + floats * 4 + ints * 4).buffer);
  for (const p of op.points as { vectors: Record<string, unknown> }[]) {
    for (const [name, v] of Object.entries(p.vectors)) {
      const ref = v as { $f?: [number, number]; $m?: [number, number, number]; $s?: [number, number, number] };
      if (ref.$f !== undefined) p.vectors[name] = Array.from(f32.subarray(ref.$f[0], ref.$f[0] + ref.$f[1]));
      else if (ref.$m !== undefined) {
        const [start, rows, dim] = ref.$m;
        p.vectors[name] = Array.from({ length: rows }, (_, r) => Array.from(f32.subarray(start + r * dim, start + (r + 1) * dim)));
      } else if (ref.$s !== undefined) {
        const [fStart, uStart, nnz] = ref.$s;
        p.vectors[name] = { indices: Array.from(u32.subarray(uStart, uStart + nnz)), values: Array.from(f32.subarray(fStart, fStart + nnz)) };
      }
    }
  }
  return op;
}

const align4 = (n: number) => (n + 3) & ~3;
