/** CRC-32 (IEEE 802.3, the zlib/PNG polynomial), used by the op log and the segment format to detect torn or rotten bytes. */
let tables: Uint32Array | undefined;

/**
 * Slicing-by-8 tables: `tables[k * 256 + b]` is the CRC of byte `b` followed by `k` zero bytes, so eight bytes fold
 * into the CRC with eight lookups and no data-dependent chain between them. Table 0 is the classic byte table.
 */
function crcTables(): Uint32Array {
  if (tables !== undefined) return tables;
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = t[prev & 0xff]! ^ (prev >>> 8);
    }
  }
  tables = t;
  return t;
}

/** CRC of `bytes`, optionally continuing from a previous CRC (pass the earlier result as `seed`). */
export function crc32(bytes: Uint8Array, seed = 0): number {
  const t = crcTables();
  let c = (seed ^ 0xffffffff) >>> 0;
  let i = 0;
  const n = bytes.length;
  // Bytes one at a time up to a 4-byte boundary of the buffer, then 8 at a time through aligned 32-bit words
  // (every engine we run on is little-endian), then the tail.
  while (i < n && (bytes.byteOffset + i) % 4 !== 0) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  const words = (n - i) >>> 3;
  if (words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words * 2);
    for (let j = 0; j < w.length; j += 2) {
      const a = (c ^ w[j]!) >>> 0;
      const b = w[j + 1]!;
      c =
        t[1792 + (a & 0xff)]! ^
        t[1536 + ((a >>> 8) & 0xff)]! ^
        t[1280 + ((a >>> 16) & 0xff)]! ^
        t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^
        t[512 + ((b >>> 8) & 0xff)]! ^
        t[256 + ((b >>> 16) & 0xff)]! ^
        t[b >>> 24]!;
    }
    i += words * 8;
  }
  while (i < n) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
