import type { RowFile, Storage } from '../storage.js';
import { SextantError } from '../client/errors.js';
import { crc32 } from '../wal/crc32.js';
import { decodeSegment } from '../segment/segment-format.js';
import { decodeManifest, encodeManifest, manifestBlobs, type SectionRef, type SegmentManifest } from '../segment/segment-manifest.js';
import { chunkSection, nameChunk, type ChunkRef } from '../segment/segment-chunks.js';
import { decodeBaseIndex, diffAgainstBase, encodeBaseIndex, indexBase, type BaseIndex } from '../segment/segment-patch.js';
import { readManifestImage } from '../segment/segment-chunk-reader.js';
import type { VectorSpec } from './config.js';
import { LocalSegment } from './local-segment.js';

/**
 * Two generations of a collection on storage, so that a damaged segment never costs data:
 *
 *   manifest.prev + the other log -> the state of `manifest`;   manifest + the live log -> the live state.
 *
 * A generation is a manifest (segment-manifest.ts) naming content-addressed chunk blobs under `blobs/` (and, for a
 * section changed at scattered places, a patch over its base chunks: segment-patch.ts); the two generations share
 * every chunk whose bytes did not change, so a flush writes only the chunks that changed plus the small manifest.
 * The two logs, `wal` and `wal.prev`, take turns being live (Collection.rotateLogs), so no log is ever copied.
 * Flush order (`writeGeneration`, then the caller rotates the logs, then `collectGarbage`):
 *   1. write the new chunks (names no kept manifest uses yet, or the same bytes again) and sync;
 *   2. copy `manifest` to `manifest.prev`;
 *   3. write the new `manifest` and sync: from here the new generation is the live one;
 *   4. (caller) empty the other log, which only holds ops older than `manifest.prev`, sync, and make it the live one;
 *      the log that was live keeps the ops between the two generations;
 *   5. delete every chunk that neither manifest names, and the single-blob files of the old format.
 * Every write is atomic and a crash at any step leaves a pair that replays to the right state: open reads both logs
 * and replays, in op number order, every op above the segment's (stale records are skipped by number). Leftover
 * chunks of a crash between steps are deleted by the next flush's step 5.
 *
 * Old collections hold one `segment` blob (and `segment.prev`): they still open, and their first flush writes the new
 * form, keeping the old `segment` as `segment.prev` for that one generation. Their `wal.prev` (a copy of the ops
 * between their two generations) is the other log of this scheme as it is.
 *
 * Chunks and manifests carry CRC-32s, log records their own. When the live generation fails its checks at open, the
 * collection is rebuilt from the previous one (or from nothing, for a collection never flushed twice) and both logs,
 * provided their op numbers run without a gap; otherwise it refuses to open rather than serve a state that is missing
 * acknowledged writes. Trap: a damaged chunk that both generations share cannot be recovered this way.
 */
export interface OpenedSegment {
  segment: LocalSegment;
  /** Why the live segment was not used; undefined when it was sound. */
  recoveredFrom: string | undefined;
}

export function generationNames(prefix: string) {
  return {
    manifest: `${prefix}manifest`,
    previousManifest: `${prefix}manifest.prev`,
    blobs: `${prefix}blobs/`,
    /** Row files of vectors served from disk (dense-cold-storage.ts), named by the manifests that use them. */
    rows: `${prefix}rows/`,
    /** Single-blob segments of the old format. */
    segment: `${prefix}segment`,
    previous: `${prefix}segment.prev`,
    /** The two op logs, taking turns (see the file comment). */
    wal: `${prefix}wal`,
    previousWal: `${prefix}wal.prev`,
  };
}

