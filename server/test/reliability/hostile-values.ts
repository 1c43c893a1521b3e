import { qdrantSpec, type SchemaObject } from '../../src/rest/spec/load-spec.js';

/**
 * Seeded generators for the fuzz suite: plausible bodies drawn from Qdrant's own schemas (so requests get past the
 * first check and reach the engine), then broken in the ways clients and attackers break them. Everything is a
 * pure function of the seed, so a failure prints a seed that replays it.
 */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** mulberry32: small, fast, good enough for test data. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Raw JSON text tokens that `JSON.stringify` cannot produce: they are spliced into a body's text. */
export const RAW_TOKENS = ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '1e39', '18446744073709551616', '-0', '4.9e-325', 'undefined'];

const STRINGS = [
  '', ' ', '../../etc/passwd', '..', '%00', '\u0000', 'a'.repeat(70_000), '\ud800', '💥', 'DROP TABLE', '__proto__',
  'constructor', 'not-a-uuid', '123e4567-e89b-12d3-a456-42661417400', '123E4567-E89B-12D3-A456-426614174000',
  'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', '00000000-0000-0000-0000-000000000000', 'Cosine', 'Dot', 'true', '1', '-1',
  '2024-13-45T25:61:61Z', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data', '$[*]', 'a..b', 'a[', 'a[]', '[0]',
];

const NUMBERS = [
  0, -1, 1, -0.5, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 64, Number.MAX_VALUE, -Number.MAX_VALUE,
  Number.MIN_VALUE, 1e21, 1e-7, 3.4e38, 3.5e38, 1_000_000_000, 4_294_967_295, 4_294_967_296,
];

/** A value of any JSON type, chosen to confuse: wrong types, edge numbers, odd strings, deep or wide containers. */
export function hostileValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(NUMBERS);
    case 3:
      return rng.pick(STRINGS);
    case 4:
      return rng.int(100);
    case 5:
      return Array.from({ length: rng.int(4) }, () => hostileValue(rng, depth + 1));
    case 6: {
      const out: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) out[rng.pick(STRINGS).slice(0, 20) || 'k'] = hostileValue(rng, depth + 1);
      return out;
    }
    default:
      return rng.pick([[], {}, new Array(10_000).fill(0.5), Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, match: { value: i } }))]);
  }
}

