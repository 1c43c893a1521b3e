import type { Payload } from '../../client/sextant-client.js';
import { SextantError, errors } from '../../client/errors.js';
import { parseDatetimeMicros } from '../../filter/datetime.js';
import { getValues, parseJsonPath } from '../../segment/json-path.js';
import type { DecayKind, FormulaNode, ParsedFormula } from './formula-parse.js';
import { f32 } from './scored.js';

/**
 * What a formula reads about one point `P` (whatever handle the executor uses: an internal id, a scored point).
 * Contract: called only for points being rescored; each call must be cheap and allocation-light.
 */
export interface FormulaInputs<P> {
  /** The point's score in prefetch `index`, or `undefined` when that prefetch did not return it. */
  prefetchScore(index: number, point: P): number | undefined;
  /**
   * The values at canonical payload `key`, as a key path yields them (a stored array is ONE value; `a[]` yields its
   * elements): `payloadValuesAt(payload, key)` does exactly that. Arrays are flattened here, as Qdrant does.
   */
  payloadValues(key: string, point: P): readonly unknown[];
  /** Whether the point matches `parsed.conditions[index]`. */
  condition(index: number, point: P): boolean;
}

/** Scores one point; throws Qdrant's 400 for a missing or mistyped variable and for a non-finite result. */
export type FormulaScorer<P> = (point: P) => number;

type Eval<P> = (point: P) => number;

/** Mean Earth radius of the `geo` crate's Haversine, so geo distances match Qdrant's to the metre and beyond. */
const EARTH_RADIUS_M = 6371008.8;

/**
 * Compiles a parsed formula into a scorer: the tree becomes nested closures once per request, so scoring a point
 * walks no data structure and allocates only for payload lookups. Evaluation is f64 like Qdrant's `PreciseScore`;
 * the result is rounded to f32 and must be finite.
 *
 * Semantics kept from Qdrant on purpose:
 * - `$score[i]` missing: its default if numeric, else 0. A payload variable missing: its default, else an error.
 *   A present but non-numeric value is an error even when a default exists (defaults fill gaps, not mistakes).
 * - several values at a key (an array) are "not a number"; a one-element array is its element.
 * - `mult` stops at the first 0 and `div` returns 0 for a 0 numerator WITHOUT evaluating the rest, so
 *   `{"mult": [0, "missing"]}` is 0 and not an error.
 * - division by 0 gives `by_zero_default` when set, else a non-finite error; sqrt/pow/exp/log10/ln must be finite.
 */
export function formulaScorer<P>(parsed: ParsedFormula, inputs: FormulaInputs<P>): FormulaScorer<P> {
  const root = compile(parsed.root, parsed, inputs);
  return (point) => {
    const score = root(point);
    const rounded = f32(score);
    if (!Number.isFinite(rounded)) throw nonFinite(`${rustFloat(score)} as f32 = ${rustFloat(rounded)}`);
    return rounded;
  };
}

/** Values at `key` in a payload, the way `FormulaInputs.payloadValues` wants them. */
export function payloadValuesAt(payload: Payload | null | undefined, key: string): unknown[] {
  return payload ? getValues(payload as Record<string, unknown>, parseJsonPath(key)) : [];
}

function compile<P>(node: FormulaNode, parsed: ParsedFormula, inputs: FormulaInputs<P>): Eval<P> {
  const sub = (n: FormulaNode) => compile(n, parsed, inputs);
  switch (node.op) {
    case 'constant': {
      const value = node.value;
      return () => value;
    }
    case 'score': {
      const { index } = node;
      const fallback = parsed.scoreDefaults.get(index);
      const byDefault = typeof fallback === 'number' ? fallback : 0;
      return (p) => inputs.prefetchScore(index, p) ?? byDefault;
    }
    case 'payload': {
      const value = valueReader(node.key, parsed, inputs);
      return (p) => {
        const v = value(p, 'number');
        if (typeof v !== 'number') throw typeError(node.key, 'number', 'Value is not a number');
        return v;
      };
    }
    case 'condition': {
      const { index } = node;
      return (p) => (inputs.condition(index, p) ? 1 : 0);
    }
    case 'geo_distance': {
      const value = valueReader(node.key, parsed, inputs);
      const { lat, lon, key } = node;
      return (p) => {
        const to = asGeoPoint(value(p, 'geo point'), key);
        return haversineMeters(lat, lon, to.lat, to.lon);
      };
    }
    case 'datetime': {
      const seconds = node.seconds;
      return () => seconds;
    }
    case 'datetime_key': {
      const value = valueReader(node.key, parsed, inputs);
      const { key } = node;
      return (p) => {
        const v = value(p, 'datetime');
        if (typeof v !== 'string') throw typeError(key, 'datetime', 'Value is not a string');
        const micros = parseDatetimeMicros(v);
        if (micros === undefined) throw typeError(key, 'datetime', 'input contains invalid characters');
        return micros / 1_000_000;
      };
    }
    case 'sum': {
      const args = node.args.map(sub);
      return (p) => {
        let total = 0;
        for (const a of args) total += a(p);
        return total;
      };
    }
    case 'mult': {
      const args = node.args.map(sub);
      return (p) => {
        let product = 1;
        for (const a of args) {
          const v = a(p);
          if (v === 0) return 0;
          product *= v;
        }
        return product;
      };
    }
    case 'div': {
      const left = sub(node.left);
      const right = sub(node.right);
      const byZero = node.byZeroDefault;
      return (p) => {
        const l = left(p);
        if (l === 0) return 0;
        const r = right(p);
        if (r === 0 && byZero !== undefined) return byZero;
        return finite(l / r, () => `${rustFloat(l)}/${rustFloat(r)}`);
      };
    }
    case 'neg': {
      const arg = sub(node.arg);
      return (p) => -arg(p);
    }
    case 'abs': {
      const arg = sub(node.arg);
      return (p) => Math.abs(arg(p));
    }
    case 'sqrt':
      return unary(sub(node.arg), Math.sqrt, (v) => `√${rustFloat(v)}`);
    case 'exp':
      return unary(sub(node.arg), Math.exp, (v) => `exp(${rustFloat(v)})`);
    case 'log10':
      return unary(sub(node.arg), Math.log10, (v) => `log10(${rustFloat(v)})`);
    case 'ln':
      return unary(sub(node.arg), Math.log, (v) => `ln(${rustFloat(v)})`);
    case 'pow': {
      const base = sub(node.base);
      const exponent = sub(node.exponent);
      return (p) => {
        const b = base(p);
        const e = exponent(p);
        return finite(rustPow(b, e), () => `${rustFloat(b)}^${rustFloat(e)}`);
      };
    }
    case 'decay': {
      const x = sub(node.x);
      const target = node.target ? sub(node.target) : () => 0;
      const decay = DECAY[node.kind];
      const lambda = node.lambda;
      return (p) => decay(x(p), target(p), lambda);
    }
  }
}

