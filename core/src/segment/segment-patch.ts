import type { SextantError } from '../client/errors.js';

/**
 * Patches of a section against its base: the section as pieces copied from the base's bytes (the chunks of its last
 * full write) and literal bytes, as rsync sends a file. Content-defined chunks (segment-chunks.ts) rewrite every ~1 MB
 * chunk that holds a change; sections changed at many scattered places (the HNSW graph's links, where a few inserted
 * or removed points rewrite rows all over the id range; the id tracker's versions; the vectors' presence bits) would
 * be rewritten whole. A patch stores what changed and where the rest comes from, even after the rest moved by any
 * multiple of 4 bytes (a typed array that grew ahead of it).
 *
 * Matching: the base is indexed by `PATCH_BLOCK`-byte blocks, each with a rolling (weak) hash of its words and a
 * 64-bit strong hash. The new bytes are scanned word by word with the rolling hash; a weak hit whose strong hash
 * agrees is a copy of that base block. The writer keeps only the hashes of the base, never its bytes.
 *
 * Layout (little endian): `u32 magic | u32 pieceCount | pieces: (u32 length, i32 baseOffset or -1 for literal) |
 * literal bytes, in order`. The pieces cover the section from its start, lengths summing to its length. Checksummed
 * by the manifest, like a chunk.
 */
const MAGIC = 0x32505853; // "SXP2"

/** Bytes per indexed base block. */
export const PATCH_BLOCK = 256;
/**
 * Sections up to this size are matched at every byte offset (payload records removed from the middle shift what
 * follows by any number of bytes); larger ones at every 4-byte offset, which their typed arrays keep to and which
 * costs a quarter of the work.
 */
export const BYTE_SCAN_MAX = 8 * 1024 * 1024;

/** What a writer keeps of a base: per block, the rolling hash and two strong hashes; and a lookup table by rolling hash. */
export interface BaseIndex {
  length: number;
  /** Bytes per scanned symbol: 1 (byte offsets) or 4 (word offsets). */
  unit: 1 | 4;
  /** `3 * block + 0` weak, `+ 1`, `+ 2` strong. */
  hashes: Uint32Array;
  /** Open addressing by weak hash: block index + 1, 0 empty. */
  table: Int32Array;
  /** Hash of the bytes after the last whole block, so an unchanged section is known as such. */
  tail: number;
}

