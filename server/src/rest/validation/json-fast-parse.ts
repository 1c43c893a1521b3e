import { converted, decimalToDouble } from './decimal-to-double.js';

/**
 * A JSON reader for the body shape REST traffic is made of (ASCII, arrays of 16-17 digit numbers), where it is
 * cheaper than `JSON.parse` (1.6-1.9x on a 768-dimension query, bench/json-body-ab.mjs), most of whose time there
 * goes to turning digits into doubles.
 *
 * Contract: `parseJsonFast(bytes, text, maxDepth)` returns exactly what `JSON.parse(text)` returns (the same doubles bit for bit,
 * key order, the last of duplicate keys, `__proto__` as an own data property), or `NOT_PARSED` whenever it is not
 * sure: any syntax error, nesting deeper than `maxDepth`, a number `Number` reads as non-finite. The caller then
 * takes its full path, so errors and their messages come from there, unchanged. `bytes` must be ASCII and `text`
 * their latin1 string (it gives the slices: keys, strings, numbers `Number` has to read).
 *
 * Characters are read from a copy of the bytes in a scratch with zeros after the end (a NUL is wrong everywhere in
 * JSON), so that no read is ever out of bounds: one out-of-bounds read (a truncated body) would leave V8's code for
 * these loops on its slower generic path for good. The copy costs ~1 us for a 768-dimension query.
 */
export const NOT_PARSED: unique symbol = Symbol('not parsed');

/** Thrown (never seen outside) to abandon the fast read. */
const BAIL = { bail: true };

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_BRACKET = 0x5d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Zeros after the copied body: more than any read past a character (at most 4, in `false` and a digit word). */
const PADDING = 8;

// The reader's state: one body at a time on a thread, and no reentrancy (nothing here calls out to user code).
let buf = new Uint8Array(1 << 16);
let view = new DataView(buf.buffer);
let src = '';
let pos = 0;
let maxNesting = 0;
/**
 * readNumberGeneral's value (it returns where the number ends): a double returned from a call that V8 does not
 * inline is boxed, an allocation per number.
 */
const number = new Float64Array(1);
/** readNumbers' run of numbers (grown by doubling), and how many it holds. */
let numbers = new Float64Array(1024);
let numberCount = 0;

/** Scratch sizes kept between bodies; a larger body gets scratch of its own, dropped after it. */
const KEPT_BYTES = 1 << 20;
const KEPT_NUMBERS = 1 << 16;

export function parseJsonFast(bytes: Uint8Array, text: string, maxDepth: number): unknown {
  const n = bytes.length;
  const kept = buf, keptView = view;
  if (buf.length < n + PADDING) {
    buf = new Uint8Array(n + PADDING > KEPT_BYTES ? n + PADDING : Math.max(2 * buf.length, n + PADDING));
    view = new DataView(buf.buffer);
  }
  buf.set(bytes);
  buf.fill(0, n, n + PADDING);
  src = text;
  pos = 0;
  maxNesting = maxDepth;
  try {
    const value = parseValue(0);
    if (skipSpace() !== n) return NOT_PARSED;
    return value;
  } catch (error) {
    if (error === BAIL) return NOT_PARSED;
    throw error;
  } finally {
    src = '';
    if (buf.length > KEPT_BYTES) (buf = kept), (view = keptView);
    if (numbers.length > KEPT_NUMBERS) numbers = new Float64Array(1024);
  }
}

/** Moves `pos` past JSON whitespace; returns it. */
function skipSpace(): number {
  const b = buf;
  let i = pos;
  let c = b[i]!;
  while (c === SPACE || c === LF || c === CR || c === TAB) c = b[++i]!;
  return (pos = i);
}

function parseValue(depth: number): unknown {
  const b = buf;
  const i = skipSpace();
  const c = b[i]!;
  if (c === MINUS || (c >= ZERO && c <= NINE)) return (pos = readNumberGeneral(b, i)), number[0]!;
  if (c === QUOTE) return parseString();
  if (c === OPEN_BRACKET) return parseArray(depth + 1);
  if (c === OPEN_BRACE) return parseObject(depth + 1);
  if (c === 0x74 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) return (pos += 4), true;
  if (c === 0x66 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) return (pos += 5), false;
  if (c === 0x6e && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c) return (pos += 4), null;
  throw BAIL;
}

