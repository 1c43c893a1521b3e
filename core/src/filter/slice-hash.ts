import type { PointId } from '../client/sextant-client.js';

/**
 * Qdrant's `slice` condition: a point is in slice `index` of `total` iff SipHash-2-4 (zero key) of its id bytes,
 * mod `total`, equals `index`. Id bytes: 8 little-endian bytes for a numeric id, the 16 RFC 4122 bytes of a UUID.
 * BigInt is fine here: a slice filter hashes each candidate once.
 */
const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & MASK;

export function idBytes(id: PointId): Uint8Array {
  if (typeof id === 'number') {
    const out = new Uint8Array(8);
    let v = BigInt(id);
    for (let i = 0; i < 8; i++, v >>= 8n) out[i] = Number(v & 0xffn);
    return out;
  }
  const hex = id.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** SipHash-2-4; `k0`/`k1` are the little-endian halves of the key (zero for slices, others for test vectors). */
export function sipHash24(bytes: Uint8Array, k0 = 0n, k1 = 0n): bigint {
  let v0 = 0x736f6d6570736575n ^ k0, v1 = 0x646f72616e646f6dn ^ k1, v2 = 0x6c7967656e657261n ^ k0, v3 = 0x7465646279746573n ^ k1;
  const round = () => {
    v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const n = bytes.length;
  const full = n - (n % 8);
  const word = (at: number, len: number) => {
    let m = 0n;
    for (let i = len - 1; i >= 0; i--) m = (m << 8n) | BigInt(bytes[at + i]!);
    return m;
  };
  for (let at = 0; at < full; at += 8) {
    const m = word(at, 8);
    v3 ^= m; round(); round(); v0 ^= m;
  }
  const last = (BigInt(n & 0xff) << 56n) | word(full, n - full);
  v3 ^= last; round(); round(); v0 ^= last;
  v2 ^= 0xffn;
  round(); round(); round(); round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK;
}

export function inSlice(id: PointId, index: number, total: number): boolean {
  return sipHash24(idBytes(id)) % BigInt(total) === BigInt(index);
}
