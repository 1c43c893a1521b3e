import type { Storage } from '../storage.js';
import { SextantError } from '../client/errors.js';
import { crc32 } from '../wal/crc32.js';
import type { SegmentImage } from './segment-format.js';
import { decodeManifest } from './segment-manifest.js';
import { applyPatch } from './segment-patch.js';

/**
 * Reads the segment image a manifest names: every chunk blob under `blobs` (read concurrently, which IndexedDB serves
 * far faster than one request at a time), each checked against its length and CRC-32, joined into its section.
 * Throws `storage_corrupted` naming the first section that fails, in the words of the single-blob format.
 */
export async function readManifestImage(storage: Storage, blobs: string, manifestBytes: Uint8Array, what: string): Promise<SegmentImage> {
  const manifest = decodeManifest(manifestBytes, what);
  const corrupt = (why: string) => new SextantError('storage_corrupted', `Service internal error: ${what} is corrupted: ${why}`);
  const sections = new Map<string, Uint8Array>();
  const loaded = await Promise.all(manifest.sections.map((section) => Promise.all(section.chunks.map((chunk) => storage.read(blobs + chunk.blob)))));
  const patches = await Promise.all(manifest.sections.map((section) => (section.patch === undefined ? undefined : storage.read(blobs + section.patch.blob))));
  manifest.sections.forEach((section, s) => {
    const parts = loaded[s]!;
    if (section.patch !== undefined) {
      sections.set(section.name, patchedSection(section, parts, patches[s], corrupt));
      return;
    }
    // One chunk: its blob is the section (no copy). Several: joined into one buffer the section decoders slice from.
    const out = parts.length === 1 ? undefined : new Uint8Array(section.length);
    let at = 0;
    section.chunks.forEach((chunk, c) => {
      const bytes = parts[c];
      if (bytes === undefined) throw corrupt(`section ${section.name} misses its chunk ${chunk.blob}`);
      if (bytes.length !== chunk.length || crc32(bytes) !== chunk.crc) throw corrupt(`section ${section.name} fails its checksum`);
      if (at + bytes.length > section.length) throw corrupt(`section ${section.name} is longer than its manifest says`);
      out?.set(bytes, at);
      at += bytes.length;
    });
    if (at !== section.length) throw corrupt(`section ${section.name} is truncated`);
    sections.set(section.name, out ?? parts[0] ?? new Uint8Array(0));
  });
  return { lastSeq: manifest.lastSeq, sections };
}

/** A section stored as base chunks plus a patch: the section rebuilt from the checked chunks by the patch. */
function patchedSection(
  section: import('./segment-manifest.js').SectionRef,
  parts: (Uint8Array | undefined)[],
  patch: Uint8Array | undefined,
  corrupt: (why: string) => SextantError,
): Uint8Array {
  const base = section.chunks.map((chunk, c) => {
    const bytes = parts[c];
    if (bytes === undefined) throw corrupt(`section ${section.name} misses its chunk ${chunk.blob}`);
    if (bytes.length !== chunk.length || crc32(bytes) !== chunk.crc) throw corrupt(`section ${section.name} fails its checksum`);
    return bytes;
  });
  const ref = section.patch!;
  if (patch === undefined) throw corrupt(`section ${section.name} misses its patch ${ref.blob}`);
  if (patch.length !== ref.length || crc32(patch) !== ref.crc) throw corrupt(`section ${section.name} fails its checksum`);
  return applyPatch(base, patch, section.length, (why) => corrupt(`section ${section.name}: ${why}`));
}
