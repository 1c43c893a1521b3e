import type { VectorSpec } from '../collection/config.js';
import { BINARY_PARAMS_MAGIC, BinaryQuantizedStorage } from './quantized-binary-storage.js';
import { PRODUCT_PARAMS_MAGIC, ProductQuantizedStorage } from './quantized-product-storage.js';
import { SCALAR_PARAMS_MAGIC, ScalarQuantizedStorage } from './quantized-scalar-storage.js';
import { TURBO_PARAMS_MAGIC, TurboQuantizedStorage } from './quantized-turbo-storage.js';
import type { DenseVectors } from './vector-storage.js';

/** A dense vector name's quantized companion: int8 (scalar), binary, product or turbo codes. */
export type QuantizedStorage = ScalarQuantizedStorage | BinaryQuantizedStorage | ProductQuantizedStorage | TurboQuantizedStorage;

/**
 * Whether a storage's vectors can carry a companion: float32 and float16 ones. uint8 vectors are integer codes
 * already (and Cosine ones are not stored normalized), so they rank as they are.
 */
export function quantizable(vectors: DenseVectors): boolean {
  return vectors.datatype !== 'uint8';
}

/**
 * The companion a segment image saved (`quantized/<name>`: the fit's parameters, see `encodeParams`; product and
 * turbo save their codes too, as they cost far more to derive), rebuilt over
 * `vectors` when it still matches the vector's spec; else undefined, and the first search builds a fresh one (the
 * config changed, or the datatype has no companion). The first word says which kind wrote the bytes.
 */
export function restoreQuantized(
  vectors: DenseVectors,
  spec: Extract<VectorSpec, { kind: 'dense' }>,
  bytes: Uint8Array,
): QuantizedStorage | undefined {
  if (!quantizable(vectors) || bytes.length < 4) return undefined;
  const magic = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (magic === SCALAR_PARAMS_MAGIC && spec.scalar !== undefined) return ScalarQuantizedStorage.restore(vectors, spec.scalar.quantile, bytes);
  if (magic === BINARY_PARAMS_MAGIC && spec.scalar === undefined && spec.binary !== undefined) {
    return BinaryQuantizedStorage.restore(vectors, spec.binary, bytes);
  }
  if (magic === PRODUCT_PARAMS_MAGIC && spec.product !== undefined) return ProductQuantizedStorage.restore(vectors, spec.product, bytes);
  if (magic === TURBO_PARAMS_MAGIC && spec.turbo !== undefined) return TurboQuantizedStorage.restore(vectors, spec.turbo, bytes);
  return undefined;
}
