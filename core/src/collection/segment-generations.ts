import type { Storage } from '../storage.js';
import { SextantError } from '../client/errors.js';
import { parseRecords, type LogRecord } from '../wal/op-log.js';
import { decodeSegment, encodeSegment } from '../segment/segment-format.js';
import type { VectorSpec } from './config.js';
import { LocalSegment } from './local-segment.js';

/**
 * Two generations of a collection on storage, so that a damaged segment never costs data:
 *
 *   segment.prev + wal.prev  -> the state of `segment`;   segment + wal -> the live state.
 *
 * A flush first copies `segment` to `segment.prev` and `wal` to `wal.prev`, then writes the new segment and empties
 * `wal`. Every write is atomic and each step leaves a pair that replays to the right state, whatever step a crash
 * stops at (a stale `wal.prev` only holds ops the previous segment already has; replay skips them by number).
 *
 * Segments carry per-section CRC-32s (segment-format.ts), log records their own. When `segment` fails its checks at
 * open, the collection is rebuilt from `segment.prev` (or from nothing, for a collection never flushed twice) and
 * both logs, provided their op numbers run without a gap; otherwise it refuses to open rather than serve a state
 * that is missing acknowledged writes.
 */
export interface OpenedSegment {
  segment: LocalSegment;
  /** Ops to replay before the live log's, oldest first (the previous generation's log after a recovery). */
  replay: LogRecord[];
  /** Why the live segment was not used; undefined when it was sound. */
  recoveredFrom: string | undefined;
}

export function generationNames(prefix: string) {
  return { segment: `${prefix}segment`, previous: `${prefix}segment.prev`, wal: `${prefix}wal`, previousWal: `${prefix}wal.prev` };
}

export async function openSegment(storage: Storage, prefix: string, name: string, specs: VectorSpec[]): Promise<OpenedSegment> {
  const names = generationNames(prefix);
  const bytes = await storage.read(names.segment);
  if (bytes === undefined) return { segment: LocalSegment.create(specs), replay: [], recoveredFrom: undefined };
  try {
    return { segment: decode(bytes, `segment of ${name}`, specs), replay: [], recoveredFrom: undefined };
  } catch (damage) {
    const why = (damage as Error).message.replace(/^Service internal error: /, '');
    const previousBytes = await storage.read(names.previous);
    let segment: LocalSegment;
    try {
      segment = previousBytes === undefined ? LocalSegment.create(specs) : decode(previousBytes, `previous segment of ${name}`, specs);
    } catch (second) {
      throw new SextantError('storage_corrupted', `Service internal error: ${why}; and ${(second as Error).message.replace(/^Service internal error: /, '')}: collection ${name} cannot be recovered from its files`);
    }
    const previousLog = parseRecords((await storage.read(names.previousWal)) ?? new Uint8Array(0)).records;
    return { segment, replay: previousLog, recoveredFrom: why };
  }
}

/**
 * Throws unless `records` (both logs, in order) continue `segment` without a gap: each op number is at most one past
 * the highest seen. Only checked after a recovery, where a gap means writes that no file holds any more.
 */
export function checkContinuous(name: string, fromSeq: number, records: readonly LogRecord[], why: string): void {
  let last = fromSeq;
  for (const record of records) {
    if (record.seq > last + 1) {
      throw new SextantError(
        'storage_corrupted',
        `Service internal error: ${why}; the previous segment and the op logs miss operations ${last + 1} to ${record.seq - 1}: collection ${name} cannot be recovered from its files`,
      );
    }
    last = Math.max(last, record.seq);
  }
}

/** Before a flush: the current generation becomes the previous one (see the file comment for the order). */
export async function keepPreviousGeneration(storage: Storage, prefix: string): Promise<void> {
  const names = generationNames(prefix);
  const current = await storage.read(names.segment);
  if (current === undefined) return;
  await storage.write(names.previous, current);
  await storage.write(names.previousWal, (await storage.read(names.wal)) ?? new Uint8Array(0));
}

/**
 * After a recovery: the rebuilt state becomes both generations at once, so that no later step copies the damaged
 * bytes or depends on a log that the next flush would drop. Previous first: at every step one pair is whole.
 */
export async function rewriteGenerations(storage: Storage, prefix: string, segment: LocalSegment): Promise<void> {
  const names = generationNames(prefix);
  const bytes = encodeSegment(segment.encode());
  await storage.write(names.previous, bytes);
  await storage.write(names.previousWal, new Uint8Array(0));
  await storage.write(names.segment, bytes);
  await storage.sync();
}

function decode(bytes: Uint8Array, what: string, specs: VectorSpec[]): LocalSegment {
  try {
    return LocalSegment.decode(decodeSegment(bytes, what), specs);
  } catch (error) {
    if (SextantError.is(error)) throw error;
    // Sections passed their checksums but do not fit together: as damaged as a failed checksum.
    throw new SextantError('storage_corrupted', `Service internal error: ${what} is corrupted: ${(error as Error).message}`);
  }
}
