import { SextantError, errors } from '../client/errors.js';

/**
 * The quantization parts of a collection's config: what a segment needs of a `binary` config and the boundary
 * check of any quantization config (scalar's spec stays in config.ts).
 */

export type BinaryEncoding = 'one_bit' | 'two_bits' | 'one_and_half_bits';
export type BinaryQueryEncoding = 'default' | 'binary' | 'scalar4bits' | 'scalar8bits';
const BINARY_ENCODINGS: readonly string[] = ['one_bit', 'two_bits', 'one_and_half_bits'];
const BINARY_QUERY_ENCODINGS: readonly string[] = ['default', 'binary', 'scalar4bits', 'scalar8bits'];
const MEMORY: readonly string[] = ['cold', 'cached', 'pinned'];
const COMPRESSIONS: readonly string[] = ['x4', 'x8', 'x16', 'x32', 'x64'];
const TURBO_BITS: readonly string[] = ['bits1', 'bits1_5', 'bits2', 'bits4'];

/** What a segment needs of a `product` config: float bytes per code byte (Qdrant: x4 = one dimension a byte). */
export interface ProductSpec {
  compression: 4 | 8 | 16 | 32 | 64;
}

/** What a segment needs of a `turbo` config: bits per rotated coordinate (Qdrant's default `bits4`). */
export interface TurboSpec {
  bits: 'bits1' | 'bits1_5' | 'bits2' | 'bits4';
}

/** The product spec of a quantization config (per-vector one first), or undefined for none / other kinds. */
export function productSpec(own: unknown, collection: unknown): ProductSpec | undefined {
  const q = (own ?? collection) as { product?: { compression?: string } | null } | null | undefined;
  if (q === null || q === undefined || typeof q !== 'object' || q.product === undefined || q.product === null) return undefined;
  return { compression: Number(String(q.product.compression ?? 'x4').slice(1)) as ProductSpec['compression'] };
}

/** The turbo spec of a quantization config (per-vector one first), or undefined for none / other kinds. */
export function turboSpec(own: unknown, collection: unknown): TurboSpec | undefined {
  const q = (own ?? collection) as { turbo?: { bits?: string | null } | null } | null | undefined;
  if (q === null || q === undefined || typeof q !== 'object' || q.turbo === undefined || q.turbo === null) return undefined;
  return { bits: (q.turbo.bits ?? 'bits4') as TurboSpec['bits'] };
}

/** What a segment needs of a `binary` quantization config: how rows and queries become bits. */
export interface BinarySpec {
  encoding: BinaryEncoding;
  queryEncoding: BinaryQueryEncoding;
}

/** The binary spec of a quantization config (per-vector one first), or undefined for none / other kinds. */
export function binarySpec(own: unknown, collection: unknown): BinarySpec | undefined {
  const q = (own ?? collection) as { binary?: { encoding?: string | null; query_encoding?: string | null } } | null | undefined;
  if (q === null || q === undefined || typeof q !== 'object' || q.binary === undefined || q.binary === null) return undefined;
  return {
    encoding: (q.binary.encoding ?? 'one_bit') as BinaryEncoding,
    queryEncoding: (q.binary.query_encoding ?? 'default') as BinaryQueryEncoding,
  };
}

/** A body that does not deserialize (wrong shape, unknown variant): Qdrant's 400, as the REST schema check answers. */
const formatError = (message: string) => new SextantError('bad_request', `Format error in JSON body: ${message}`);

/**
 * Checks a quantization config at the boundary (the REST schema checks it too; the embedded client and gRPC rely on
 * this): one known kind, and for scalar and binary the values Qdrant accepts. As in Qdrant, a shape or variant that
 * does not deserialize is a 400 and an out-of-range value (quantile) a 422.
 */
export function checkQuantization(q: unknown, path: string): void {
  if (q === null || q === undefined) return;
  if (typeof q !== 'object' || Array.isArray(q)) throw formatError(`${path}: expected an object with one of \`scalar\`, \`product\`, \`binary\`, \`turbo\``);
  const kinds = Object.keys(q).filter((k) => (q as Record<string, unknown>)[k] !== undefined);
  if (kinds.length !== 1 || !['scalar', 'product', 'binary', 'turbo'].includes(kinds[0]!)) {
    throw formatError(`${path}: expected exactly one of \`scalar\`, \`product\`, \`binary\`, \`turbo\``);
  }
  const inner = (q as Record<string, unknown>)[kinds[0]!];
  if (inner === null || typeof inner !== 'object') throw formatError(`${path}.${kinds[0]}: expected an object`);
  const o = inner as Record<string, unknown>;
  if (kinds[0] === 'scalar') {
    if (o.type !== 'int8') throw formatError(`${path}.scalar.type: unknown variant \`${String(o.type)}\`, expected \`int8\``);
    const quantile = o.quantile;
    if (quantile !== undefined && quantile !== null && (typeof quantile !== 'number' || quantile < 0.5 || quantile > 1)) {
      throw errors.validation(`${path}.scalar.quantile: value ${String(quantile)} invalid, must be from 0.5 to 1.0`);
    }
  } else if (kinds[0] === 'binary') {
    const { encoding, query_encoding: queryEncoding } = o;
    if (encoding !== undefined && encoding !== null && !BINARY_ENCODINGS.includes(encoding as string)) {
      throw formatError(`${path}.binary.encoding: unknown variant \`${String(encoding)}\`, expected one of ${BINARY_ENCODINGS.map((e) => `\`${e}\``).join(', ')}`);
    }
    if (queryEncoding !== undefined && queryEncoding !== null && !BINARY_QUERY_ENCODINGS.includes(queryEncoding as string)) {
      throw formatError(
        `${path}.binary.query_encoding: unknown variant \`${String(queryEncoding)}\`, expected one of ${BINARY_QUERY_ENCODINGS.map((e) => `\`${e}\``).join(', ')}`,
      );
    }
  } else if (kinds[0] === 'product') {
    if (!COMPRESSIONS.includes(o.compression as string)) {
      throw formatError(`${path}.product.compression: unknown variant \`${String(o.compression)}\`, expected one of ${COMPRESSIONS.map((e) => `\`${e}\``).join(', ')}`);
    }
  } else if (kinds[0] === 'turbo') {
    if (o.bits !== undefined && o.bits !== null && !TURBO_BITS.includes(o.bits as string)) {
      throw formatError(`${path}.turbo.bits: unknown variant \`${String(o.bits)}\`, expected one of ${TURBO_BITS.map((e) => `\`${e}\``).join(', ')}`);
    }
  }
  // Where the codes live (Qdrant 1.19: cold / cached / pinned). Sextant keeps codes in RAM whatever it says.
  if (o.memory !== undefined && o.memory !== null && !MEMORY.includes(o.memory as string)) {
    throw formatError(`${path}.${kinds[0]}.memory: unknown variant \`${String(o.memory)}\`, expected one of ${MEMORY.map((e) => `\`${e}\``).join(', ')}`);
  }
  if (o.always_ram !== undefined && o.always_ram !== null && typeof o.always_ram !== 'boolean') {
    throw formatError(`${path}.${kinds[0]}.always_ram: invalid type, expected a boolean`);
  }
}

