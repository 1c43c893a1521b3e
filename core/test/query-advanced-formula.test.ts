import { describe, expect, it } from 'vitest';
import {
  decayLambda,
  formulaScorer,
  haversineMeters,
  parseFormula,
  payloadValuesAt,
  rustFloat,
  type FormulaInputs,
} from '../src/query/advanced/index.js';
import { SextantError } from '../src/client/errors.js';
import { parseDatetimeMicros } from '../src/filter/datetime.js';
import type { Schemas } from '../src/client/sextant-client.js';

interface Pt {
  scores: (number | undefined)[];
  payload: Record<string, unknown>;
  conds: boolean[];
}

const inputs: FormulaInputs<Pt> = {
  prefetchScore: (i, p) => p.scores[i],
  payloadValues: (key, p) => payloadValuesAt(p.payload, key),
  condition: (i, p) => p.conds[i]!,
};

// The fixture of Qdrant's formula_scorer.rs tests.
const point: Pt = {
  scores: [1, 2],
  payload: {
    number: 85,
    array_of_one: [1.2],
    array: [1.2, 2.3],
    geo_point: { lat: 25.628482424190565, lon: -100.23881855976 },
    text: 'hello',
  },
  conds: [true, false],
};
const defaults = {
  '$score[3]': 1.5,
  no_number: 85,
  no_value_geo_point: { lat: 25.0, lon: -100.0 },
  no_value_datetime: '2025-03-19T12:00:00',
};
const origin = { lat: 25.717877679163667, lon: -100.43383200156751 };
const cond = (n: number) => ({ key: `c${n}`, match: { value: n } });

function score(formula: Schemas['Expression'], p: Pt = point, d: Record<string, unknown> = defaults): number {
  return formulaScorer(parseFormula({ formula, defaults: d }), inputs)(p);
}

describe('formula evaluation (Qdrant cases)', () => {
  it.each([
    ['constant', 5, 5],
    ['$score', '$score', 1],
    ['$score[1]', '$score[1]', 2],
    ['payload number', 'number', 85],
    ['true condition', cond(0), 1],
    ['sum', { sum: [1, '$score', 'number', cond(0)] }, 1 + 1 + 85 + 1],
    ['mult', { mult: [2, '$score', 'number', cond(0)] }, 2 * 1 * 85 * 1],
    ['div', { div: { left: 10, right: '$score' } }, 10],
    ['neg', { neg: 10 }, -10],
    ['abs', { abs: { neg: 3 } }, 3],
    ['pow', { pow: { base: 2, exponent: 10 } }, 1024],
    ['sqrt', { sqrt: 16 }, 4],
    ['log10', { log10: 1000 }, 3],
    ['ln', { ln: 1 }, 0],
    ['exp', { exp: 0 }, 1],
    ['default $score', '$score[3]', 1.5],
    ['missing $score without default', '$score[10]', 0],
    ['one-element array', 'array_of_one', Math.fround(1.2)],
    ['missing payload with default', 'no_number', 85],
  ] as [string, Schemas['Expression'], number][])('%s', (_name, formula, expected) => {
    expect(score(formula)).toBe(Math.fround(expected));
  });

  it('evaluates the second condition as 0 and feeds conditions in order of appearance', () => {
    const parsed = parseFormula({ formula: { sum: [cond(0), { mult: [10, cond(1)] }] } });
    expect(parsed.conditions).toEqual([cond(0), cond(1)]);
    expect(formulaScorer(parsed, inputs)(point)).toBe(1);
  });

  it('measures geo distance with Haversine in metres, from payload and from defaults (Qdrant\'s exact values)', () => {
    expect(haversineMeters(origin.lat, origin.lon, 25.628482424190565, -100.23881855976)).toBe(21926.494151786308);
    expect(score({ geo_distance: { origin, to: 'geo_point' } })).toBe(Math.fround(21926.494151786308));
    expect(score({ geo_distance: { origin, to: 'no_value_geo_point' } })).toBe(Math.fround(90951.29600298218));
  });

  it('turns datetimes into seconds since the epoch', () => {
    expect(score({ datetime: '2025-03-18' })).toBe(Math.fround(parseDatetimeMicros('2025-03-18')! / 1e6));
    expect(score({ datetime_key: 'no_value_datetime' })).toBe(Math.fround(Date.UTC(2025, 2, 19, 12) / 1000));
  });

  it('rounds f32-declared constants first, like Qdrant (0.1 is 0.10000000149011612)', () => {
    expect(score({ mult: [0.1, 1e6] })).toBe(Math.fround(Math.fround(0.1) * 1e6));
  });

  it('short-circuits mult at 0 and div at a 0 numerator, so later errors never happen', () => {
    expect(score({ mult: [0, 'missing_field'] })).toBe(0);
    expect(score({ div: { left: 0, right: 'missing_field' } })).toBe(0);
    expect(score({ div: { left: 1, right: 0, by_zero_default: 7 } })).toBe(7);
  });

  it('boosts scores with a condition, as in Qdrant\'s documentation', () => {
    const formula = { sum: ['$score', { mult: [0.5, { key: 'tag', match: { any: ['h1', 'h2'] } }] }] };
    const parsed = parseFormula({ formula });
    const boosted = formulaScorer(parsed, { ...inputs, condition: () => true })(point);
    const plain = formulaScorer(parsed, { ...inputs, condition: () => false })(point);
    expect([boosted, plain]).toEqual([1.5, 1]);
  });
});

