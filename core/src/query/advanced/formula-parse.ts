import type { Condition, Schemas } from '../../client/sextant-client.js';
import { SextantError, errors } from '../../client/errors.js';
import { parseDatetimeMicros } from '../../filter/datetime.js';
import { formatJsonPath, parseJsonPath } from '../../segment/json-path.js';
import { f32 } from './scored.js';

/**
 * A `formula` query checked and resolved once per request, Qdrant's `ParsedFormula`: variables are resolved,
 * conditions are pulled out into a list (the executor compiles each into a matcher, `FormulaInputs.condition(i)`
 * answers for condition `i`), datetime constants are parsed and decay parameters are folded into one `lambda`.
 *
 * Numbers the REST schema declares as f32 (constants, `by_zero_default`, `scale`, `midpoint`) are rounded to f32
 * first and then evaluated in f64, exactly like Qdrant, so `0.1` in a formula is 0.10000000149011612.
 */
export interface ParsedFormula {
  readonly root: FormulaNode;
  /** Conditions in order of appearance (depth first, left to right); node `{op: 'condition', index}` refers here. */
  readonly conditions: readonly Condition[];
  /** Canonical payload keys the formula reads (including geo and datetime keys), for prefetching payloads. */
  readonly payloadKeys: readonly string[];
  /** Largest `$score[i]` index used, or -1; the executor needs that many prefetch score lookups. */
  readonly maxScoreIndex: number;
  /** `defaults`, keyed by canonical payload key; `scoreDefaults[i]` is the numeric default of `$score[i]`. */
  readonly payloadDefaults: ReadonlyMap<string, unknown>;
  readonly scoreDefaults: ReadonlyMap<number, unknown>;
}

export type DecayKind = 'lin' | 'exp' | 'gauss';

export type FormulaNode =
  | { readonly op: 'constant'; readonly value: number }
  | { readonly op: 'score'; readonly index: number }
  | { readonly op: 'payload'; readonly key: string }
  | { readonly op: 'condition'; readonly index: number }
  | { readonly op: 'geo_distance'; readonly lat: number; readonly lon: number; readonly key: string }
  | { readonly op: 'datetime'; readonly seconds: number }
  | { readonly op: 'datetime_key'; readonly key: string }
  | { readonly op: 'mult' | 'sum'; readonly args: readonly FormulaNode[] }
  | { readonly op: 'neg' | 'abs' | 'sqrt' | 'exp' | 'log10' | 'ln'; readonly arg: FormulaNode }
  | { readonly op: 'div'; readonly left: FormulaNode; readonly right: FormulaNode; readonly byZeroDefault?: number }
  | { readonly op: 'pow'; readonly base: FormulaNode; readonly exponent: FormulaNode }
  | { readonly op: 'decay'; readonly kind: DecayKind; readonly x: FormulaNode; readonly target?: FormulaNode; readonly lambda: number };

type Expression = Schemas['Expression'];

const UNARY = ['neg', 'abs', 'sqrt', 'exp', 'log10', 'ln'] as const;
const DECAYS = { lin_decay: 'lin', exp_decay: 'exp', gauss_decay: 'gauss' } as const;
/** Keys that make an object a filter `Condition` (Qdrant's untagged enum tries Condition before the operators). */
const CONDITION_KEYS = ['key', 'is_empty', 'is_null', 'has_id', 'has_vector', 'nested', 'must', 'should', 'must_not', 'min_should'];