export async function openSegment(storage: Storage, prefix: string, name: string, specs: VectorSpec[]): Promise<OpenedSegment> {
  const names = generationNames(prefix);
  try {
    const live = await readGeneration(storage, names.manifest, names.segment, names.blobs, `segment of ${name}`, specs);
    return { segment: live ?? LocalSegment.create(specs), recoveredFrom: undefined };
  } catch (damage) {
    if (!SextantError.is(damage) || damage.code !== 'storage_corrupted') throw damage;
    const why = damage.message.replace(/^Service internal error: /, '');
    let segment: LocalSegment;
    try {
      const previous = await readGeneration(storage, names.previousManifest, names.previous, names.blobs, `previous segment of ${name}`, specs);
      segment = previous ?? LocalSegment.create(specs);
    } catch (second) {
      throw new SextantError('storage_corrupted', `Service internal error: ${why}; and ${(second as Error).message.replace(/^Service internal error: /, '')}: collection ${name} cannot be recovered from its files`);
    }
    return { segment, recoveredFrom: why };
  }
}

/** One generation: its manifest and chunks when it has a manifest, else an old single-blob segment; undefined if neither. */
async function readGeneration(storage: Storage, manifestName: string, legacyName: string, blobs: string, what: string, specs: VectorSpec[]): Promise<LocalSegment | undefined> {
  const manifest = await storage.read(manifestName);
  const openRows = storage.openRowFile?.bind(storage);
  if (manifest !== undefined) return decode(() => readManifestImage(storage, blobs, manifest, what), what, specs, openRows);
  const legacy = await storage.read(legacyName);
  if (legacy === undefined) return undefined;
  return decode(async () => decodeSegment(legacy, what), what, specs, openRows);
}

/**
 * Throws unless `records` (both logs, in order) continue `segment` without a gap: each op number is at most one past
 * the highest seen, or, for a record that skips numbers lost in a crash (`from`, see seq-reservation.ts), its first
 * skipped number is. Only checked after a recovery, where a gap means writes that no file holds any more.
 */
export function checkContinuous(name: string, fromSeq: number, records: readonly { seq: number; from: number }[], why: string): void {
  let last = fromSeq;
  for (const record of records) {
    if (record.from > last + 1) {
      throw new SextantError(
        'storage_corrupted',
        `Service internal error: ${why}; the previous segment and the op logs miss operations ${last + 1} to ${record.from - 1}: collection ${name} cannot be recovered from its files`,
      );
    }
    last = Math.max(last, record.seq);
  }
}

/** Bytes written by one flush, for telemetry and the incremental-flush tests. */
export interface GenerationWrite {
  chunksWritten: number;
  chunksKept: number;
  bytesWritten: number;
  /** Bytes written per section (chunks only; the manifest is counted in `bytesWritten` alone). */
  sections: Record<string, number>;
  /** Bytes of the whole segment (every section). */
  segmentBytes: number;
  /** The blobs this flush wrote (chunks and patches), for `verifyWritten`. */
  written: ChunkRef[];
}

/**
 * What a collection remembers of each section's base (the chunks of its last full write) so that the next flush can
 * write a patch against it instead (segment-patch.ts): the chunks, and the block hashes of their bytes. Kept in
 * memory only: after a reopen the first flush writes chunks (those unchanged are kept by name) and a new base.
 */
export type SectionBases = Map<string, { chunks: ChunkRef[]; index: BaseIndex; indexRef: ChunkRef }>;

/** A patch is written while its literal bytes stay under this share of its section; past it, the section is chunked anew. */
const MAX_PATCH_SHARE = 0.25;
/** Past this share of its section, a patch is compared with what content-defined chunks would write. */
const CHECK_CHUNKS_SHARE = 1 / 32;
/** Sections smaller than this are chunked: a patch saves little there and costs a second blob. */
const MIN_PATCHED_SECTION = 64 * 1024;

/**
 * Steps 1-3 of a flush (see the file comment): the segment becomes the live generation, the current one the previous.
 * `fresh` (after a recovery) rewrites every chunk and makes the new manifest both generations, so that nothing later
 * depends on damaged bytes or on a log the next flush would drop. `bases` (kept by the caller across flushes) lets a
 * section changed at scattered places be written as a patch over its base chunks.
 */
