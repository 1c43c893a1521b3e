import { crc32 } from '../wal/crc32.js';

/**
 * Content-defined chunking of segment sections, so that an incremental flush rewrites only the blobs whose bytes
 * changed. Boundaries come from a rolling (gear) hash of the last bytes, not from fixed offsets: a payload that grows
 * or a record removed from the middle of a section shifts what follows, yet the chunk boundaries after it realign and
 * those chunks keep their names. Vector arenas change in place or at their end, so most of their chunks stay too.
 *
 * Chunks are named by content (CRC-32, a second 32-bit hash and the length): the same bytes get the same blob name in
 * every generation, which is how two generations share blobs without copying them.
 */
const MIN_CHUNK = 256 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;
/** 20 low bits zero: a boundary about every 1 MiB past the minimum. */
const BOUNDARY_MASK = (1 << 20) - 1;

let gear: Int32Array | undefined;

/** Fixed pseudo-random table (xorshift32 from a constant seed): boundaries must be identical across runs and builds. */
function gearTable(): Int32Array {
  if (gear !== undefined) return gear;
  gear = new Int32Array(256);
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    gear[i] = x;
  }
  return gear;
}

/** End offsets (exclusive) of the chunks of `bytes`; the last is always `bytes.length` (none for empty input). */
export function chunkBoundaries(bytes: Uint8Array): number[] {
  const table = gearTable();
  const ends: number[] = [];
  let start = 0;
  const n = bytes.length;
  while (start < n) {
    const limit = Math.min(n, start + MAX_CHUNK);
    let end = limit;
    let h = 0;
    for (let i = Math.min(limit, start + MIN_CHUNK); i < limit; i++) {
      h = ((h << 1) + table[bytes[i]!]!) | 0;
      if ((h & BOUNDARY_MASK) === 0) {
        end = i + 1;
        break;
      }
    }
    ends.push(end);
    start = end;
  }
  return ends;
}

/** FNV-1a 32: a second, independent hash so that a blob name stands for its bytes with a 64-bit fingerprint. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

export interface ChunkRef {
  /** Blob name relative to the collection's blob folder (`<crc><fnv>-<length>`). */
  blob: string;
  crc: number;
  length: number;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** The content name and checksum of a blob's bytes. */
export function nameChunk(bytes: Uint8Array): ChunkRef {
  const crc = crc32(bytes);
  return { blob: `${hex8(crc)}${hex8(fnv1a(bytes))}-${bytes.length}`, crc, length: bytes.length };
}

/** Splits a section into chunks and names each by its content. Subarrays: the caller writes them, never keeps them. */
export function chunkSection(bytes: Uint8Array): { ref: ChunkRef; bytes: Uint8Array }[] {
  const out: { ref: ChunkRef; bytes: Uint8Array }[] = [];
  let start = 0;
  for (const end of chunkBoundaries(bytes)) {
    const chunk = bytes.subarray(start, end);
    out.push({ ref: nameChunk(chunk), bytes: chunk });
    start = end;
  }
  return out;
}
