import type { SextantError } from '../client/errors.js';

/**
 * Patches of a section against its base: the fixed-size blocks whose bytes changed since the base's chunks were
 * written. Content-defined chunks (segment-chunks.ts) suit data that shifts (payloads, appended rows); they do not
 * suit data changed in place at many scattered spots, like the HNSW graph's layer-0 links, where a few inserted or
 * removed points rewrite rows all over the id range and so touch every chunk. A patch stores those rows' blocks alone;
 * the section is the base chunks, resized to the section's length, with the patch's blocks laid over them.
 *
 * Layout (little endian): `u32 magic | u32 blockSize | u32 count | u32 blockIndex[count] | block bytes`, each block
 * `blockSize` bytes except one that ends the section, cut at the section's end. Checksummed by the manifest, like a
 * chunk.
 */
const MAGIC = 0x54505853; // "SXPT"

/** Block size of patches and of the block hashes that find changed blocks. */
export const PATCH_BLOCK = 256;

/**
 * Two 32-bit hashes (murmur3-style word mixing, two seeds) per `PATCH_BLOCK` bytes of `bytes`, so a writer can tell
 * which blocks changed without keeping the bytes of the last flush. The byte count is mixed in: a partial last block
 * never equals a whole one.
 */
export function blockHashes(bytes: Uint8Array): Uint32Array {
  const blocks = Math.ceil(bytes.length / PATCH_BLOCK);
  const out = new Uint32Array(2 * blocks);
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
  const wordsPerBlock = PATCH_BLOCK >>> 2;
  for (let b = 0; b < blocks; b++) {
    let h1 = 0x9747b28c;
    let h2 = 0x2545f491;
    const from = b * wordsPerBlock;
    const to = Math.min(words.length, from + wordsPerBlock);
    for (let i = from; i < to; i++) {
      const w = words[i]!;
      let k = Math.imul(w, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h1 ^= k;
      h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
      let j = Math.imul(w, 0x85ebca6b);
      j = Math.imul((j << 16) | (j >>> 16), 0xc2b2ae35);
      h2 ^= j;
      h2 = (Math.imul((h2 << 17) | (h2 >>> 15), 9) + 0x7fe3a1d5) | 0;
    }
    const end = Math.min(bytes.length, (b + 1) * PATCH_BLOCK);
    // Bytes past the last whole word (a section whose length is not a multiple of 4).
    for (let i = Math.max(b * PATCH_BLOCK, words.length * 4); i < end; i++) {
      h1 = Math.imul(h1 ^ aligned[i]!, 0x01000193);
      h2 = Math.imul(h2 ^ aligned[i]!, 0x5bd1e995);
    }
    out[2 * b] = fmix(h1 ^ (end - b * PATCH_BLOCK));
    out[2 * b + 1] = fmix(h2 ^ Math.imul(end - b * PATCH_BLOCK, 0x9e3779b1));
  }
  return out;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Indices of the blocks of the new bytes (hashed as `next`) that differ from the base (hashed as `base`), or
 * undefined once they would take more than `maxBytes`: then a patch is not worth it and the section is rechunked.
 */
export function changedBlocks(base: Uint32Array, next: Uint32Array, maxBytes: number): Uint32Array | undefined {
  const blocks = next.length >>> 1;
  const baseBlocks = base.length >>> 1;
  const limit = Math.floor(maxBytes / PATCH_BLOCK);
  const out = new Uint32Array(Math.min(blocks, limit + 1));
  let n = 0;
  for (let b = 0; b < blocks; b++) {
    if (b < baseBlocks && base[2 * b] === next[2 * b] && base[2 * b + 1] === next[2 * b + 1]) continue;
    if (n === limit) return undefined;
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** The patch blob holding `blocks` of `bytes`. */
export function encodePatch(bytes: Uint8Array, blocks: Uint32Array): Uint8Array {
  let data = 0;
  for (const b of blocks) data += Math.min(PATCH_BLOCK, bytes.length - b * PATCH_BLOCK);
  const out = new Uint8Array(12 + 4 * blocks.length + data);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, PATCH_BLOCK, true);
  view.setUint32(8, blocks.length, true);
  let at = 12 + 4 * blocks.length;
  blocks.forEach((b, i) => {
    view.setUint32(12 + 4 * i, b, true);
    const from = b * PATCH_BLOCK;
    const to = Math.min(bytes.length, from + PATCH_BLOCK);
    out.set(bytes.subarray(from, to), at);
    at += to - from;
  });
  return out;
}

/** Lays a patch's blocks over `section` (already the base bytes at the section's length). Throws when it does not fit. */
export function applyPatch(section: Uint8Array, patch: Uint8Array, corrupt: (why: string) => SextantError): void {
  if (patch.length < 12) throw corrupt(`section patch too short`);
  const view = new DataView(patch.buffer, patch.byteOffset, patch.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw corrupt('bad patch magic number');
  const blockSize = view.getUint32(4, true);
  const count = view.getUint32(8, true);
  if (blockSize === 0 || 12 + 4 * count > patch.length) throw corrupt('patch header does not fit');
  let at = 12 + 4 * count;
  for (let i = 0; i < count; i++) {
    const from = view.getUint32(12 + 4 * i, true) * blockSize;
    const n = Math.min(blockSize, section.length - from);
    if (n <= 0 || at + n > patch.length) throw corrupt('patch block out of range');
    section.set(patch.subarray(at, at + n), from);
    at += n;
  }
  if (at !== patch.length) throw corrupt('patch has trailing bytes');
}