function parseArray(depth: number): unknown[] {
  if (depth > maxNesting) throw BAIL;
  pos++;
  const s = buf;
  let i = skipSpace();
  if (s[i] === CLOSE_BRACKET) return (pos = i + 1), [];
  let out: unknown[] | undefined;
  // The loop keeps its place in a local. Numbers are read in runs into a scratch; an array of numbers only (a
  // vector) is then made at its final length: growing it by push costs more than all its stores.
  for (;;) {
    let c = s[i]!;
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      i = readNumbers(s, i);
      const n = numberCount, f = numbers;
      if (out === undefined && s[i] === CLOSE_BRACKET) {
        const whole = new Array<number>(n);
        for (let k = 0; k < n; k++) whole[k] = f[k]!;
        return (pos = i + 1), whole;
      }
      out ??= [];
      for (let k = 0; k < n; k++) out.push(f[k]!);
    } else {
      pos = i;
      const value = parseValue(depth);
      (out ??= []).push(value);
      i = pos;
    }
    c = s[i]!;
    while (c === SPACE || c === LF || c === CR || c === TAB) c = s[++i]!;
    if (c === COMMA) {
      c = s[++i]!;
      while (c === SPACE || c === LF || c === CR || c === TAB) c = s[++i]!;
      continue;
    }
    if (c === CLOSE_BRACKET) return (pos = i + 1), out ?? [];
    throw BAIL;
  }
}

function parseObject(depth: number): Record<string, unknown> {
  if (depth > maxNesting) throw BAIL;
  pos++;
  const out: Record<string, unknown> = {};
  if (buf[skipSpace()] === CLOSE_BRACE) return pos++, out;
  for (;;) {
    if (buf[skipSpace()] !== QUOTE) throw BAIL;
    const key = parseString();
    if (buf[skipSpace()] !== COLON) throw BAIL;
    pos++;
    const value = parseValue(depth);
    // JSON.parse defines properties; assignment would set the prototype for this one key.
    if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    else out[key] = value;
    const next = buf[skipSpace()];
    pos++;
    if (next === COMMA) continue;
    if (next === CLOSE_BRACE) return out;
    throw BAIL;
  }
}

/** At the opening quote. Strings with escapes are handed to JSON.parse whole (escapes, surrogates, its checks). */
function parseString(): string {
  const b = buf;
  const start = pos + 1;
  let escaped = false;
  let i = start;
  for (;;) {
    const c = b[i]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH) (escaped = true), (i += 2);
    else if (c < SPACE) throw BAIL; // a control character, or the padding: no closing quote
    else i++;
  }
  pos = i + 1;
  if (!escaped) return src.slice(start, i);
  try {
    return JSON.parse(src.slice(start - 1, i + 1)) as string;
  } catch {
    throw BAIL;
  }
}

/**
 * At a '-' or digit in an array: reads numbers into `numbers` while they follow one another (`1,2,3`), sets
 * `numberCount` and returns the index after the last one. The loop and the reading of the common numbers (no
 * exponent, at most 19 significant digits) are one function: a call per number, which V8 will not inline for a
 * function this size, costs about as much as reading it. Other numbers, syntax errors included, are
 * readNumberGeneral's.
 */
