import type { PointId, Schemas } from '../../client/sextant-client.js';
import { dbsf } from './dbsf.js';
import { rrf } from './rrf.js';
import type { Scored } from './scored.js';

/** The two query shapes that fuse prefetches: `{"fusion": "rrf" | "dbsf"}` and `{"rrf": {"k", "weights"}}`. */
export type FusionQueryInput = Schemas['FusionQuery'] | Schemas['RrfQuery'];

export function isFusionQuery(query: unknown): query is FusionQueryInput {
  return typeof query === 'object' && query !== null && ('fusion' in query || 'rrf' in query);
}

/**
 * Fuses the results of a query's prefetches (one list per prefetch, in request order, each best first) the way
 * Qdrant finishes a fusion query: fuse, then keep points while `score >= scoreThreshold` (fused scores are
 * "higher is better" whatever the distance). The caller then applies `offset` and `limit`, in that order.
 */
export function fusePrefetches<K extends PointId | number, T extends Scored<K>>(
  query: FusionQueryInput,
  lists: readonly (readonly T[])[],
  scoreThreshold?: number | null,
): T[] {
  let fused: T[];
  if ('rrf' in query) fused = rrf(lists, { k: query.rrf.k ?? undefined, weights: query.rrf.weights ?? undefined });
  else fused = query.fusion === 'dbsf' ? dbsf(lists) : rrf(lists);
  if (scoreThreshold == null) return fused;
  const end = fused.findIndex((p) => !(p.score >= scoreThreshold));
  return end < 0 ? fused : fused.slice(0, end);
}
