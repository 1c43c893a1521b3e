/**
 * Decimal digits to the nearest double, bit for bit what `JSON.parse` / `Number` give, without their cost on the
 * numbers REST bodies are made of: embeddings serialized by `JSON.stringify`, 16-17 significant digits each, where
 * V8's own conversion takes ~120 ns per number (most of a 768-dimension query's parse).
 *
 * The caller hands over the significant digits as two exact integers, `a` (the first at most 12 digits) and `b`
 * (the next `nb` <= 7 digits), and the decimal exponent `e10`: the value is (a * 10^nb + b) * 10^e10.
 * - Up to 15 digits with |e10| <= 22 (Clinger's fast path): both operands are exact doubles, so one correctly
 *   rounded multiply or divide is the answer.
 * - Otherwise the digits become an exact double-double, which is multiplied by 10^e10 held as a double-double
 *   (built once with BigInt). The product is within ~2^-104 of the true value; when it is farther than 2^-90 from
 *   every rounding boundary, its high part is the correctly rounded answer. Near a boundary (halfway cases such as
 *   9007199254740993), or with e10 outside the table (where the low parts would lose bits to underflow), it gives
 *   up: the caller must then use `Number` on the text.
 *
 * The answer goes to `converted[0]`, not the return value: a double returned from a call V8 does not inline is
 * boxed, one allocation per number (the largest single cost of a short integer, measured).
 */
export const converted = new Float64Array(1);

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Veltkamp's splitter for doubles: 2^27 + 1. */
const SPLIT = 134217729;
/** 2^-90: the distance from a rounding boundary below which the double-double answer is not trusted. */
const MARGIN = 2 ** -90;

/**
 * The table's decimal exponents. Below -260 a product's error term (~2^-106 of it) would fall under the smallest
 * normal double and lose bits; above 280 a digit string of up to 19 digits could overflow the split.
 */
const MIN_E = -260;
const MAX_E = 280;

/**
 * 10^e for e in [MIN_E, MAX_E] as hi + lo, with hi's Veltkamp halves: four doubles per exponent, filled on first
 * need. One array held in a const: V8 then reads it as a constant, with no module-slot load or check per number.
 */
const table = new Float64Array(4 * (MAX_E - MIN_E + 1));
let tableBuilt = false;

function buildTable(): void {
  for (let e = MIN_E; e <= MAX_E; e++) {
    let h: number, l: number;
    if (e >= 0) {
      const p = 10n ** BigInt(e);
      h = Number(p);
      l = Number(p - BigInt(h));
    } else {
      // 2^s / 10^k with ~200 bits and a sticky low bit, so that Number() rounds it as it would the true quotient
      // (never a false tie); then scaled back by 2^-s in two exact steps (2^-s alone may not be a double).
      const k = 10n ** BigInt(-e);
      const s = k.toString(2).length + 200;
      const scaled = ((1n << BigInt(s)) / k) | 1n;
      const top = Number(scaled);
      const s1 = 2 ** -(s >> 1), s2 = 2 ** -(s - (s >> 1));
      h = top * s1 * s2;
      l = Number(scaled - BigInt(top)) * s1 * s2;
    }
    const t = SPLIT * h;
    const at = 4 * (e - MIN_E);
    table[at] = h;
    table[at + 1] = l;
    table[at + 2] = t - (t - h);
    table[at + 3] = h - (t - (t - h));
  }
  tableBuilt = true;
}

/**
 * Sets converted[0] to (a * 10^nb + b) * 10^e10 correctly rounded, for a < 10^12, nb <= 7, b < 10^nb, and returns
 * true; returns false when it cannot tell.
 */
export function decimalToDouble(a: number, b: number, nb: number, e10: number): boolean {
  // At most 15 digits: a * 10^nb + b is below 2^53, exact.
  if (nb <= 3 && e10 >= -22 && e10 <= 22) {
    const d = a * POW10[nb]! + b;
    converted[0] = e10 < 0 ? d / POW10[-e10]! : d * POW10[e10]!;
    return true;
  }
  if (e10 < MIN_E || e10 > MAX_E) return false;
  // 1. The digits as an exact double-double dh + dl: a * 10^nb, then + b by Knuth's two-sum. Up to 17 digits
  //    (nb <= 5) the product is exact as it is: a < 2^40 times 5^nb < 2^12, times 2^nb. Beyond, it takes Dekker's
  //    product, where 10^nb (at most 17 significant bits) needs no split.
  let dh = a, dl = 0;
  if (nb !== 0) {
    const m = POW10[nb]!;
    const p = a * m;
    const s = p + b;
    const bv = s - p;
    const se = p - (s - bv) + (b - bv);
    if (nb <= 5) (dh = s), (dl = se);
    else {
      const t = SPLIT * a;
      const ah = t - (t - a);
      const low = ah * m - p + (a - ah) * m + se;
      dh = s + low;
      dl = low - (dh - s);
    }
  }
  if (!tableBuilt) buildTable();
  // 2. Times 10^e10 = ph + pl: the high product exactly (Dekker), the cross terms rounded (each ~2^-106 of it).
  const at = 4 * (e10 - MIN_E);
  const ph = table[at]!, pl = table[at + 1]!, phh = table[at + 2]!, phl = table[at + 3]!;
  const p = dh * ph;
  const t = SPLIT * dh;
  const dhh = t - (t - dh);
  const dhl = dh - dhh;
  const pe = dhh * phh - p + dhh * phl + dhl * phh + dhl * phl;
  const low = pe + (dh * pl + dl * ph);
  const rh = p + low;
  const rl = low - (rh - p);
  // 3. rh = fl(rh + rl). Rounding is monotonic, so if both ends of [rh + rl - m, rh + rl + m] round to rh, so does
  //    the true value inside it; this also covers the narrower gap below a power of two.
  const m = (rh < 0 ? -rh : rh) * MARGIN;
  if (rh + (rl + m) !== rh || rh + (rl - m) !== rh) return false;
  converted[0] = rh;
  return true;
}