/** Checks and resolves a formula query; throws Qdrant's 400 ("Wrong input: Validation failed: ...") on bad input. */
export function parseFormula(query: { formula: Expression; defaults?: Record<string, unknown> | null }): ParsedFormula {
  const conditions: Condition[] = [];
  const payloadKeys = new Set<string>();
  let maxScoreIndex = -1;

  const variable = (text: string): FormulaNode => {
    const id = parseVariableId(text);
    if (id.kind === 'score') {
      maxScoreIndex = Math.max(maxScoreIndex, id.index);
      return { op: 'score', index: id.index };
    }
    payloadKeys.add(id.key);
    return { op: 'payload', key: id.key };
  };

  const payloadKey = (text: string): string => {
    const key = canonicalKey(text);
    if (key === undefined) throw invalid(`failed to parse payload key ${text}: Invalid payload key`);
    payloadKeys.add(key);
    return key;
  };

  const walk = (expr: Expression): FormulaNode => {
    if (typeof expr === 'number') return { op: 'constant', value: f32(expr) };
    if (typeof expr === 'string') return variable(expr);
    if (typeof expr !== 'object' || expr === null || Array.isArray(expr)) throw badShape(expr);
    const e = expr as Record<string, unknown>;
    if ('mult' in e || 'sum' in e) {
      const op = 'mult' in e ? 'mult' : 'sum';
      const args = e[op];
      if (!Array.isArray(args)) throw badShape(expr);
      return { op, args: args.map((a) => walk(a as Expression)) };
    }
    for (const op of UNARY) if (op in e) return { op, arg: walk(e[op] as Expression) };
    if ('div' in e) {
      const d = e.div as Schemas['DivParams'];
      if (!d || typeof d !== 'object') throw badShape(expr);
      const left = walk(d.left);
      const right = walk(d.right);
      return d.by_zero_default == null ? { op: 'div', left, right } : { op: 'div', left, right, byZeroDefault: f32(d.by_zero_default) };
    }
    if ('pow' in e) {
      const p = e.pow as Schemas['PowParams'];
      if (!p || typeof p !== 'object') throw badShape(expr);
      return { op: 'pow', base: walk(p.base), exponent: walk(p.exponent) };
    }
    for (const [name, kind] of Object.entries(DECAYS)) {
      if (!(name in e)) continue;
      const d = e[name] as Schemas['DecayParamsExpression'];
      if (!d || typeof d !== 'object') throw badShape(expr);
      const lambda = decayLambda(kind, d.midpoint ?? undefined, d.scale ?? undefined);
      const x = walk(d.x);
      const target = d.target == null ? undefined : walk(d.target as Expression);
      return target === undefined ? { op: 'decay', kind, x, lambda } : { op: 'decay', kind, x, target, lambda };
    }
    if ('geo_distance' in e) {
      const g = e.geo_distance as Schemas['GeoDistanceParams'];
      if (!g || typeof g !== 'object' || !g.origin) throw badShape(expr);
      return { op: 'geo_distance', lat: g.origin.lat, lon: g.origin.lon, key: payloadKey(g.to) };
    }
    if ('datetime' in e) {
      const text = String(e.datetime);
      const micros = parseDatetimeMicros(text);
      if (micros === undefined) throw invalid(`failed to parse date-time ${text}: input contains invalid characters`);
      return { op: 'datetime', seconds: micros / 1_000_000 };
    }
    if ('datetime_key' in e) return { op: 'datetime_key', key: payloadKey(String(e.datetime_key)) };
    if (CONDITION_KEYS.some((k) => k in e)) {
      conditions.push(expr as Condition);
      return { op: 'condition', index: conditions.length - 1 };
    }
    throw badShape(expr);
  };

  const root = walk(query.formula);

  const payloadDefaults = new Map<string, unknown>();
  const scoreDefaults = new Map<number, unknown>();
  for (const [text, value] of Object.entries(query.defaults ?? {})) {
    const id = parseVariableId(text);
    if (id.kind === 'score') scoreDefaults.set(id.index, value);
    else payloadDefaults.set(id.key, value);
  }
  return { root, conditions, payloadKeys: [...payloadKeys], maxScoreIndex, payloadDefaults, scoreDefaults };
}

type VariableId = { kind: 'score'; index: number } | { kind: 'payload'; key: string };

/**
 * Qdrant's `VariableId::from_str`: `$score` (= `$score[0]`) and `$score[i]` name prefetch scores, any other `$word`
 * is reserved and rejected, and everything else is a payload key path.
 */
function parseVariableId(text: string): VariableId {
  if (text.startsWith('$')) {
    const m = /^\$([^.[\]]+)(.*)$/.exec(text);
    if (!m) throw invalid(`failed to parse variable ID ${text}: Invalid reserved variable: ${text}`);
    if (m[1] !== 'score') throw invalid(`failed to parse variable ID ${text}: Invalid reserved word: ${text}`);
    if (m[2] === '') return { kind: 'score', index: 0 };
    const idx = /^\[(\d+)\]$/.exec(m[2]!);
    if (!idx) throw invalid(`failed to parse variable ID ${text}: Invalid reserved variable: ${text}`);
    return { kind: 'score', index: Number(idx[1]) };
  }
  const key = canonicalKey(text);
  if (key === undefined) throw invalid(`failed to parse variable ID ${text}: Invalid payload variable: ${text}`);
  return { kind: 'payload', key };
}

/** The key path in canonical spelling, so `defaults` written as `"a".b` still match a variable written `a.b`. */
function canonicalKey(text: string): string | undefined {
  try {
    return formatJsonPath(parseJsonPath(text));
  } catch (error) {
    if (error instanceof SextantError) return undefined;
    throw error;
  }
}

/**
 * Folds a decay's `midpoint` and `scale` into the one constant its function needs (Qdrant's
 * `decay_params_to_lambda`): lin `(1 - m) / s`, exp `ln(m) / s`, gauss `ln(m) / s²`. The output of every decay is
 * `midpoint` when `|x - target| == scale`.
 */
export function decayLambda(kind: DecayKind, midpoint = 0.5, scale = 1): number {
  const m = f32(midpoint);
  const s = f32(scale);
  if (kind === 'lin') {
    if (!(m >= 0 && m <= 1)) throw invalid(`Linear decay midpoint should be in the range [0.0, 1.0], got ${m}.`);
  } else if (!(m > 0 && m < 1)) {
    throw invalid(`Decay midpoint should be in the range (0.0, 1.0), got ${m}.`);
  }
  if (!(s > 0)) throw invalid(`Decay scale should be non-zero positive, got ${s}.`);
  switch (kind) {
    case 'lin':
      return (1 - m) / s;
    case 'exp':
      return Math.log(m) / s;
    case 'gauss':
      return Math.log(m) / (s * s);
  }
}

function invalid(description: string): SextantError {
  return errors.wrongInput(`Validation failed: ${description}`);
}

function badShape(expr: unknown): SextantError {
  return errors.badRequest(`Format error in JSON body: data did not match any variant of untagged enum Expression: ${JSON.stringify(expr)}`);
}