describe('formula errors (Qdrant messages, 400)', () => {
  it.each([
    ['pow', { pow: { base: -1, exponent: 0.4 } }, 'The expression -1^0.4000000059604645 = NaN produced a non-finite number'],
    ['sqrt', { sqrt: -3 }, 'The expression √-3 = NaN produced a non-finite number'],
    ['div', { div: { left: 1, right: 0 } }, 'The expression 1/0 = inf produced a non-finite number'],
    ['log10', { log10: 0 }, 'The expression log10(0) = -inf produced a non-finite number'],
    ['ln', { ln: 0 }, 'The expression ln(0) = -inf produced a non-finite number'],
    ['f32 overflow', { mult: [1e30, 1e30] }, 'as f32 = inf produced a non-finite number'],
    ['array', 'array', 'Expected number value for array in the payload and/or in the formula defaults. Error: Value is not a number'],
    [
      'missing',
      'missing_field',
      'Expected number value for missing_field in the payload and/or in the formula defaults. Error: No value found in a payload nor defaults',
    ],
    ['text', 'text', 'Error: Value is not a number'],
    ['geo from a number', { geo_distance: { origin, to: 'number' } }, 'Expected geo point value for number'],
    ['missing datetime', { datetime_key: 'missing_datetime' }, 'Expected datetime value for missing_datetime'],
  ] as [string, Schemas['Expression'], string][])('%s', (_name, formula, message) => {
    let error: unknown;
    try {
      score(formula);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SextantError);
    expect((error as SextantError).status).toBe(400);
    expect((error as SextantError).message).toContain(message);
  });

  it('uses a present value even when it is wrong, rather than the default', () => {
    expect(() => score('text', point, { text: 3 })).toThrow('Value is not a number');
  });

  it.each([
    ['$invalid', 'Invalid reserved word: $invalid'],
    ['$score.x', 'Invalid reserved variable: $score.x'],
    ['$score[1][2]', 'Invalid reserved variable'],
    ['$score[]', 'Invalid reserved variable'],
    ['', 'Invalid payload variable'],
  ])('rejects the variable %j', (variable, message) => {
    expect(() => parseFormula({ formula: variable })).toThrow(message);
  });

  it('validates decay parameters', () => {
    expect(() => decayLambda('exp', 1)).toThrow('Decay midpoint should be in the range (0.0, 1.0), got 1.');
    expect(() => decayLambda('lin', 1.5)).toThrow('Linear decay midpoint should be in the range [0.0, 1.0], got 1.5.');
    expect(() => decayLambda('gauss', 0.5, 0)).toThrow('Decay scale should be non-zero positive, got 0.');
    expect(() => parseFormula({ formula: { datetime: 'yesterday' } })).toThrow('failed to parse date-time yesterday');
  });

  it('spells floats like Rust', () => {
    expect([rustFloat(1), rustFloat(-0.5), rustFloat(1e21), rustFloat(1.5e-7), rustFloat(NaN)]).toEqual([
      '1',
      '-0.5',
      '1000000000000000000000',
      '0.00000015',
      'NaN',
    ]);
  });
});

describe('decay functions', () => {
  it.each(['lin_decay', 'exp_decay', 'gauss_decay'] as const)('%s: 1 at the target, midpoint at |x - target| = scale', (name) => {
    const at = (x: number) => score({ [name]: { x, target: 10, scale: 4, midpoint: 0.25 } } as Schemas['Expression']);
    expect(at(10)).toBe(1);
    expect(at(14)).toBeCloseTo(0.25, 6);
    expect(at(6)).toBeCloseTo(0.25, 6);
    expect(at(12)).toBeGreaterThan(0.25);
    expect(at(30)).toBeLessThan(0.25);
  });

  it('defaults to target 0, scale 1, midpoint 0.5; linear decay bottoms out at 0', () => {
    expect(score({ exp_decay: { x: 1 } })).toBe(0.5);
    expect(score({ lin_decay: { x: -1 } })).toBe(0.5);
    expect(score({ lin_decay: { x: 5 } })).toBe(0);
    expect(score({ gauss_decay: { x: '$score' } })).toBeCloseTo(0.5, 6);
  });
});
