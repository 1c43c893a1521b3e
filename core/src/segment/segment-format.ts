import { SextantError } from '../client/errors.js';
import { crc32 } from '../wal/crc32.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';

/** "SXSG" little endian: lets a reader reject a blob that is not a segment before trusting any length in it. */
const MAGIC = 0x47535853;
const FORMAT_VERSION = 1;

/**
 * One segment as bytes: the image the server sends for an initial sync, and the old single-blob form of a stored
 * segment (still read). Storage now keeps the same sections as content-named chunks under a manifest
 * (segment-manifest.ts, collection/segment-generations.ts), so that a flush rewrites only what changed.
 *
 * A container of named sections (id tracker, each vector storage, HNSW graphs, payloads, payload and sparse indexes),
 * each with its own length and CRC-32, plus the sequence number of the last operation the segment contains: replay
 * after open skips every logged op at or below it.
 *
 * Layout (little endian): `u32 magic | u32 version | f64 lastSeq | u32 sectionCount`, then per section
 * `u16 nameLength | name (utf-8) | u32 byteLength | u32 crc32 | bytes`.
 */
export interface SegmentImage {
  lastSeq: number;
  sections: Map<string, Uint8Array>;
}

export function encodeSegment(image: SegmentImage): Uint8Array {
  const names = [...image.sections.keys()].map((n) => utf8Encode(n));
  let total = 20;
  let i = 0;
  for (const bytes of image.sections.values()) total += 2 + names[i++]!.length + 8 + bytes.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setFloat64(8, image.lastSeq, true);
  view.setUint32(16, image.sections.size, true);
  let at = 20;
  i = 0;
  for (const bytes of image.sections.values()) {
    const name = names[i++]!;
    view.setUint16(at, name.length, true);
    out.set(name, at + 2);
    at += 2 + name.length;
    view.setUint32(at, bytes.length, true);
    view.setUint32(at + 4, crc32(bytes), true);
    out.set(bytes, at + 8);
    at += 8 + bytes.length;
  }
  return out;
}

/** Decodes and verifies every section; throws `storage_corrupted` naming the first section that fails. */
export function decodeSegment(bytes: Uint8Array, what = 'segment'): SegmentImage {
  const corrupt = (why: string) => new SextantError('storage_corrupted', `Service internal error: ${what} is corrupted: ${why}`);
  if (bytes.length < 20) throw corrupt('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw corrupt('bad magic number');
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION) throw corrupt(`unknown format version ${version}`);
  const lastSeq = view.getFloat64(8, true);
  const count = view.getUint32(16, true);
  const sections = new Map<string, Uint8Array>();
  let at = 20;
  for (let s = 0; s < count; s++) {
    if (at + 2 > bytes.length) throw corrupt('truncated section header');
    const nameLength = view.getUint16(at, true);
    if (at + 2 + nameLength + 8 > bytes.length) throw corrupt('truncated section header');
    const name = utf8Decode(bytes.subarray(at + 2, at + 2 + nameLength));
    at += 2 + nameLength;
    const length = view.getUint32(at, true);
    const crc = view.getUint32(at + 4, true);
    at += 8;
    if (at + length > bytes.length) throw corrupt(`section ${name} is truncated`);
    const body = bytes.subarray(at, at + length);
    if (crc32(body) !== crc) throw corrupt(`section ${name} fails its checksum`);
    sections.set(name, body);
    at += length;
  }
  return { lastSeq, sections };
}
