import { SextantError, type SerializedError } from '@sextant/core';
import type { Reply } from './protocol.js';

/**
 * Moving values between the page and the worker.
 *
 * Vectors arrive as `number[]` (Qdrant's JSON shapes). Structured clone copies such arrays element by element;
 * instead, every all-number array of at least `PACK_MIN` elements travels as a `Float64Array` whose buffer is
 * transferred (moved, not copied), and is turned back into `number[]` on the other side. Float64 keeps every
 * number exactly, so payload arrays that happen to be numeric survive bit for bit.
 *
 * Only buffers created here are transferred: transferring a caller's own typed array would detach it under them.
 */
const PACK_MIN = 32;

export interface Packed {
  value: unknown;
  transfer: Transferable[];
}

export function pack(value: unknown): Packed {
  const transfer: Transferable[] = [];
  return { value: packValue(value, transfer), transfer };
}

function packValue(value: unknown, transfer: Transferable[]): unknown {
  if (Array.isArray(value)) {
    if (value.length >= PACK_MIN && allNumbers(value)) {
      const packed = Float64Array.from(value);
      transfer.push(packed.buffer);
      return packed;
    }
    return value.map((item) => packValue(item, transfer));
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(out, key, packValue(value[key], transfer));
    return out;
  }
  return value;
}

/**
 * The inverse of `pack`. Float32Array values (which a caller may pass as vectors) become `number[]` too: the engine
 * and every reply speak Qdrant's JSON shapes.
 */
export function unpack(value: unknown): unknown {
  if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value);
  if (Array.isArray(value)) return value.map(unpack);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(out, key, unpack(value[key]));
    return out;
  }
  return value;
}

/** Trap: a payload may have a key named `__proto__` (JSON.parse makes it an own property); `out[key] =` would not. */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function allNumbers(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== 'number') return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The error fields to send; anything that is not a SextantError is a bug on our side and becomes `internal`. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof SextantError) return error.toJSON();
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new SextantError('internal', `Service internal error: ${message}`).toJSON();
}

/** Rebuilds the class from fields that crossed a boundary, checking them: a worker message is a trust boundary. */
export function deserializeError(data: unknown): SextantError {
  const fields = data as Partial<SerializedError> | null;
  if (fields && typeof fields.code === 'string' && typeof fields.message === 'string' && typeof fields.status === 'number') {
    return SextantError.fromJSON(fields as SerializedError);
  }
  return new SextantError('internal', `Service internal error: malformed error from the worker: ${JSON.stringify(data)}`);
}

export async function toReply<T>(run: () => Promise<T>): Promise<Reply<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

export function fromReply<T>(reply: Reply<T>): T {
  if (reply.ok) return reply.value;
  throw deserializeError(reply.error);
}