export async function writeGeneration(storage: Storage, prefix: string, segment: LocalSegment, fresh = false, bases?: SectionBases): Promise<GenerationWrite> {
  const names = generationNames(prefix);
  const currentBytes = fresh ? undefined : await storage.read(names.manifest);
  const existing = new Set<string>();
  const current = new Map<string, SectionRef>();
  if (!fresh) {
    for (const bytes of [currentBytes, await storage.read(names.previousManifest)]) {
      const kept = bytes === undefined ? undefined : tryDecodeManifest(bytes);
      if (kept !== undefined) for (const blob of manifestBlobs(kept)) existing.add(blob);
      if (kept !== undefined && current.size === 0 && bytes === currentBytes) for (const section of kept.sections) current.set(section.name, section);
    }
  } else bases?.clear();
  // Vectors served from disk first: their rows written and synced before any manifest names the files.
  const rowFiles = await segment.persistRows(storage.openRowFile?.bind(storage), names.rows);
  const image = segment.encode({ rowFiles: true });
  const manifest: SegmentManifest = { lastSeq: image.lastSeq, sections: [], ...(rowFiles.length > 0 ? { rowFiles } : {}) };
  const stats: GenerationWrite = { chunksWritten: 0, chunksKept: 0, bytesWritten: 0, sections: {}, segmentBytes: 0, written: [] };
  const put = async (name: string, ref: ChunkRef, bytes: Uint8Array) => {
    if (existing.has(ref.blob)) {
      stats.chunksKept++;
      return;
    }
    // slice: a stored subarray would pin (or, structured-cloned into IndexedDB, copy) the whole encoded image.
    await storage.write(names.blobs + ref.blob, bytes.slice());
    existing.add(ref.blob);
    stats.written.push(ref);
    stats.chunksWritten++;
    stats.bytesWritten += bytes.length;
    stats.sections[name] = (stats.sections[name] ?? 0) + bytes.length;
  };
  for (const [name, bytes] of image.sections) {
    stats.sections[name] = 0;
    stats.segmentBytes += bytes.length;
    const patchable = bases !== undefined && bytes.length >= MIN_PATCHED_SECTION;
    const base = patchable ? (bases.get(name) ?? (await storedBase(storage, names.blobs, current.get(name), existing))) : undefined;
    let chunks: ReturnType<typeof chunkSection> | undefined;
    if (base !== undefined && base.chunks.every((chunk) => existing.has(chunk.blob))) {
      let patch = diffAgainstBase(base.index, bytes, bytes.length * MAX_PATCH_SHARE);
      if (patch && patch.length > bytes.length * CHECK_CHUNKS_SHARE) {
        // A large patch is mostly appended bytes (a bulk load), which patches write again at every flush until the
        // next base: chunks win when they write less.
        chunks = chunkSection(bytes);
        let fresh = 0;
        for (const chunk of chunks) if (!existing.has(chunk.ref.blob)) fresh += chunk.bytes.length;
        if (fresh < patch.length) patch = undefined;
      }
      if (patch !== undefined) {
        for (const chunk of base.chunks) await put(name, chunk, new Uint8Array(0));
        const section: SectionRef = { name, length: bytes.length, chunks: base.chunks, index: base.indexRef };
        bases!.set(name, base);
        // null: the section is its base's bytes, unchanged.
        if (patch !== null) {
          section.patch = nameChunk(patch);
          await put(name, section.patch, patch);
        }
        manifest.sections.push(section);
        continue;
      }
    }
    chunks ??= chunkSection(bytes);
    for (const chunk of chunks) await put(name, chunk.ref, chunk.bytes);
    const refs = chunks.map((c) => c.ref);
    const section: SectionRef = { name, length: bytes.length, chunks: refs };
    if (patchable) {
      // The new base's block hashes go beside it, so that a writer opened later patches instead of chunking anew.
      const index = indexBase(bytes);
      const encoded = encodeBaseIndex(index);
      section.index = nameChunk(encoded);
      await put(name, section.index, encoded);
      bases.set(name, { chunks: refs, index, indexRef: section.index });
    } else bases?.delete(name);
    manifest.sections.push(section);
  }
  for (const name of bases?.keys() ?? []) if (!image.sections.has(name)) bases!.delete(name);
  await storage.sync();
  const manifestBytes = encodeManifest(manifest);
  if (fresh) {
    await storage.write(names.previousManifest, manifestBytes);
  } else if (currentBytes !== undefined) {
    await storage.write(names.previousManifest, currentBytes);
  } else {
    const legacy = await storage.read(names.segment);
    if (legacy !== undefined) {
      // First flush of an old-format collection: its single blob is the previous generation this once.
      await storage.delete(names.previousManifest);
      await storage.write(names.previous, legacy);
    }
  }
  await storage.write(names.manifest, manifestBytes);
  stats.bytesWritten += manifestBytes.length;
  await storage.sync();
  return stats;
}

