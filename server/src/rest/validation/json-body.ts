import { isAscii } from 'node:buffer';
import { SextantError } from '@sextant/core';
import { NOT_PARSED, parseJsonFast } from './json-fast-parse.js';

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
  return readJsonBody(bytes, true);
}

/** parseJsonBody through JSON.parse alone: what the fast reader must match (tests), and its baseline (bench/). */
export function parseJsonBodyStandard(bytes: Uint8Array): unknown {
  return readJsonBody(bytes, false);
}

function readJsonBody(bytes: Uint8Array, fast: boolean): unknown {
  let text: string;
  // Query bodies are nearly always ASCII (digits and keys), which is valid UTF-8 that decodes byte for byte: one
  // native check and a one-byte string copy, about 4x cheaper than the validating decode (which also strips a BOM,
  // never ASCII, so that path is unchanged).
  if (isAscii(bytes)) {
    text = (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('latin1');
    if (text.length === 0) return undefined;
    // Most of JSON.parse's time on a query body goes to turning digits into doubles: the fast reader gives the very
    // same value, or gives up on anything unusual (syntax errors included), and then JSON.parse decides as before.
    if (fast) {
      const value = parseJsonFast(bytes, text, MAX_JSON_DEPTH);
      if (value !== NOT_PARSED) return value;
    }
  } else {
    try {
      text = decoder.decode(bytes);
    } catch {
      throw formatError('invalid unicode code point: the body is not valid UTF-8');
    }
  }
  if (text.length === 0) return undefined;
  // The character scan (for the depth limit) is the slow part of a query body, which is mostly digits; when the
  // text has too few open brackets to reach the limit (counted natively, strings included), it is skipped. It must
  // otherwise run before JSON.parse: parsing a deeply nested body costs far more than refusing it.
  if (opensMayExceed(text)) scan(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw formatError((error as Error).message);
  }
  if (!allFinite(value)) throw formatError('number out of range');
  return value;
}

/** Whether `text` holds more than MAX_JSON_DEPTH `[` and `{` in all, so that nesting could pass the limit. */
function opensMayExceed(text: string): boolean {
  let n = 0;
  for (let i = text.indexOf('['); i !== -1 && n <= MAX_JSON_DEPTH; i = text.indexOf('[', i + 1)) n++;
  for (let i = text.indexOf('{'); i !== -1 && n <= MAX_JSON_DEPTH; i = text.indexOf('{', i + 1)) n++;
  return n > MAX_JSON_DEPTH;
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

/** One pass over the text outside strings: throws at the 128th nested open container, with its position. */
function scan(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) throw formatError(`recursion limit exceeded at ${position(text, i)}`);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
}

function position(text: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++, (lineStart = i + 1);
  return `line ${line} column ${index - lineStart + 1}`;
}

/** JSON has no Infinity: a non-finite number is a literal that overflowed a double (`1e400`, 400 digits). */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'number' ? !Number.isFinite(item) : !allFinite(item)) return false;
    }
    return true;
  }
  for (const key in value) if (!allFinite((value as Record<string, unknown>)[key])) return false;
  return true;
}
