import type { Payload, PointId } from '../client/sextant-client.js';

/**
 * How the filter sees points; implemented by the collection. Internal ids are dense: `0 .. capacity-1`.
 *
 * Contract: `payload`, `externalId` and `hasVector` are only asked about ids for which `isLive` is true (the filter
 * itself never checks live-ness: callers skip deleted ids). `internalId` returns `undefined` for unknown or deleted
 * external ids. `hasVector('')` asks about the unnamed default vector.
 */
export interface PointAccess {
  readonly capacity: number;
  isLive(id: number): boolean;
  payload(id: number): Payload | undefined;
  externalId(id: number): PointId;
  internalId(external: PointId): number | undefined;
  hasVector(id: number, name: string): boolean;
}

/** Qdrant's cardinality estimate of a filter: `min <= exp <= max` points match, out of the live points. */
export interface CardinalityEstimate {
  min: number;
  exp: number;
  max: number;
}