/** FNV-1a over bytes `[from, to)`: the few bytes after the last whole block. */
function tailHash(bytes: Uint8Array, from: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = from; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** The bytes as the symbols the scan steps over: themselves, or their aligned 32-bit words. */
function symbols(bytes: Uint8Array, unit: 1 | 4): Uint8Array | Uint32Array {
  if (unit === 1) return bytes;
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
}

/** Rolling hash state over a window of `win` symbols: `a` = sum, `b` = sum of (win - i) * w[i] (mod 2^32). */
function weakOf(a: number, b: number): number {
  return (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
}

function strong(w: Uint8Array | Uint32Array, from: number, win: number, seed: number, mul: number): number {
  let h = seed;
  for (let i = from; i < from + win; i++) {
    let k = Math.imul(w[i]!, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (Math.imul((h << 13) | (h >>> 19), mul) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seeds and multipliers of the two strong hashes. */
const S1_SEED = 0x9747b28c;
const S1_MUL = 5;
const S2_SEED = 0x2545f491;
const S2_MUL = 9;

/** Open-addressing table over the blocks' weak hashes (identical blocks share one entry). */
function lookupTable(hashes: Uint32Array): Int32Array {
  const blocks = hashes.length / 3;
  let size = 16;
  while (size < 2 * blocks) size *= 2;
  const table = new Int32Array(size);
  for (let j = 0; j < blocks; j++) {
    const weak = hashes[3 * j]!;
    let slot = weak & (size - 1);
    while (table[slot] !== 0) {
      const other = table[slot]! - 1;
      // Same bytes as a block already indexed: either serves as the copy source.
      if (hashes[3 * other] === weak && hashes[3 * other + 1] === hashes[3 * j + 1] && hashes[3 * other + 2] === hashes[3 * j + 2]) break;
      slot = (slot + 1) & (size - 1);
    }
    if (table[slot] === 0) table[slot] = j + 1;
  }
  return table;
}

const INDEX_MAGIC = 0x49505853; // "SXPI"

/** A base index as bytes (its hashes; the table is rebuilt), stored beside the base so a reopened writer can patch. */
export function encodeBaseIndex(index: BaseIndex): Uint8Array {
  const out = new Uint8Array(16 + index.hashes.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, INDEX_MAGIC, true);
  view.setUint32(4, index.unit, true);
  view.setUint32(8, index.length, true);
  view.setUint32(12, index.tail, true);
  out.set(new Uint8Array(index.hashes.buffer, index.hashes.byteOffset, index.hashes.byteLength), 16);
  return out;
}

/** The index `encodeBaseIndex` wrote; undefined for bytes that are not one (the writer then chunks anew). */
export function decodeBaseIndex(bytes: Uint8Array): BaseIndex | undefined {
  if (bytes.length < 16 || (bytes.length - 16) % 12 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const unit = view.getUint32(4, true);
  if (view.getUint32(0, true) !== INDEX_MAGIC || (unit !== 1 && unit !== 4)) return undefined;
  const length = view.getUint32(8, true);
  const hashes = new Uint32Array(bytes.slice(16).buffer);
  if (hashes.length / 3 !== Math.floor(length / PATCH_BLOCK)) return undefined;
  return { length, unit, hashes, table: lookupTable(hashes), tail: view.getUint32(12, true) };
}

/** Indexes `bytes` as a base: hashes of every whole block (a partial last block is never matched). */
export function indexBase(bytes: Uint8Array): BaseIndex {
  const unit = bytes.length <= BYTE_SCAN_MAX ? 1 : 4;
  const win = PATCH_BLOCK / unit;
  const w = symbols(bytes, unit);
  const blocks = Math.floor(bytes.length / PATCH_BLOCK);
  const hashes = new Uint32Array(3 * blocks);
  for (let j = 0; j < blocks; j++) {
    const from = j * win;
    let a = 0;
    let b = 0;
    for (let i = 0; i < win; i++) {
      a = (a + w[from + i]!) | 0;
      b = (b + Math.imul(win - i, w[from + i]!)) | 0;
    }
    hashes[3 * j] = weakOf(a, b);
    hashes[3 * j + 1] = strong(w, from, win, S1_SEED, S1_MUL);
    hashes[3 * j + 2] = strong(w, from, win, S2_SEED, S2_MUL);
  }
  const table = lookupTable(hashes);
  return { length: bytes.length, unit, hashes, table, tail: tailHash(bytes, blocks * PATCH_BLOCK) };
}

/**
 * The patch turning the base into `bytes`; null when `bytes` are the base's own (no patch needed); undefined once its
 * literal bytes would pass `maxLiteral` (then the section is chunked anew).
 */
export function diffAgainstBase(base: BaseIndex, bytes: Uint8Array, maxLiteral: number): Uint8Array | null | undefined {
  const { hashes, table, unit } = base;
  const win = PATCH_BLOCK / unit;
  const w = symbols(bytes, unit);
  const n = w.length;
  const mask = table.length - 1;
  const blocks = hashes.length / 3;
  const pieces: number[] = [];
  const literals: [number, number][] = [];
  let literal = 0;
  let litStart = 0;
  const flushLiteral = (end: number): boolean => {
    if (end <= litStart) return true;
    literal += end - litStart;
    if (literal > maxLiteral) return false;
    pieces.push(end - litStart, -1);
    literals.push([litStart, end]);
    return true;
  };
  let pos = 0;
  let a = 0;
  let b = 0;
  let fresh = true;
  while (pos + win <= n) {
    if (fresh) {
      a = 0;
      b = 0;
      for (let i = 0; i < win; i++) {
        a = (a + w[pos + i]!) | 0;
        b = (b + Math.imul(win - i, w[pos + i]!)) | 0;
      }
      fresh = false;
    }
    const weak = weakOf(a, b);
    let match = -1;
    // The block at the same offset first: unchanged bytes then copy from where they were, in one piece, even where
    // the base repeats a block (zeroed rows, runs of equal versions).
    const same = pos / win;
    if (pos % win === 0 && same < blocks && hashes[3 * same] === weak) {
      if (hashes[3 * same + 1] === strong(w, pos, win, S1_SEED, S1_MUL) && hashes[3 * same + 2] === strong(w, pos, win, S2_SEED, S2_MUL)) match = same;
    }
    for (let slot = weak & mask; match < 0 && table[slot] !== 0; slot = (slot + 1) & mask) {
      const j = table[slot]! - 1;
      if (hashes[3 * j] !== weak) continue;
      if (hashes[3 * j + 1] === strong(w, pos, win, S1_SEED, S1_MUL) && hashes[3 * j + 2] === strong(w, pos, win, S2_SEED, S2_MUL)) {
        match = j;
        break;
      }
    }
    if (match >= 0) {
      if (!flushLiteral(pos * unit)) return undefined;
      const at = pieces.length;
      // Extends the previous copy when this block follows it in the base too.
      if (at >= 2 && pieces[at - 1]! >= 0 && pieces[at - 1]! + pieces[at - 2]! === match * PATCH_BLOCK) pieces[at - 2]! += PATCH_BLOCK;
      else pieces.push(PATCH_BLOCK, match * PATCH_BLOCK);
      pos += win;
      litStart = pos * unit;
      fresh = true;
      continue;
    }
    if (pos + win >= n) break;
    // Roll one symbol: drop w[pos], take w[pos + win].
    const out = w[pos]!;
    const inn = w[pos + win]!;
    a = (a - out + inn) | 0;
    b = (b - Math.imul(win, out) + a) | 0;
    pos++;
  }
  if (!flushLiteral(bytes.length)) return undefined;
  const whole = Math.floor(base.length / PATCH_BLOCK) * PATCH_BLOCK;
  const copiesAll = whole === 0 || (pieces.length >= 2 && pieces[0] === whole && pieces[1] === 0);
  if (bytes.length === base.length && copiesAll && pieces.length <= 4 && tailHash(bytes, whole) === base.tail) return null;
  const out = new Uint8Array(8 + 4 * pieces.length + literal);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, pieces.length / 2, true);
  for (let i = 0; i < pieces.length; i++) view.setInt32(8 + 4 * i, pieces[i]!, true);
  let at = 8 + 4 * pieces.length;
  for (const [from, to] of literals) {
    out.set(bytes.subarray(from, to), at);
    at += to - from;
  }
  return out;
}

/**
 * Builds the section of `length` bytes from the base's bytes (its chunks, in order: never joined, so a large section
 * costs its own bytes and the chunks, not a third copy) and a patch. Throws when the patch does not fit.
 */
export function applyPatch(base: Uint8Array | readonly Uint8Array[], patch: Uint8Array, length: number, corrupt: (why: string) => SextantError): Uint8Array {
  const parts = base instanceof Uint8Array ? [base] : base;
  const starts = new Float64Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) starts[i + 1] = starts[i]! + parts[i]!.length;
  const baseLength = starts[parts.length]!;
  if (patch.length < 8) throw corrupt('patch too short');
  const view = new DataView(patch.buffer, patch.byteOffset, patch.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw corrupt('bad patch magic number');
  const count = view.getUint32(4, true);
  if (8 + 8 * count > patch.length) throw corrupt('patch header does not fit');
  const out = new Uint8Array(length);
  let lit = 8 + 8 * count;
  let at = 0;
  let part = 0;
  for (let i = 0; i < count; i++) {
    const n = view.getUint32(8 + 8 * i, true);
    const from = view.getInt32(12 + 8 * i, true);
    if (at + n > length) throw corrupt('patch is longer than its section');
    if (from < 0) {
      if (lit + n > patch.length) throw corrupt('patch literal out of range');
      out.set(patch.subarray(lit, lit + n), at);
      lit += n;
    } else {
      if (from + n > baseLength) throw corrupt('patch copy out of range');
      // Copies mostly move forward through the base: start the search at the last part used.
      if (from < starts[part]!) part = 0;
      let src = from;
      let dst = at;
      let left = n;
      while (left > 0) {
        while (src >= starts[part + 1]!) part++;
        const inPart = src - starts[part]!;
        const take = Math.min(left, parts[part]!.length - inPart);
        out.set(parts[part]!.subarray(inPart, inPart + take), dst);
        src += take;
        dst += take;
        left -= take;
      }
    }
    at += n;
  }
  if (at !== length || lit !== patch.length) throw corrupt('patch does not cover its section');
  return out;
}
