import fc from 'fast-check';
import { seededRandom } from '@sextant/core';
import { describe, expect, it } from 'vitest';
import { parseJsonBody, parseJsonBodyStandard } from '../src/rest/validation/json-body.js';

// parseJsonBody reads ASCII bodies with its own reader (json-fast-parse.ts, decimal-to-double.ts) and must give
// exactly what JSON.parse gives: every number the same double bit for bit, the same keys in the same order, and on
// any refusal the same error as the JSON.parse path (parseJsonBodyStandard), which is the oracle here.

/** Same value, structurally: numbers by Object.is (-0 apart), own keys in order, plain prototypes. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Object.is(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Reflect.ownKeys(a), kb = Reflect.ownKeys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return false;
    if (!same((a as Record<string, unknown>)[ka[i] as string], (b as Record<string, unknown>)[kb[i] as string])) return false;
  }
  return true;
}

/** Both readers on the same bytes: the same value, or the same error message. */
function outcome(read: (bytes: Uint8Array) => unknown, bytes: Uint8Array): { value?: unknown; error?: string } {
  try {
    return { value: read(bytes) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function expectSameAsStandard(text: string): void {
  const bytes = Buffer.from(text, 'latin1');
  const fast = outcome(parseJsonBody, bytes), standard = outcome(parseJsonBodyStandard, bytes);
  if (standard.error !== undefined || fast.error !== undefined) expect(fast.error, text).toBe(standard.error);
  else if (!same(fast.value, standard.value)) expect.fail(`differs from JSON.parse: ${text.slice(0, 200)}`);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const f32 = new Float32Array(1);

/** Decimal digits of the exact midpoint between finite positive x and the next double up. */
function midpointText(x: number): string {
  f64[0] = x;
  const bits = (BigInt(u32[1]!) << 32n) | BigInt(u32[0]!);
  const exponent = Number(bits >> 52n);
  const mantissa = exponent === 0 ? bits & 0xfffffffffffffn : (bits & 0xfffffffffffffn) | (1n << 52n);
  const e2 = (exponent === 0 ? 1 : exponent) - 1075 - 1; // midpoint = (2m + 1) * 2^e2
  const odd = 2n * mantissa + 1n;
  if (e2 >= 0) return (odd << BigInt(e2)).toString();
  const digits = (odd * 5n ** BigInt(-e2)).toString(); // (2m+1) * 5^k / 10^k
  return `${digits}e-${-e2}`;
}

/** `digits` significant decimal digits of a string of digits, with a decimal point and exponent moved about. */
function reshape(digits: string, exponent: number, random: () => number): string {
  const point = Math.floor(random() * (digits.length + 1));
  const lead = random() < 0.2 ? '0.' + '0'.repeat(Math.floor(random() * 4)) : '';
  const body = lead !== '' ? lead + digits : point === 0 || point === digits.length ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
  const shift = exponent - (lead !== '' ? 0 : digits.length - point);
  const e = random() < 0.5 ? '' : random() < 0.5 ? 'e' : 'E';
  if (e === '') return body;
  const sign = random() < 0.3 ? '+' : '';
  return `${body}${e}${shift < 0 ? '-' : sign}${Math.abs(shift)}`;
}

function randomDigits(n: number, random: () => number): string {
  let s = String(1 + Math.floor(random() * 9));
  while (s.length < n) s += String(Math.floor(random() * 1e8)).padStart(8, '0');
  return s.slice(0, n);
}

/** One number's text in one of many forms (see the cases). */
function numberText(random: () => number): string {
  const sign = random() < 0.4 ? '-' : '';
  const kind = Math.floor(random() * 12);
  switch (kind) {
    case 0: // the shortest form of a random float32 (what JSON.stringify makes of embeddings)
    case 1:
      f32[0] = (random() * 2 - 1) * 2 ** (Math.floor(random() * 40) - 30);
      return JSON.stringify(f32[0]);
    case 2: {
      // the shortest form of a random double, any exponent (subnormals included)
      u32[0] = (random() * 2 ** 32) >>> 0;
      u32[1] = (random() * 2 ** 32) >>> 0;
      return Number.isFinite(f64[0]) ? JSON.stringify(f64[0]) : '1';
    }
    case 3: // 16-17 significant digits at any decimal exponent
      return sign + reshape(randomDigits(16 + Math.floor(random() * 2), random), Math.floor(random() * 640) - 330, random);
    case 4: // 18-19 digits (the double-double path's longest), near the usual exponents
      return sign + reshape(randomDigits(18 + Math.floor(random() * 2), random), Math.floor(random() * 60) - 40, random);
    case 5: // 20-25 digits (left to Number)
      return sign + reshape(randomDigits(20 + Math.floor(random() * 6), random), Math.floor(random() * 80) - 60, random);
    case 6: {
      // near a halfway point between two doubles: the exact midpoint, or it cut to 17-19 digits and nudged
      u32[0] = (random() * 2 ** 32) >>> 0;
      // (mostly moderate exponents: the exact midpoint of a tiny double has ~750 digits, slow to make)
      const biased = random() < 0.9 ? 1023 - 70 + Math.floor(random() * 140) : Math.floor(random() * 0x7fe);
      u32[1] = (biased << 20) | ((random() * 2 ** 20) >>> 0);
      if (random() < 0.5) f64[0] = Math.fround(f64[0] % 1e30) || 1;
      const m = midpointText(Math.abs(f64[0]));
      if (random() < 0.3) return sign + m;
      const [digits, e = '0'] = m.split('e');
      const keep = Math.min(digits!.length, 17 + Math.floor(random() * 3));
      const nudge = BigInt(digits!.slice(0, keep)) + BigInt(Math.floor(random() * 3) - 1);
      return `${sign}${nudge}e${Number(e) + digits!.length - keep}`;
    }
    case 7: // integers around 2^53 and up to 19-20 digits (9007199254740993 rounds to even)
      return sign + (2n ** 53n + BigInt(Math.floor(random() * 9) - 4) + (random() < 0.5 ? 0n : BigInt(Math.floor(random() * 2 ** 30)) << BigInt(Math.floor(random() * 12)))).toString();
    case 8: {
      // powers of ten and their neighbours in every spelling: 1e22, 1e23, 0.001, 1000...
      const k = Math.floor(random() * 60) - 30;
      const forms = [`1e${k}`, `1E${k}`, `10e${k - 1}`, k >= 0 ? '1' + '0'.repeat(k) : '0.' + '0'.repeat(-k - 1) + '1', `${randomDigits(1, random)}e${k}`];
      return sign + forms[Math.floor(random() * forms.length)]!;
    }
    case 9: {
      // the ends of the double range: around DBL_MAX, DBL_MIN and the smallest subnormal
      const ends = ['1.7976931348623157e308', '1.7976931348623158e308', '1.797693134862315e308', '2.2250738585072014e-308', '2.2250738585072011e-308', '4.9406564584124654e-324', '5e-324', '2.4703282292062328e-324', '1e-320', '1.5e-310', '8.98846567431158e307', '179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'];
      return sign + ends[Math.floor(random() * ends.length)]!;
    }
    case 10: {
      // zeros in their forms, and short decimals (Clinger's fast path)
      const zeros = ['0', '0.0', '0e5', '0.000E-3', '0.00000000000000000000000000001'];
      return random() < 0.3 ? sign + zeros[Math.floor(random() * zeros.length)]! : sign + reshape(randomDigits(1 + Math.floor(random() * 15), random), Math.floor(random() * 44) - 22, random);
    }
    default: // small integers and money-like decimals
      return sign + (random() < 0.5 ? String(Math.floor(random() * 1e6)) : (Math.floor(random() * 1e6) / 100).toString());
  }
}

describe('parseJsonBody reads numbers exactly as JSON.parse', () => {
  it('gives the same double, bit for bit, for millions of numbers in many forms', () => {
    const random = seededRandom(20251126);
    let checked = 0;
    const texts: string[] = [];
    for (let batch = 0; batch < 50; batch++) {
      texts.length = 0;
      for (let i = 0; i < 40000; i++) texts.push(numberText(random));
      // Numbers that JSON.parse reads as infinite are refused as a whole body: checked one by one below.
      const finite = texts.filter((t) => t.length < 18 || Number.isFinite(Number(t)));
      const text = `[${finite.join(',')}]`;
      const fast = parseJsonBody(Buffer.from(text, 'latin1')) as number[];
      const expected = JSON.parse(text) as number[];
      expect(fast.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) if (!Object.is(fast[i], expected[i])) expect.fail(`${finite[i]}: ${fast[i]} instead of ${expected[i]}`);
      checked += expected.length;
    }
    expect(checked).toBeGreaterThan(1_900_000);
  });

  it('reads the classic hard cases, alone and inside bodies', () => {
    const cases = ['9007199254740993', '9007199254740995', '-9007199254740993', '1e22', '1e23', '-0', '-0.0', '-0e-5', '0.1', '0.3', '2.2250738585072012e-308', '2.2250738585072011e-308', '1.7976931348623157e308', '4.9e-324', '2.4703282292062327e-324', '2.4703282292062328e-324', '123456789012345678', '1234567890123456789', '12345678901234567890', '0.10000000000000000555', '0.1000000000000000055511151231257827021181583404541015625', '1.00000000000000011102230246251565404236316680908203125', '1.00000000000000011102230246251565404236316680908203124', '1.00000000000000011102230246251565404236316680908203126', '7.0064923216240854e-46', '-0.12345678918361664'];
    for (const c of cases) {
      expectSameAsStandard(c);
      expectSameAsStandard(`{"v":[${c},${c}],"w":${c}}`);
    }
  });

  it('refuses numbers JSON.parse reads as infinite, and malformed numbers, exactly as before', () => {
    for (const c of ['1e400', '-1e400', '1.7976931348623159e308', '1' + '0'.repeat(400), '01', '-', '-a', '1.', '.5', '-.5', '1e', '1e+', '+1', '0x10', '1.5e3.2', 'NaN', 'Infinity', '--1', '1ee5', '00', '-01.5']) {
      expectSameAsStandard(c);
      expectSameAsStandard(`{"query":[0.5,${c},1]}`);
      expectSameAsStandard(`[${c}]`);
    }
  });
});

/** A seeded random JSON document, biased to what REST bodies hold, plus the traps of a hand-written reader. */
const keyArb = fc.oneof(fc.constantFrom('query', 'limit', 'vector', '__proto__', 'constructor', 'toString', '0', '10', '1', 'a', 'a'), fc.string({ maxLength: 6 }));
const numberArb = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.float({ noNaN: true, noDefaultInfinity: true }).map(Math.fround), fc.integer(), fc.constant(-0));
const stringArb = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('\\', '"', '\n', '\u0000', '\ud83d\ude00', '\ud800', 'é', '\u2028'));
const { doc: docArb } = fc.letrec((tie) => ({
  doc: fc.oneof({ depthSize: 'small', withCrossShrink: true }, numberArb, stringArb, fc.boolean(), fc.constant(null), tie('array'), tie('object'), fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 64 })),
  array: fc.array(tie('doc'), { maxLength: 5 }),
  object: fc.array(fc.tuple(keyArb, tie('doc')), { maxLength: 5 }),
}));

