import { SextantError } from '@sextant/core';

/**
 * JSON bodies read the way Qdrant's serde_json reads them, so that nothing Qdrant refuses gets into the engine:
 * - bytes must be valid UTF-8: a lossy decode would store U+FFFD in place of the user's text;
 * - nesting stops at serde_json's recursion limit (a 128th open container fails), which also keeps schema checks
 *   and the filter parser (both recursive) far from the stack's end;
 * - a number must be finite: `1e400` or a 400-digit integer is "number out of range" there, where `JSON.parse`
 *   would quietly hand the engine an Infinity.
 */
export const MAX_JSON_DEPTH = 127;

const decoder = new TextDecoder('utf-8', { fatal: true });

export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw formatError('invalid unicode code point: the body is not valid UTF-8');
  }
  if (text.length === 0) return undefined;
  const mayOverflow = scan(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw formatError((error as Error).message);
  }
  if (mayOverflow && !allFinite(value)) throw formatError('number out of range');
  return value;
}

function formatError(message: string): SextantError {
  return new SextantError('bad_request', `Format error in JSON body: ${message}`);
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Digits in a row beyond which a JSON integer may not fit a double (1.8e308 has 309). */
const LONG_DIGITS = 300;

/**
 * One pass over the text outside strings: throws past the nesting limit; returns whether any number could overflow
 * (it has an exponent or very many digits), so the finite check runs only on the bodies that need it.
 */
function scan(text: string): boolean {
  let depth = 0;
  let inString = false;
  let mayOverflow = false;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > LONG_DIGITS) mayOverflow = true;
      continue;
    }
    const afterDigit = digits > 0;
    digits = 0;
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) throw formatError(`recursion limit exceeded at ${position(text, i)}`);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if ((c === 0x65 || c === 0x45) && afterDigit) mayOverflow = true; // 1e400: an exponent follows a digit
  }
  return mayOverflow;
}

function position(text: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++, (lineStart = i + 1);
  return `line ${line} column ${index - lineStart + 1}`;
}

function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) {
    for (const item of value) if (!allFinite(item)) return false;
    return true;
  }
  if (value !== null && typeof value === 'object') {
    for (const key in value) if (!allFinite((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}
