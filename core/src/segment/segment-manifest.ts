import { SextantError } from '../client/errors.js';
import { crc32 } from '../wal/crc32.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';
import type { ChunkRef } from './segment-chunks.js';

/** "SXMF" little endian: a manifest, as opposed to a single-blob segment ("SXSG", segment-format.ts). */
const MAGIC = 0x464d5853;
const FORMAT_VERSION = 3;
/** Version 4: the body is `[sections, rowFiles]`, written only when some vector name is served from a row file. */
const ROW_FILES_VERSION = 4;
/** Version 2 had no patches; it reads as version 3 without them. */
const OLDEST_VERSION = 2;

/**
 * The small blob that names one generation of a segment stored in chunks: per section (in the order
 * `LocalSegment.encode` gives them) its byte length and the content-named chunk blobs that make it up, each with its
 * CRC-32. Written last and atomically: a generation exists once its manifest does, so chunks may be written in any
 * order before it and deleted only once no kept manifest names them.
 *
 * Layout (little endian): `u32 magic | u32 version | f64 lastSeq | u32 bodyLength | u32 crc32(body) | body`, where
 * body is UTF-8 JSON `[[sectionName, byteLength, [[blob, crc, length], ...], patch?, index?], ...]`, `patch` being
 * `[blob, crc, length]` of a patch blob (segment-patch.ts) laid over the chunks (or null), `index` that of the
 * chunks' block hashes, so a writer reopened later can patch against them without reading them. JSON keeps it short to write; even a
 * 100,000-point collection names only a few hundred chunks.
 */
export interface SectionRef {
  name: string;
  length: number;
  chunks: ChunkRef[];
  /** Blocks changed since `chunks` were written (segment-patch.ts), when the section is its base plus a patch. */
  patch?: ChunkRef;
  /** Block hashes of the chunks (segment-patch.ts `encodeBaseIndex`), for later patches; never read to open. */
  index?: ChunkRef;
}

export interface SegmentManifest {
  lastSeq: number;
  sections: SectionRef[];
  /**
   * Row files (blob names) the sections' vectors are served from (dense-cold-storage.ts): kept by garbage
   * collection while a manifest names them. Absent or empty: version 3, as before row files existed.
   */
  rowFiles?: string[];
}

type WireChunk = [string, number, number];
type WireSection = [string, number, WireChunk[]] | [string, number, WireChunk[], WireChunk | null] | [string, number, WireChunk[], WireChunk | null, WireChunk];

export function encodeManifest(manifest: SegmentManifest): Uint8Array {
  const chunk = (c: ChunkRef): WireChunk => [c.blob, c.crc, c.length];
  const wire: WireSection[] = manifest.sections.map((s) => {
    const patch = s.patch === undefined ? null : chunk(s.patch);
    if (s.index !== undefined) return [s.name, s.length, s.chunks.map(chunk), patch, chunk(s.index)];
    return patch === null ? [s.name, s.length, s.chunks.map(chunk)] : [s.name, s.length, s.chunks.map(chunk), patch];
  });
  const rowFiles = manifest.rowFiles ?? [];
  const body = utf8Encode(JSON.stringify(rowFiles.length > 0 ? [wire, rowFiles] : wire));
  const out = new Uint8Array(24 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, rowFiles.length > 0 ? ROW_FILES_VERSION : FORMAT_VERSION, true);
  view.setFloat64(8, manifest.lastSeq, true);
  view.setUint32(16, body.length, true);
  view.setUint32(20, crc32(body), true);
  out.set(body, 24);
  return out;
}

/** Decodes and verifies a manifest; throws `storage_corrupted` saying what is wrong with it. */
export function decodeManifest(bytes: Uint8Array, what = 'segment'): SegmentManifest {
  const corrupt = (why: string) => new SextantError('storage_corrupted', `Service internal error: ${what} is corrupted: ${why}`);
  if (bytes.length < 24) throw corrupt('manifest too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw corrupt('bad manifest magic number');
  const version = view.getUint32(4, true);
  if (version < OLDEST_VERSION || version > ROW_FILES_VERSION) throw corrupt(`unknown manifest version ${version}`);
  const length = view.getUint32(16, true);
  if (24 + length !== bytes.length) throw corrupt('manifest is truncated');
  const body = bytes.subarray(24);
  if (crc32(body) !== view.getUint32(20, true)) throw corrupt('manifest fails its checksum');
  let wire: WireSection[];
  let rowFiles: string[] | undefined;
  try {
    const parsed = JSON.parse(utf8Decode(body)) as unknown;
    if (version === ROW_FILES_VERSION) [wire, rowFiles] = parsed as [WireSection[], string[]];
    else wire = parsed as WireSection[];
  } catch {
    throw corrupt('manifest body is not JSON');
  }
  return {
    lastSeq: view.getFloat64(8, true),
    ...(rowFiles === undefined ? {} : { rowFiles }),
    sections: wire.map(([name, length, chunks, patch, index]) => {
      const section: SectionRef = { name, length, chunks: chunks.map(([blob, crc, len]) => ({ blob, crc, length: len })) };
      if (patch !== undefined && patch !== null) section.patch = { blob: patch[0], crc: patch[1], length: patch[2] };
      if (index !== undefined) section.index = { blob: index[0], crc: index[1], length: index[2] };
      return section;
    }),
  };
}

/** Every chunk blob a manifest names (relative names, as in `ChunkRef.blob`). */
export function manifestBlobs(manifest: SegmentManifest): Set<string> {
  const out = new Set<string>();
  for (const section of manifest.sections) {
    for (const chunk of section.chunks) out.add(chunk.blob);
    if (section.patch !== undefined) out.add(section.patch.blob);
    if (section.index !== undefined) out.add(section.index.blob);
  }
  return out;
}