/**
 * The text of a generated document: `object` gives key lists (so that duplicate keys survive), written as objects
 * (as is any array of [string, value] pairs); spaces sprinkled in; `ascii` escapes the rest.
 */
function write(value: unknown, random: () => number, ascii: boolean): string {
  const space = () => (random() < 0.1 ? [' ', '\n', '\t', '\r', '  '][Math.floor(random() * 5)]! : '');
  const str = (s: string) => (ascii ? JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : JSON.stringify(s));
  const go = (v: unknown): string => {
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : JSON.stringify(v);
    if (v === null || typeof v === 'boolean') return String(v);
    const items = v as unknown[];
    const asObject = items.length > 0 && items.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string');
    if (asObject) return `{${space()}${items.map((p) => `${str((p as [string, unknown])[0])}${space()}:${space()}${go((p as [string, unknown])[1])}`).join(`${space()},${space()}`)}${space()}}`;
    return `[${space()}${items.map(go).join(`${space()},${space()}`)}${space()}]`;
  };
  return space() + go(value) + space();
}

describe('parseJsonBody reads whole bodies as JSON.parse', () => {
  it('gives deep-equal documents (key order, duplicates, __proto__, escapes) for seeded random bodies', () => {
    const random = seededRandom(7);
    fc.assert(
      fc.property(docArb, (doc) => {
        expectSameAsStandard(write(doc, random, true));
      }),
      { seed: 42, numRuns: 3000 },
    );
  });

  it('refuses broken bodies with the very error JSON.parse gives: cut, or with a character changed', () => {
    const random = seededRandom(11);
    const junk = ['', ',', ']', '}', '[', '{', '"', ':', '-', '.', 'e', '0', '\\', 'x', '\u0000', ' ', '\u0001'];
    fc.assert(
      fc.property(docArb, (doc) => {
        const text = write(doc, random, true);
        const at = Math.floor(random() * (text.length + 1));
        expectSameAsStandard(text.slice(0, at));
        expectSameAsStandard(text.slice(0, at) + junk[Math.floor(random() * junk.length)]! + text.slice(at + 1));
      }),
      { seed: 43, numRuns: 3000 },
    );
  });

  it('keeps __proto__ an own data property, and duplicate keys last-wins in first-seen order', () => {
    const value = parseJsonBody(Buffer.from('{"b":1,"__proto__":{"x":1},"a":2,"b":3,"2":0,"1":0}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['1', '2', 'b', '__proto__', 'a']);
    expect(value['b']).toBe(3);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')).toEqual({ value: { x: 1 }, writable: true, enumerable: true, configurable: true });
    expectSameAsStandard('{"b":1,"__proto__":{"x":1},"a":2,"b":3,"2":0,"1":0}');
  });

  it('stops nesting at the same depth with the same message and position', () => {
    for (const [open, close] of [['[', ']'], ['{"a":', '}']] as const) {
      expectSameAsStandard(open.repeat(127) + '1' + close.repeat(127));
      expectSameAsStandard(open.repeat(128) + '1' + close.repeat(128));
      expectSameAsStandard(`{"query":[0.5],\n "x":` + open.repeat(130));
    }
    expect(() => parseJsonBody(Buffer.from('['.repeat(128) + ']'.repeat(128)))).toThrow('Format error in JSON body: recursion limit exceeded at line 1 column 128');
  });

  it('reads a long vector body after broken ones (no state left behind), and bodies larger than its scratch', () => {
    for (const broken of ['[1,2', '{"a":"x', '[0.5e', '"\\']) expectSameAsStandard(broken);
    const random = seededRandom(3);
    const big = JSON.stringify({ points: Array.from({ length: 400 }, (_, i) => ({ id: i, vector: Array.from({ length: 96 }, () => Math.fround(random() * 2 - 1)), payload: { n: `p${i}` } })) });
    expect(big.length).toBeGreaterThan(1 << 16);
    expectSameAsStandard(big);
    expectSameAsStandard(`{"query":${JSON.stringify(Array.from({ length: 3000 }, () => Math.fround(random() - 0.5)))}}`);
  });
});