/**
 * Whether the blobs a flush wrote, and the live manifest, read back whole and matching their checksums. Run before
 * the previous generation is given up (Collection.flushNow): after it, only later damage could hit the new one.
 */
export async function verifyWritten(storage: Storage, prefix: string, written: readonly ChunkRef[]): Promise<boolean> {
  const names = generationNames(prefix);
  const manifest = await storage.read(names.manifest);
  if (manifest === undefined || tryDecodeManifest(manifest) === undefined) return false;
  for (const ref of written) {
    const bytes = await storage.read(names.blobs + ref.blob);
    if (bytes === undefined || bytes.length !== ref.length || crc32(bytes) !== ref.crc) return false;
  }
  return true;
}

/**
 * The base a section's stored index describes (its chunks as the live manifest names them), read on the first flush
 * after an open; undefined when there is none or it does not check out.
 */
async function storedBase(storage: Storage, blobs: string, section: SectionRef | undefined, existing: ReadonlySet<string>) {
  const ref = section?.index;
  if (ref === undefined || !section!.chunks.every((chunk) => existing.has(chunk.blob))) return undefined;
  const bytes = await storage.read(blobs + ref.blob);
  if (bytes === undefined || bytes.length !== ref.length || crc32(bytes) !== ref.crc) return undefined;
  const index = decodeBaseIndex(bytes);
  let length = 0;
  for (const chunk of section!.chunks) length += chunk.length;
  if (index === undefined || index.length !== length) return undefined;
  return { chunks: section!.chunks, index, indexRef: ref };
}

/** Step 5 of a flush: deletes chunks no kept manifest names, and old-format blobs a manifest has replaced. */
export async function collectGarbage(storage: Storage, prefix: string): Promise<void> {
  const names = generationNames(prefix);
  const live = await storage.read(names.manifest);
  if (live === undefined) return;
  const liveManifest = tryDecodeManifest(live);
  // A live manifest we cannot read now (rot since it was written) protects everything until the next open repairs it.
  if (liveManifest === undefined) return;
  const keep = manifestBlobs(liveManifest);
  const keepRows = new Set(liveManifest.rowFiles ?? []);
  const previous = await storage.read(names.previousManifest);
  if (previous !== undefined) {
    const previousManifest = tryDecodeManifest(previous);
    if (previousManifest === undefined) return;
    for (const blob of manifestBlobs(previousManifest)) keep.add(blob);
    for (const file of previousManifest.rowFiles ?? []) keepRows.add(file);
    await storage.delete(names.previous);
  }
  // Row files of older generations: a compaction or a re-created vector name started a new file.
  for (const file of await storage.list(names.rows)) if (!keepRows.has(file)) await storage.delete(file);
  await storage.delete(names.segment);
  for (const blob of await storage.list(names.blobs)) {
    if (!keep.has(blob.slice(names.blobs.length))) await storage.delete(blob);
  }
}

function tryDecodeManifest(bytes: Uint8Array): SegmentManifest | undefined {
  try {
    return decodeManifest(bytes);
  } catch {
    return undefined;
  }
}

async function decode(
  load: () => Promise<import('../segment/segment-format.js').SegmentImage>,
  what: string,
  specs: VectorSpec[],
  openRows: ((name: string) => RowFile) | undefined,
): Promise<LocalSegment> {
  const image = await load();
  try {
    return LocalSegment.decode(image, specs, openRows);
  } catch (error) {
    if (SextantError.is(error)) throw error;
    // Sections passed their checksums but do not fit together: as damaged as a failed checksum.
    throw new SextantError('storage_corrupted', `Service internal error: ${what} is corrupted: ${(error as Error).message}`);
  }
}
