/**
 * The sum a row of byte codes looks up in a per-query table of 256 entries per code byte (product's ADC table,
 * turbo's partial dot products): entry `(j << 8) + code_j` for each byte j of `codes[off .. off + n)`. Two running
 * sums, even and odd bytes, added at the end (the order both quantizers' scores were fixed with).
 */
export function tableSum(table: Float32Array, codes: Uint8Array, off: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let j = 0;
  for (; j + 1 < n; j += 2) {
    s0 += table[(j << 8) + codes[off + j]!]!;
    s1 += table[((j + 1) << 8) + codes[off + j + 1]!]!;
  }
  if (j < n) s0 += table[(j << 8) + codes[off + j]!]!;
  return s0 + s1;
}
