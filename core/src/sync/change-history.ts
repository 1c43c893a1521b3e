import type { LocalSegment } from '../collection/local-segment.js';
import type { PointKey } from '../segment/id-tracker.js';
import { ChangeJournal } from './change-journal.js';
import type { Tombstones } from './tombstone-log.js';

/** Journal entries kept when none is given (ChangeJournal's own default). */
const DEFAULT_RETAIN = 200_000;

/**
 * Rebuilds a change journal from durable state, for a feed that attaches after a restart: every live point whose
 * version (the last op that wrote it) is in `(floor, through]`, merged in op order with the retained deletions.
 *
 * This is not the journal the server had before it stopped (a point written by ops 5 and 9 appears once, at 9), but
 * it answers every checkpoint above `floor` the same way: a feed reads each listed point's current state, and the
 * latest op that touched a point is what decides whether a checkpoint has seen it. Ops after `through` are left to
 * the caller (they are recorded as they are applied). When more than `retain` entries qualify, the oldest are left
 * out at an op boundary and the floor rises past them: those checkpoints get a snapshot.
 */
export function journalFromState(
  segment: LocalSegment,
  deletions: readonly Tombstones[],
  floor: number,
  through: number,
  retain = DEFAULT_RETAIN,
): ChangeJournal {
  const ids = segment.ids;
  const live: number[] = [];
  for (let id = 0; id < ids.capacity; id++) {
    if (!ids.isLive(id)) continue;
    const version = ids.version(id);
    if (version > floor && version <= through) live.push(id);
  }
  const order = Uint32Array.from(live).sort((a, b) => ids.version(a) - ids.version(b));
  let deleted = 0;
  for (const entry of deletions) if (entry.seq > floor && entry.seq <= through) deleted += entry.keys.length;

  const total = order.length + deleted;
  const seqs = new Float64Array(total);
  const keys: PointKey[] = new Array<PointKey>(total);
  let at = 0;
  let l = 0;
  for (const entry of deletions) {
    if (entry.seq <= floor || entry.seq > through) continue;
    while (l < order.length && ids.version(order[l]!) <= entry.seq) {
      seqs[at] = ids.version(order[l]!);
      keys[at++] = ids.externalOf(order[l++]!);
    }
    for (const key of entry.keys) {
      seqs[at] = entry.seq;
      keys[at++] = key;
    }
  }
  for (; l < order.length; l++) {
    seqs[at] = ids.version(order[l]!);
    keys[at++] = ids.externalOf(order[l]!);
  }

  if (total <= retain) return ChangeJournal.of(floor, seqs, keys, retain);
  let cut = total - retain;
  while (cut < total && seqs[cut] === seqs[cut - 1]) cut++;
  return ChangeJournal.of(seqs[cut - 1]!, seqs.subarray(cut), keys.slice(cut), retain);
}
