import type { VectorSpec } from './config.js';
import { LocalSegment } from './local-segment.js';
import type { PayloadObject } from './operations.js';
import { cloneJson } from '../storage/utf8.js';

/**
 * Qdrant's vacuum: whether enough internal ids are retired (deleted points, or old ids of points that moved when
 * their vectors changed) that rewriting the segment is worth a graph rebuild. Same knobs as Qdrant's optimizer:
 * at least `vacuum_min_vector_number` retired ids, making up at least `deleted_threshold` of all ids.
 */
export function shouldCompact(segment: LocalSegment, deletedThreshold: number, vacuumMin: number): boolean {
  const total = segment.ids.capacity;
  const retired = total - segment.ids.liveCount;
  return retired > 0 && retired >= vacuumMin && retired / total >= deletedThreshold;
}

/**
 * A new segment holding only the live points, with dense internal ids 0..n-1 in external-id order; versions,
 * vectors, payloads and payload indexes carry over, graphs are built afresh over the survivors. The old segment is
 * left untouched, so a failure midway costs nothing.
 */
export function compactSegment(old: LocalSegment, specs: VectorSpec[]): LocalSegment {
  const next = LocalSegment.create(specs);
  // Indexes first: every insert below then feeds them, as a normal upsert would.
  for (const index of old.indexes.all()) next.indexes.create(index.key, index.schema, next);
  for (const id of old.ids.sortedLive()) {
    const payload = old.payloads.get(id) as PayloadObject | undefined;
    next.insertPoint(old.ids.externalOf(id), old.readVectors(id), payload === undefined ? null : cloneJson(payload), old.ids.version(id));
  }
  next.lastSeq = old.lastSeq;
  return next;
}