function readNumbers(s: Uint8Array, at: number): number {
  const w = view;
  let i = at;
  let f = numbers;
  let n = 0;
  for (;;) {
    if (n === f.length) {
      const grown = new Float64Array(2 * n);
      grown.set(f);
      numbers = f = grown;
    }
    const start = i;
    let c = s[i]!;
    const negative = c === MINUS;
    if (negative) c = s[++i]!;
    const integer = i;
    let a = 0, b = 0, digits = 0, e10 = 0;
    if (c === ZERO) c = s[++i]!;
    else {
      while (c >= ZERO && c <= NINE) {
        if (digits < 12) a = a * 10 + (c - ZERO);
        else b = b * 10 + (c - ZERO);
        digits++;
        c = s[++i]!;
      }
    }
    if (c === DOT && i !== integer) {
      const first = ++i;
      if (digits === 0) while (s[i] === ZERO) i++;
      for (;;) {
        if (digits <= 8 || (digits >= 12 && digits <= 15)) {
          const v = w.getUint32(i, true);
          // Four ASCII digits: every byte 0x30-0x39 (no carries: bytes are ASCII, below 0x80).
          if ((v & 0xf0f0f0f0) === 0x30303030 && ((v + 0x06060606) & 0xf0f0f0f0) === 0x30303030) {
            let d = v - 0x30303030;
            d = (d * 10 + (d >>> 8)) & 0x00ff00ff; // byte 0: the first two digits, byte 2: the last two
            const four = (d & 0xff) * 100 + (d >>> 16);
            if (digits <= 8) a = a * 10000 + four;
            else b = b * 10000 + four;
            digits += 4;
            i += 4;
            continue;
          }
        }
        c = s[i]!;
        if (!(c >= ZERO && c <= NINE)) break;
        if (digits < 12) a = a * 10 + (c - ZERO);
        else b = b * 10 + (c - ZERO);
        digits++;
        i++;
      }
      e10 = i === first ? 1 : first - i; // 1: no fraction digit, refused below
    }
    // Not read here: no digit, a digit after a leading zero, "1.", an exponent, more than 19 digits.
    if (i === integer || e10 > 0 || (c >= ZERO && c <= NINE) || c === LOWER_E || c === UPPER_E || digits > 19) {
      i = readNumberGeneral(s, start);
      f[n++] = number[0];
    } else if (digits === 0) f[n++] = negative ? -0 : 0;
    else if (digits <= 15 && e10 >= -22) {
      // Clinger's fast path: an exact integer below 2^53 over an exact power of ten. (`0 - e10`: -0 is no index.)
      const v = (digits <= 12 ? a : a * POW10[digits - 12]! + b) / POW10[0 - e10]!;
      f[n++] = negative ? -v : v;
    } else if (decimalToDouble(a, b, digits > 12 ? digits - 12 : 0, e10)) f[n++] = negative ? -converted[0]! : converted[0]!;
    else {
      i = readNumberGeneral(s, start);
      f[n++] = number[0];
    }
    c = s[i]!;
    if (c !== COMMA) break;
    c = s[i + 1]!;
    if (c !== MINUS && !(c >= ZERO && c <= NINE)) break;
    i++;
  }
  numberCount = n;
  return i;
}

/**
 * At a '-' or digit: any number, with JSON's syntax for it (a leading zero, a missing digit: bail out), the value
 * in number[0]; returns the index after it. The rarer path: top-level numbers, exponents, the long and the hard.
 */
function readNumberGeneral(s: Uint8Array, start: number): number {
  let i = start;
  let c = s[i]!;
  const negative = c === MINUS;
  if (negative) c = s[++i]!;
  let a = 0, b = 0, digits = 0, e10 = 0;
  if (c === ZERO) {
    c = s[++i]!;
    if (c >= ZERO && c <= NINE) throw BAIL; // a leading zero
  } else if (c > ZERO && c <= NINE) {
    do {
      if (digits < 12) a = a * 10 + (c - ZERO);
      else if (digits < 19) b = b * 10 + (c - ZERO);
      digits++;
      c = s[++i]!;
    } while (c >= ZERO && c <= NINE);
  } else throw BAIL;
  if (c === DOT) {
    const first = i + 1;
    c = s[++i]!;
    if (!(c >= ZERO && c <= NINE)) throw BAIL;
    if (digits === 0) while (c === ZERO) c = s[++i]!; // only move the exponent
    while (c >= ZERO && c <= NINE) {
      if (digits < 12) a = a * 10 + (c - ZERO);
      else if (digits < 19) b = b * 10 + (c - ZERO);
      digits++;
      c = s[++i]!;
    }
    e10 = first - i;
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = s[++i]!;
    const negativeExponent = c === MINUS;
    if (negativeExponent || c === PLUS) c = s[++i]!;
    if (!(c >= ZERO && c <= NINE)) throw BAIL;
    let x = 0;
    do {
      if (x < 1e6) x = x * 10 + (c - ZERO); // beyond, decimalToDouble refuses it and Number decides
      c = s[++i]!;
    } while (c >= ZERO && c <= NINE);
    e10 += negativeExponent ? -x : x;
  }
  if (digits === 0) number[0] = negative ? -0 : 0;
  else if (digits <= 19 && decimalToDouble(a, b, digits > 12 ? digits - 12 : 0, e10)) number[0] = negative ? -converted[0]! : converted[0]!;
  else {
    const v = Number(src.slice(start, i));
    if (!Number.isFinite(v)) throw BAIL;
    number[0] = v;
  }
  return i;
}
