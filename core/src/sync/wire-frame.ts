import { errors } from '../client/errors.js';
import type { NamedVectors, VectorValue } from '../collection/operations.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';

/** "SXSY" little endian: a sync frame, told apart from a JSON error envelope or a stray proxy page at byte 0. */
const MAGIC = 0x59535853;
export const SYNC_FORMAT_VERSION = 1;
const HEAD = 16;

/**
 * The one container every sync message travels in: a JSON header for the small structured parts (ids, versions,
 * payloads, checkpoints) and one binary blob for the bulk (vectors as 4-byte words, or an encoded segment).
 * Vectors never travel as JSON number arrays: the header only holds their offsets into the blob.
 *
 * Layout (little endian): `u32 magic | u32 version | u32 jsonLength | u32 blobLength | json (utf-8) | pad to 4 | blob`.
 */
export function encodeFrame(meta: unknown, blob: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = utf8Encode(JSON.stringify(meta));
  const blobAt = align4(HEAD + json.length);
  const out = new Uint8Array(blobAt + blob.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, SYNC_FORMAT_VERSION, true);
  view.setUint32(8, json.length, true);
  view.setUint32(12, blob.length, true);
  out.set(json, HEAD);
  out.set(blob, blobAt);
  return out;
}

/** Splits a frame; throws a 400 `bad_request` when the bytes are not a whole frame of this version. */
export function decodeFrame(bytes: Uint8Array): { meta: unknown; blob: Uint8Array } {
  const bad = (why: string) => errors.badRequest(`sync frame: ${why}`);
  if (bytes.length < HEAD) throw bad('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw bad('not a sync frame (bad magic number)');
  const version = view.getUint32(4, true);
  if (version !== SYNC_FORMAT_VERSION) throw bad(`unsupported version ${version}, expected ${SYNC_FORMAT_VERSION}`);
  const jsonLength = view.getUint32(8, true);
  const blobLength = view.getUint32(12, true);
  const blobAt = align4(HEAD + jsonLength);
  if (blobAt + blobLength > bytes.length) throw bad('truncated');
  let meta: unknown;
  try {
    meta = JSON.parse(utf8Decode(bytes.subarray(HEAD, HEAD + jsonLength)));
  } catch (error) {
    throw bad(`header is not JSON (${(error as Error).message})`);
  }
  return { meta, blob: bytes.subarray(blobAt, blobAt + blobLength) };
}

/** Where a vector sits in the blob, by kind: dense `[at, length]`, multi `[at, rows, dim]`, sparse `[at, n]` (n indices then n values). */
export type PackedVector = { d: [number, number] } | { m: [number, number, number] } | { s: [number, number] };
export type PackedVectors = Record<string, PackedVector>;

/**
 * Collects vectors into one growable arena of 4-byte words (float32 values, uint32 sparse indices over the same
 * buffer), doubling as it grows: no per-vector buffers, and the result is one copy into the frame.
 */
export class VectorPacker {
  private f32 = new Float32Array(1024);
  private u32 = new Uint32Array(this.f32.buffer);
  private used = 0;

  packAll(vectors: NamedVectors): PackedVectors {
    const out: PackedVectors = {};
    for (const [name, value] of Object.entries(vectors)) out[name] = this.pack(value);
    return out;
  }

  pack(value: VectorValue): PackedVector {
    if (!Array.isArray(value)) {
      const n = value.indices.length;
      const at = this.reserve(2 * n);
      for (let i = 0; i < n; i++) {
        this.u32[at + i] = value.indices[i]!;
        this.f32[at + n + i] = value.values[i]!;
      }
      return { s: [at, n] };
    }
    if (value.length > 0 && Array.isArray(value[0])) {
      const rows = value as number[][];
      const dim = rows[0]!.length;
      const at = this.reserve(rows.length * dim);
      rows.forEach((row, r) => this.f32.set(row, at + r * dim));
      return { m: [at, rows.length, dim] };
    }
    const dense = value as number[];
    const at = this.reserve(dense.length);
    this.f32.set(dense, at);
    return { d: [at, dense.length] };
  }

  /** The arena's used words as bytes (a view, valid until the next `pack`). */
  bytes(): Uint8Array {
    return new Uint8Array(this.f32.buffer, 0, this.used * 4);
  }

  private reserve(words: number): number {
    const at = this.used;
    if (at + words > this.f32.length) {
      let size = this.f32.length * 2;
      while (size < at + words) size *= 2;
      const next = new Float32Array(size);
      next.set(this.f32.subarray(0, at));
      this.f32 = next;
      this.u32 = new Uint32Array(next.buffer);
    }
    this.used += words;
    return at;
  }
}

/** Reads vectors back out of a frame's blob; checks every offset against the blob so a bad frame cannot read past it. */
export class VectorUnpacker {
  private readonly f32: Float32Array;
  private readonly u32: Uint32Array;

  constructor(blob: Uint8Array) {
    // Float32Array needs 4-byte alignment; a Buffer from a pooled allocation may start anywhere.
    const aligned = blob.byteOffset % 4 === 0 ? blob : blob.slice();
    this.f32 = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
    this.u32 = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
  }

  unpackAll(packed: unknown): NamedVectors {
    if (packed === null || typeof packed !== 'object' || Array.isArray(packed)) throw errors.badRequest('sync frame: vectors must be an object');
    const out: NamedVectors = {};
    for (const [name, p] of Object.entries(packed as Record<string, unknown>)) out[name] = this.unpack(p);
    return out;
  }

  unpack(p: unknown): VectorValue {
    const ref = p as Partial<Record<'d' | 'm' | 's', number[]>>;
    if (Array.isArray(ref.d)) {
      const [at, n] = this.range(ref.d, ref.d[1]);
      return Array.from(this.f32.subarray(at, at + n));
    }
    if (Array.isArray(ref.m)) {
      const [at, rows, dim] = ref.m as [number, number, number];
      this.range(ref.m, rows * dim);
      const out: number[][] = [];
      for (let r = 0; r < rows; r++) out.push(Array.from(this.f32.subarray(at + r * dim, at + (r + 1) * dim)));
      return out;
    }
    if (Array.isArray(ref.s)) {
      const [at, n] = this.range(ref.s, 2 * ref.s[1]!);
      return { indices: Array.from(this.u32.subarray(at, at + n)), values: Array.from(this.f32.subarray(at + n, at + 2 * n)) };
    }
    throw errors.badRequest('sync frame: unknown vector encoding');
  }

  private range(ref: number[], words: number): number[] {
    const at = ref[0]!;
    if (!ref.every((x) => Number.isInteger(x) && x >= 0) || !Number.isInteger(words) || at + words > this.f32.length) {
      throw errors.badRequest('sync frame: vector outside the blob');
    }
    return ref;
  }
}

const align4 = (n: number) => (n + 3) & ~3;
