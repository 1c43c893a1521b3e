import { ScalarQuantizedStorage } from '../segment/quantized-scalar-storage.js';
import { BinaryQuantizedStorage } from '../segment/quantized-binary-storage.js';
import { ProductQuantizedStorage } from '../segment/quantized-product-storage.js';
import { TurboQuantizedStorage } from '../segment/quantized-turbo-storage.js';
import { type QuantizedStorage, quantizable } from '../segment/quantized-params.js';
import type { DenseSlot } from './local-segment.js';

/**
 * The slot's quantized companion as its spec asks (scalar, binary, product or turbo), made when missing or when an
 * update changed the kind or its parameters; undefined without quantization (the companion is dropped) or for
 * uint8 vectors (integer codes already, they rank as they are). Scalar and binary fit at construction (a pass over
 * the vectors, fast); product and turbo come unfitted: their k-means / calibration and the encode of every row
 * take seconds at 100k points, so background indexing runs them (`fitQuantizedSome`), not a search.
 */
export function companionFor(slot: DenseSlot): QuantizedStorage | undefined {
  const { scalar, binary, product, turbo } = slot.spec;
  const q = slot.quantized;
  const storage = slot.storage;
  if (!quantizable(storage)) return undefined;
  if (scalar !== undefined) {
    if (!(q instanceof ScalarQuantizedStorage) || q.quantile !== scalar.quantile) slot.quantized = new ScalarQuantizedStorage(storage, scalar.quantile);
  } else if (binary !== undefined) {
    if (!(q instanceof BinaryQuantizedStorage) || q.spec.encoding !== binary.encoding || q.spec.queryEncoding !== binary.queryEncoding) {
      slot.quantized = new BinaryQuantizedStorage(storage, binary);
    }
  } else if (product !== undefined) {
    if (!(q instanceof ProductQuantizedStorage) || q.spec.compression !== product.compression) slot.quantized = new ProductQuantizedStorage(storage, product);
  } else if (turbo !== undefined) {
    if (!(q instanceof TurboQuantizedStorage) || q.spec.bits !== turbo.bits) slot.quantized = new TurboQuantizedStorage(storage, turbo);
  } else {
    slot.quantized = undefined;
  }
  return slot.quantized;
}

/** Whether the slot's product / turbo codes need a fit (none yet, another config, one due or under way). Cheap: no companion is made. */
export function quantizationWanted(slot: DenseSlot): boolean {
  const { product, turbo } = slot.spec;
  if ((product === undefined && turbo === undefined) || !quantizable(slot.storage)) return false;
  const q = slot.quantized;
  if (product !== undefined) return !(q instanceof ProductQuantizedStorage) || q.spec.compression !== product.compression || q.wantsFit;
  return !(q instanceof TurboQuantizedStorage) || q.spec.bits !== turbo!.bits || q.wantsFit;
}

/** Advances the slot's product / turbo fit until `deadline` (Date.now() ms); true while work is left. */
export function fitQuantizedSome(slot: DenseSlot, deadline: number): boolean {
  const q = companionFor(slot);
  return q instanceof ProductQuantizedStorage || q instanceof TurboQuantizedStorage ? q.fitSome(deadline) : false;
}
