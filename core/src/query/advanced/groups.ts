import type { PointId } from '../../client/sextant-client.js';
import type { Scored } from './scored.js';

/** Qdrant's `GroupId`: a string, or an integer (signed or unsigned). */
export type GroupId = string | number;

/** Qdrant's defaults for `group_size` and for the number of groups (`limit`). */
export const DEFAULT_GROUP_SIZE = 3;
export const DEFAULT_GROUPS_LIMIT = 10;

export interface GroupHitsOptions<T> {
  /** Hits per group (`group_size`, Qdrant's default 3). */
  readonly groupSize: number;
  /** Number of groups (`limit`, Qdrant's default 10). */
  readonly limit: number;
  /**
   * The point's values at the `group_by` key, as a key path yields them (`payloadValuesAt(payload, group_by)`); an
   * array value is spread into its elements here. `undefined` when the point has no payload at all.
   */
  readonly keyValues: (hit: T) => readonly unknown[] | undefined;
}

export interface HitGroup<T> {
  readonly id: GroupId;
  readonly hits: T[];
}

/**
 * Groups hits by the values of a payload key, as Qdrant's `query/groups`, `search/groups` and `recommend/groups`.
 *
 * `hits` must come best first (the query's own order: descending, or ascending for a plain Euclid/Manhattan
 * search). They may be produced lazily: consumption stops as soon as `limit` groups are full, so the executor can
 * hand in a generator over an ever-larger search, or simply one search with `limit * groupSize` hits and more.
 *
 * Rules kept from Qdrant's aggregator:
 * - a point joins one group per distinct value at the key (`["a", "b"]` puts it in both, `["a", "a"]` once);
 * - only strings and integers are keys; a point with any other value there (bool, float, object) is skipped
 *   altogether, and so is a point without payload; a point with no value simply forms no group;
 * - groups are ranked by their best hit, so with best-first input the first `limit` groups to appear win, in order
 *   of appearance; each keeps its first `groupSize` hits (its best), never the same point twice.
 */
export function groupHits<K extends PointId | number, T extends Scored<K>>(
  hits: Iterable<T>,
  options: GroupHitsOptions<T>,
): HitGroup<T>[] {
  const { groupSize, limit, keyValues } = options;
  const groups: HitGroup<T>[] = [];
  const byKey = new Map<GroupId, HitGroup<T>>();
  if (limit <= 0 || groupSize <= 0) return groups;
  let full = 0;
  const keys: GroupId[] = [];
  for (const hit of hits) {
    const values = keyValues(hit);
    if (values === undefined || !collectKeys(values, keys)) continue;
    for (const key of keys) {
      let group = byKey.get(key);
      if (!group) {
        // A group first seen after `limit` others can never outrank them: its best hit comes later.
        if (groups.length === limit) continue;
        group = { id: key, hits: [] };
        byKey.set(key, group);
        groups.push(group);
      }
      if (group.hits.length === groupSize || group.hits.some((h) => h.id === hit.id)) continue;
      group.hits.push(hit);
      if (group.hits.length === groupSize) full++;
    }
    if (full === limit) break;
  }
  return groups;
}

/**
 * Fills `out` with the distinct group keys of one point; false when a value cannot be a key (the point is then
 * skipped, as Qdrant's `BadKeyType`).
 */
function collectKeys(values: readonly unknown[], out: GroupId[]): boolean {
  out.length = 0;
  for (const value of values) {
    if (Array.isArray(value)) {
      for (const item of value) if (!pushKey(item, out)) return false;
    } else if (!pushKey(value, out)) return false;
  }
  return true;
}

function pushKey(value: unknown, out: GroupId[]): boolean {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value))) {
    if (!out.includes(value)) out.push(value);
    return true;
  }
  return false;
}

const UUID_FORMS = [
  /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i,
  /^\{([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}$/i,
  /^urn:uuid:([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i,
  /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/i,
];

/**
 * The point id `with_lookup` fetches for a group: an unsigned integer group id as is, a string only if it parses as
 * a UUID (any form Rust's `Uuid::try_parse` takes, returned canonical), otherwise `undefined` (no lookup, as in
 * Qdrant: `"42"` is not point 42).
 */
export function groupIdToPointId(id: GroupId): PointId | undefined {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0 ? id : undefined;
  for (const form of UUID_FORMS) {
    const m = form.exec(id);
    if (m) return m.slice(1).join('-').toLowerCase();
  }
  return undefined;
}

/**
 * Qdrant's response shape `{groups: [{id, hits, lookup?}]}`. `mapHit` turns a hit into the wire's scored point;
 * `lookup(groupId)` (for `with_lookup`) returns the record found in the lookup collection, or undefined, in which
 * case the field is left out like Qdrant does.
 */
export function toGroupsResult<T, H, L>(
  groups: readonly HitGroup<T>[],
  mapHit: (hit: T) => H,
  lookup?: (id: GroupId) => L | undefined,
): { groups: { id: GroupId; hits: H[]; lookup?: L }[] } {
  return {
    groups: groups.map((g) => {
      const found = lookup?.(g.id);
      const hits = g.hits.map(mapHit);
      return found === undefined ? { id: g.id, hits } : { id: g.id, hits, lookup: found };
    }),
  };
}
