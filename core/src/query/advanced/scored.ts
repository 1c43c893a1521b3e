import type { PointId } from '../../client/sextant-client.js';

/**
 * What the advanced query blocks work on: anything with an id and a score. The id is whatever the caller keys
 * points by: the external `PointId` when results come from several places, or the dense internal id (a uint32)
 * inside one segment. Extra fields (payload, vector, version, ...) ride along untouched.
 */
export interface Scored<K = PointId> {
  readonly id: K;
  readonly score: number;
}

/**
 * Qdrant's order of point ids (`ExtendedPointId`'s derived `Ord`): every numeric id before every UUID, numbers
 * by value, UUIDs by their bytes, which for the canonical lowercase hyphenated form is plain string order.
 * Dense internal ids are numbers, so the same comparator orders them too.
 */
export function comparePointIds(a: PointId | number, b: PointId | number): number {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a - b;
    return -1;
  }
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Best first by score (higher is better), ties by ascending id. Qdrant leaves ties of a fusion in hash-map order,
 * which is arbitrary; breaking them by id makes our results deterministic and independent of the order of the
 * input lists, and it is the same key Qdrant uses everywhere it does break ties (`ScoredPointTies`).
 */
export function byScoreDescThenId<K extends PointId | number>(a: Scored<K>, b: Scored<K>): number {
  return b.score - a.score || comparePointIds(a.id, b.id);
}

/** Rounds to an f32, which is what Qdrant's `ScoreType` holds; keeps our reported scores bit-identical. */
export const f32 = Math.fround;
