import type { PointId } from '../../client/sextant-client.js';
import { SextantError } from '../../client/errors.js';
import { comparePointIds, type Scored } from './scored.js';

/**
 * The distance matrix API (`search/matrix/pairs` and `search/matrix/offsets`), as Qdrant computes it:
 *   1. sample `sample` (default 10) random points that match the filter AND have the `using` vector
 *      (`sampleIndices`); fewer than 2 => an empty result (`{pairs: []}` / all-empty offsets);
 *   2. sort the sample by point id (`sortSampleIds`), which fixes the row order;
 *   3. for each sampled point, search its `limit + 1` (default limit 3) nearest neighbours AMONG THE SAMPLE only;
 *   4. `dropSelf` removes the point itself (or, if it did not come back, the worst extra hit);
 *   5. build the response with `matrixPairs` or `matrixOffsets`.
 */

export const DEFAULT_MATRIX_SAMPLE = 10;
export const DEFAULT_MATRIX_LIMIT = 3;

/** Sorts sampled ids in Qdrant's point id order (numbers first, then UUIDs), in place. */
export function sortSampleIds<K extends PointId | number>(ids: K[]): K[] {
  return ids.sort(comparePointIds);
}

/**
 * Step 4: `nearest` holds up to `limit + 1` neighbours of `self` in the sample, best first. Removes `self`; if it
 * was not among them (ties, or an approximate search), drops the last hit so that at most `limit` remain.
 */
export function dropSelf<T extends Scored<PointId | number>>(nearest: readonly T[], self: T['id'], limit: number): T[] {
  const out = nearest.filter((p) => p.id !== self);
  if (out.length === limit + 1) out.pop();
  return out;
}

/** `{pairs: [{a, b, score}]}`: row by row in sample order, each row's neighbours in their search order. */
export function matrixPairs<K extends PointId>(
  sampleIds: readonly K[],
  nearests: readonly (readonly Scored<K>[])[],
): { pairs: { a: K; b: K; score: number }[] } {
  const pairs: { a: K; b: K; score: number }[] = [];
  for (let row = 0; row < sampleIds.length; row++) {
    const a = sampleIds[row]!;
    for (const p of nearests[row] ?? []) pairs.push({ a, b: p.id, score: p.score });
  }
  return { pairs };
}

/**
 * `{offsets_row, offsets_col, scores, ids}`: a sparse matrix over `ids` (the sorted sample), one entry per
 * (row, neighbour) in the same order as `matrixPairs`; offsets index into `ids`.
 */
export function matrixOffsets<K extends PointId>(
  sampleIds: readonly K[],
  nearests: readonly (readonly Scored<K>[])[],
): { offsets_row: number[]; offsets_col: number[]; scores: number[]; ids: K[] } {
  const offsetOf = new Map<K, number>();
  sampleIds.forEach((id, i) => offsetOf.set(id, i));
  const offsets_row: number[] = [];
  const offsets_col: number[] = [];
  const scores: number[] = [];
  for (let row = 0; row < sampleIds.length; row++) {
    for (const p of nearests[row] ?? []) {
      const col = offsetOf.get(p.id);
      // Neighbours are searched among the sample only, so a miss here is a bug in the caller.
      if (col === undefined) throw new SextantError('internal', `search matrix: neighbour ${String(p.id)} is not in the sample`);
      offsets_row.push(row);
      offsets_col.push(col);
      scores.push(p.score);
    }
  }
  return { offsets_row, offsets_col, scores, ids: [...sampleIds] };
}
