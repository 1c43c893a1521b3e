import type { Schemas } from '../client/sextant-client.js';
import type { LocalSegment } from '../collection/local-segment.js';
import type { CardinalityEstimate } from '../filter/point-access.js';
import { compileFilter, parseFilter, planFilter } from '../filter/index.js';

/** A filter bound to one segment: the predicate, and the planner's view of how many points it matches. */
export interface BoundFilter {
  /** Payload/id conditions only; live-ness is checked by the caller. */
  matches: (id: number) => boolean;
  estimate: CardinalityEstimate;
  /** Ids that may match, from payload indexes (a superset, checked with `matches`), or undefined = scan everything. */
  candidates: Uint32Array | undefined;
}

/** Parses and binds a filter; `undefined` when there is none (absent, null, or empty). Throws 400 on a bad one. */
export function bindFilter(segment: LocalSegment, raw: Schemas['Filter'] | null | undefined): BoundFilter | undefined {
  if (raw === undefined || raw === null) return undefined;
  const filter = parseFilter(raw);
  const matches = compileFilter(filter, segment, segment.indexes);
  const { estimate, candidates } = planFilter(filter, segment, segment.indexes, segment.ids.liveCount);
  return { matches, estimate, candidates };
}

/** Live internal ids that pass `filter`, in ascending internal-id order. */
export function matchingIds(segment: LocalSegment, filter: BoundFilter | undefined): number[] {
  const out: number[] = [];
  const ids = segment.ids;
  if (filter?.candidates !== undefined) {
    for (const id of filter.candidates) if (ids.isLive(id) && filter.matches(id)) out.push(id);
    return out;
  }
  for (let id = 0; id < ids.capacity; id++) if (ids.isLive(id) && (filter === undefined || filter.matches(id))) out.push(id);
  return out;
}
