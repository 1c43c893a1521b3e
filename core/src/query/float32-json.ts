/**
 * Stored vectors are float32, and Qdrant prints a float32 as the shortest decimal that reads back as the same float32
 * (serde_json over ryu: a stored 0.15 answers `0.15`). Widened to a double, the same value prints as
 * `0.15000000596046448`, which a client comparing with what it wrote sees as a different number. Vectors leave the
 * engine as `Float32Json` arrays: plain number arrays holding the exact float32 values (gRPC and in-process callers
 * read those), whose `toJSON` prints the short decimals, so only JSON answers pay for the digits.
 */
export class Float32Json extends Array<number> {
  toJSON(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = float32Decimal(this[i]!);
    return out;
  }
}

/** The array's values (exact float32s) in an array that prints them as Qdrant does. */
export function float32Json(values: ArrayLike<number>): Float32Json {
  const out = new Float32Json(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}

/** Exact powers of ten: a double holds 10^k exactly up to k = 22. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The decimal with the fewest significant digits whose nearest float32 is `x` (an exact float32 value). Taking more
 * digits never moves the correctly rounded decimal away from `x`, so the digit counts that read back form a range
 * from the shortest up to 9 (always enough for float32). Most float32s of real data need 7 to 9 digits: 7 is tried
 * first, then 8 or 6; a search below 6 only runs for values that were short decimals to begin with. Rounding is
 * done in arithmetic (about 5x cheaper than `toPrecision`); whatever it returns is checked to read back as `x`.
 */
export function float32Decimal(x: number): number {
  if (x === 0 || !Number.isFinite(x) || (Number.isInteger(x) && Math.abs(x) <= 16777216)) return x;
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  const seven = roundDigits(x, 7, exponent);
  if (Math.fround(seven) !== x) {
    const eight = roundDigits(x, 8, exponent);
    return Math.fround(eight) === x ? eight : +x.toPrecision(9);
  }
  let best = roundDigits(x, 6, exponent);
  if (Math.fround(best) !== x) return seven;
  let lo = 1;
  let hi = 5;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const y = roundDigits(x, mid, exponent);
    if (Math.fround(y) === x) {
      best = y;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return best;
}

/**
 * `x` rounded to `digits` significant digits (half away from zero, as `toPrecision`), as the double nearest that
 * decimal: an integer divided or multiplied by an exact power of ten is correctly rounded.
 */
function roundDigits(x: number, digits: number, exponent: number): number {
  const places = digits - 1 - exponent;
  if (places > 22 || places < -22) return +x.toPrecision(digits);
  const magnitude = Math.abs(x);
  const rounded = places >= 0 ? Math.round(magnitude * POW10[places]!) / POW10[places]! : Math.round(magnitude / POW10[-places]!) * POW10[-places]!;
  return x < 0 ? -rounded : rounded;
}
