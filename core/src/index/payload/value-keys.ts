import { parseDatetimeMicros } from '../../filter/datetime.js';

/** The value a field index stores for one payload value, or undefined when that index type ignores the value. */

/** Canonical lowercase hyphenated form of any UUID spelling Qdrant accepts (hyphenated, simple, braced, urn). */
export function canonicalUuid(text: string): string | undefined {
  let s = text;
  if (/^urn:uuid:/i.test(s)) s = s.slice(9);
  else if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1);
  let hex: string;
  if (/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s)) hex = s.replace(/-/g, '');
  else if (/^[0-9a-fA-F]{32}$/.test(s)) hex = s;
  else return undefined;
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function numberKey(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function datetimeKey(value: unknown): number | undefined {
  return typeof value === 'string' ? parseDatetimeMicros(value) : undefined;
}

export function boolKey(value: unknown): string | undefined {
  return value === true ? 'true' : value === false ? 'false' : undefined;
}

/** Flattens the values found at a path one level, as Qdrant indexes the elements of an array value. */
export function flattenValues(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (Array.isArray(v)) for (const e of v) out.push(e);
    else out.push(v);
  }
  return out;
}