/** `[[[[...]]]]` or `{"a":{"a":...}}` as text, `levels` deep: no parser should recurse on it unbounded. */
export function deepJson(levels: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** A filter `levels` deep as JSON text; built as text because `JSON.stringify` itself recurses. */
export function deepFilterJson(levels: number): string {
  return '{"must":['.repeat(levels) + '{"key":"n","match":{"value":1}}' + ']}'.repeat(levels);
}

/** A filter `levels` deep (`must` inside `must`), the shape Qdrant's recursion limit exists for. */
export function deepFilter(levels: number): unknown {
  let filter: unknown = { key: 'n', match: { value: 1 } };
  for (let i = 0; i < levels; i++) filter = { must: [filter] };
  return filter;
}

const components = (): Record<string, SchemaObject> => qdrantSpec().components.schemas;

/**
 * A random instance of an OpenAPI schema: required properties always, optional ones sometimes, one arm of each
 * `anyOf`. Most results satisfy the schema; the rest (a UUID-formatted string drawn from the pool) still look close.
 */
export function sampleSchema(rng: Rng, schema: SchemaObject | undefined, depth = 0): unknown {
  if (!schema) return {};
  const ref = schema['$ref'];
  if (typeof ref === 'string') return sampleSchema(rng, components()[ref.split('/').pop()!], depth + 1);
  const arms = (schema['anyOf'] ?? schema['oneOf'] ?? schema['allOf']) as SchemaObject[] | undefined;
  if (arms) {
    const usable = depth > 8 ? arms.filter((arm) => arm['nullable'] === true || arm['type'] !== 'object') : arms;
    return sampleSchema(rng, rng.pick(usable.length > 0 ? usable : arms), depth + 1);
  }
  if (schema['nullable'] === true && (depth > 8 || rng.chance(0.2))) return null;
  if (Array.isArray(schema['enum'])) return rng.pick(schema['enum'] as unknown[]);
  switch (schema['type']) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set((schema['required'] as string[] | undefined) ?? []);
      for (const [name, property] of Object.entries((schema['properties'] as Record<string, SchemaObject>) ?? {})) {
        if (required.has(name) || (depth < 6 && rng.chance(0.35))) out[name] = sampleSchema(rng, property, depth + 1);
      }
      const extra = schema['additionalProperties'];
      if (extra && typeof extra === 'object' && rng.chance(0.5)) out[`f${rng.int(3)}`] = sampleSchema(rng, extra as SchemaObject, depth + 1);
      return out;
    }
    case 'array': {
      const length = depth > 8 ? 0 : Math.max(Number(schema['minItems'] ?? 0), rng.int(4));
      return Array.from({ length }, () => sampleSchema(rng, schema['items'] as SchemaObject, depth + 1));
    }
    case 'integer': {
      const min = typeof schema['minimum'] === 'number' ? schema['minimum'] : 0;
      return min + rng.int(rng.chance(0.8) ? 10 : 1_000_000);
    }
    case 'number':
      return rng.chance(0.9) ? Math.round((rng.next() * 2 - 1) * 1000) / 1000 : rng.pick(NUMBERS);
    case 'boolean':
      return rng.chance(0.5);
    case 'string':
      if (schema['format'] === 'uuid') return rng.chance(0.8) ? '6ba7b810-9dad-11d1-80b4-00c04fd430c8' : rng.pick(STRINGS);
      if (schema['format'] === 'date-time') return rng.pick(['2024-01-02T03:04:05Z', '2024-01-02', 'yesterday']);
      return rng.chance(0.8) ? rng.pick(['n', 'city', 'tag', 'a', 'dense', 'text', 'vec']) : rng.pick(STRINGS);
    default:
      return hostileValue(rng, depth);
  }
}

/** Every (container, key) slot of a JSON value, to pick one to break. */
function slots(value: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []): typeof out {
  if (Array.isArray(value)) value.forEach((item, i) => (out.push([value, i]), slots(item, out)));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) out.push([value as Record<string, unknown>, key]), slots(item, out);
  }
  return out;
}

/** Breaks a value in one to three places: a wrong type, a dropped field, a stray field, a swapped container. */
export function mutate(rng: Rng, value: unknown): unknown {
  const copy = structuredClone(value);
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const all = slots(copy);
    if (all.length === 0) return hostileValue(rng);
    const [container, key] = rng.pick(all);
    const action = rng.int(4);
    if (action === 0 && !Array.isArray(container)) delete (container as Record<string, unknown>)[key as string];
    else if (action === 1 && !Array.isArray(container)) (container as Record<string, unknown>)[rng.pick(STRINGS).slice(0, 12) || 'x'] = hostileValue(rng);
    else (container as Record<string, unknown>)[key as string] = hostileValue(rng);
  }
  return copy;
}

/** JSON text with a raw token (NaN, 1e400, ...) spliced in place of one number or string, when the body has one. */
export function withRawToken(rng: Rng, text: string): string {
  const spots = [...text.matchAll(/(?<=[:,[])(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|"[^"\\]*")(?=[,\]}])/gi)];
  if (spots.length === 0) return text;
  const spot = rng.pick(spots);
  return text.slice(0, spot.index) + rng.pick(RAW_TOKENS) + text.slice(spot.index! + spot[0].length);
}

/** The body's bytes with one invalid UTF-8 sequence inside a string (or appended when it has none). */
export function withInvalidUtf8(rng: Rng, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const quote = bytes.indexOf(0x22, rng.int(Math.max(1, bytes.length)));
  const at = quote === -1 ? bytes.length : quote + 1;
  const bad = Buffer.from(rng.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]]));
  return Buffer.concat([bytes.subarray(0, at), bad, bytes.subarray(at)]);
}