/** Decays of `|x - target|` onto [0, 1], 1 at the target. `lambda` comes from `decayLambda`. */
const DECAY: Record<DecayKind, (x: number, target: number, lambda: number) => number> = {
  lin: (x, target, lambda) => Math.max(1 - lambda * Math.abs(x - target), 0),
  exp: (x, target, lambda) => Math.exp(lambda * Math.abs(x - target)),
  gauss: (x, target, lambda) => Math.exp(lambda * (x - target) * (x - target)),
};

/**
 * Reads the one value a variable stands for: the payload value(s) at `key`, flattened like Qdrant's retriever
 * (an array value spreads into its elements unless the key already ends with `[]`), then one value => it, several
 * => the array itself (which no conversion accepts), none => the default, or an error when there is none.
 */
function valueReader<P>(key: string, parsed: ParsedFormula, inputs: FormulaInputs<P>): (p: P, expected: string) => unknown {
  const hasDefault = parsed.payloadDefaults.has(key);
  const fallback = parsed.payloadDefaults.get(key);
  const wildcardSuffix = key.endsWith('[]');
  return (p, expected) => {
    const raw = inputs.payloadValues(key, p);
    let found: unknown;
    let count = 0;
    let many: unknown[] | undefined;
    for (const v of raw) {
      const items = !wildcardSuffix && Array.isArray(v) ? v : [v];
      for (const item of items) {
        if (count === 0) found = item;
        else (many ??= [found]).push(item);
        count++;
      }
    }
    if (count === 1) return found;
    if (count > 1) return many;
    if (hasDefault) return fallback;
    throw typeError(key, expected, 'No value found in a payload nor defaults');
  };
}

function asGeoPoint(value: unknown, key: string): { lat: number; lon: number } {
  const v = value as { lat?: unknown; lon?: unknown } | null;
  if (!v || typeof v !== 'object' || Array.isArray(v) || typeof v.lat !== 'number' || typeof v.lon !== 'number') {
    throw typeError(key, 'geo point', 'data did not match any variant of GeoPoint: expected an object with numeric `lat` and `lon`');
  }
  if (v.lat < -90 || v.lat > 90 || v.lon < -180 || v.lon > 180) {
    throw typeError(
      key,
      'geo point',
      `Wrong format of GeoPoint payload: expected \`lat\` = ${v.lat} within [-90;90] and \`lon\` = ${v.lon} within [-180;180]`,
    );
  }
  return { lat: v.lat, lon: v.lon };
}

/** Great-circle distance in metres (Haversine on a sphere of the mean Earth radius), as Qdrant's formula uses. */
export function haversineMeters(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(a));
}

function unary<P>(arg: Eval<P>, fn: (v: number) => number, describe: (v: number) => string): Eval<P> {
  return (p) => {
    const v = arg(p);
    return finite(fn(v), () => describe(v));
  };
}

function finite(value: number, describe: () => string): number {
  if (Number.isFinite(value)) return value;
  throw nonFinite(`${describe()} = ${rustFloat(value)}`);
}

/** Rust's `powf` differs from `Math.pow` in one corner: 1^NaN and 1^±inf are 1 there (IEEE pow), NaN in JS. */
function rustPow(base: number, exponent: number): number {
  if (base === 1) return 1;
  return Math.pow(base, exponent);
}

/** An f64 spelled as Rust's `Display` spells it (`inf`, `NaN`, no exponent), for Qdrant-identical messages. */
export function rustFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const s = String(x);
  if (!s.includes('e')) return s;
  const [mantissa, expText] = s.split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const point = mantissa.replace('-', '').indexOf('.');
  const intLen = (point < 0 ? digits.length : point) + exp;
  const body =
    intLen <= 0 ? `0.${'0'.repeat(-intLen)}${digits}` : intLen >= digits.length ? digits + '0'.repeat(intLen - digits.length) : `${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  return (negative ? '-' : '') + body;
}

function typeError(key: string, expected: string, description: string): SextantError {
  return errors.wrongInput(
    `Expected ${expected} value for ${key} in the payload and/or in the formula defaults. Error: ${description}`,
  );
}

function nonFinite(expression: string): SextantError {
  return errors.wrongInput(`The expression ${expression} produced a non-finite number`);
}
