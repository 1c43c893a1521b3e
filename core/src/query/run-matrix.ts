import type { PointId, Schemas } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import { higherIsBetter } from '../distance/distance.js';
import { sparseDot } from '../segment/sparse-vector-storage.js';
import {
  DEFAULT_MATRIX_LIMIT,
  DEFAULT_MATRIX_SAMPLE,
  dropSelf,
  matrixOffsets,
  matrixPairs,
  sortSampleIds,
} from './advanced/search-matrix.js';
import { sampleFrom } from './advanced/sample-random.js';
import { comparePointIds, type Scored } from './advanced/scored.js';
import { matchingIds, bindFilter } from './point-filter.js';
import { slotOf } from './point-scorer.js';
import type { QueryContext } from './query-context.js';

type MatrixRequest = Schemas['SearchMatrixRequest'];

/**
 * The distance matrix: `sample` random points that pass the filter and have the `using` vector, each with its
 * `limit` nearest among the sample (itself excluded), scored exactly with the collection's scores. The sample is
 * small (Qdrant's default 10), so the n² pair scores cost nothing next to finding the sample.
 */
function nearestInSample(ctx: QueryContext, req: MatrixRequest): { ids: PointId[]; rows: Scored<PointId>[][] } {
  const sample = req.sample ?? DEFAULT_MATRIX_SAMPLE;
  const limit = req.limit ?? DEFAULT_MATRIX_LIMIT;
  if (!Number.isInteger(sample) || sample < 2) throw errors.validation(`sample: value ${String(sample)} invalid, must be 2 or more`);
  if (!Number.isInteger(limit) || limit < 1) throw errors.validation(`limit: value ${String(limit)} invalid, must be 1 or more`);
  const slot = slotOf(ctx.segment, req.using ?? '');
  const filter = bindFilter(ctx.segment, req.filter);
  const pool = matchingIds(ctx.segment, filter).filter((id) => slot.storage.has(id));
  const picked = sampleFrom(pool, sample);
  if (picked.length < 2) return { ids: [], rows: [] };
  const ids = ctx.segment.ids;
  const external = sortSampleIds(picked.map((id) => ids.externalOf(id) as PointId));
  const internal = external.map((key) => ids.internalOf(key)!);
  const pair = pairScore(ctx, req.using ?? '');
  const higher = slot.kind === 'sparse' ? true : higherIsBetter(slot.spec.distance);
  const rows = internal.map((a, row) => {
    const scored: Scored<PointId>[] = internal.map((b, col) => ({ id: external[col]!, score: pair(a, b) }));
    scored.sort((x, y) => (higher ? y.score - x.score : x.score - y.score) || comparePointIds(x.id, y.id));
    return dropSelf(scored.slice(0, limit + 1), external[row]!, limit);
  });
  return { ids: external, rows };
}

function pairScore(ctx: QueryContext, using: string): (a: number, b: number) => number {
  const slot = slotOf(ctx.segment, using);
  if (slot.kind === 'dense') return (a, b) => slot.storage.score(slot.storage.get(a), b);
  if (slot.kind === 'multi') return (a, b) => slot.storage.score(slot.storage.get(a)!, b);
  return (a, b) => sparseDot(slot.storage.getSorted(a)!, slot.storage.getSorted(b)!);
}

export function runMatrixPairs(ctx: QueryContext, req: MatrixRequest): Schemas['SearchMatrixPairsResponse'] {
  const { ids, rows } = nearestInSample(ctx, req ?? {});
  return matrixPairs(ids, rows);
}

export function runMatrixOffsets(ctx: QueryContext, req: MatrixRequest): Schemas['SearchMatrixOffsetsResponse'] {
  const { ids, rows } = nearestInSample(ctx, req ?? {});
  return matrixOffsets(ids, rows);
}
