import type { DenseSlot } from '../collection/local-segment.js';
import type { ScoredIds } from '../index/hnsw/hnsw-index.js';
import type { NearestResult } from '../query/nearest.js';
import type { QueryContext } from '../query/query-context.js';
import type { PlanLevel } from '../query/query-plan.js';
import { type SharedScanTarget, scanTarget } from './executor.js';
import { newBuffer } from './shared-memory.js';
import type { WalkFilterBits } from './shared-searcher.js';

/** A leaf of the plan whose exact scan runs on a search thread (`SearchExecutor.scanRows`). */
export interface ScanLeaf {
  level: PlanLevel;
  using: string;
  slot: DenseSlot;
  target: SharedScanTarget;
  query: Float32Array;
  k: number;
  /** The storage's id limit at dispatch: the rows the thread scans. */
  limit: number;
  /** The rows with a live vector at dispatch, when some below `limit` have none (deleted points or vectors). */
  live: WalkFilterBits | undefined;
}

/**
 * The leaf as a scan on a thread, when `searchNearest` would answer it with the plain unfiltered exact scan of its
 * float32, float16 or uint8 rows (the caller checked the leaf is an unfiltered dense nearest search of `slot`, no MMR,
 * nothing excluded, and that the planner scans: `exact`, no graph or nothing linked, or fewer vectors than
 * `full_scan_threshold`). Undefined when the in-thread search would do anything else: rank quantized codes first
 * (no `exact: true` and the slot quantized), scan only the graph's nodes (`indexed_only` with many pending), or
 * when the rows are not in shared memory.
 */
export function scanLeaf(ctx: QueryContext, level: PlanLevel, using: string, slot: DenseSlot, vector: number[], quantized: boolean, graphOnly: boolean): ScanLeaf | undefined {
  if (quantized || graphOnly) return undefined;
  const target = scanTarget(slot.storage);
  if (target === undefined) return undefined;
  const storage = slot.storage;
  const limit = storage.idLimit;
  // Every row below the limit holds a live vector (the common case: nothing deleted): the thread ranks them all.
  const live = storage.count === limit ? undefined : { bits: liveBits(ctx, slot), twoHop: false };
  return { level, using, slot, target, query: storage.prepareQuery(vector), k: level.limit, limit, live };
}

/**
 * The thread's answer as the leaf's result, when it still describes the collection: the same segment (the caller
 * checks: no compaction renumbered the ids), the same slot, and every id still live with its vector. Ids are never
 * reused before a compaction and a row is written before its id is counted in the limit, so each score is the
 * in-thread score of that row, and the answer is the in-thread scan's at dispatch: points added since are missing
 * (as from a walk), and a point deleted since sends the leaf back in-thread.
 */
export function scanResult(now: QueryContext, leaf: ScanLeaf, found: ScoredIds): NearestResult | undefined {
  if (now.segment.slots.get(leaf.using) !== leaf.slot) return undefined;
  const ids = now.segment.ids;
  const storage = leaf.slot.storage;
  for (let i = 0; i < found.ids.length; i++) {
    const id = found.ids[i]!;
    if (!ids.isLive(id) || !storage.has(id)) return undefined;
  }
  return { ids: found.ids, scores: found.scores, path: 'exact' };
}

/**
 * The live rows of `slot` below its id limit as shared bits: live point and a vector (the in-thread scan's
 * `has(id) && isLive(id)`). Made once per state of the storage and kept while it lasts: ids only grow between
 * compactions (a changed point gets a fresh id), so a write either raises the id limit (a vector set) or lowers the
 * count (a vector deleted), and the pair (limit, count) names the state. A buffer, once handed to threads, is never
 * written again: a new state gets a new one.
 */
function liveBits(ctx: QueryContext, slot: DenseSlot): Uint32Array {
  const storage = slot.storage;
  const limit = storage.idLimit;
  const count = storage.count;
  const cached = bitsOf.get(storage);
  if (cached !== undefined && cached.limit === limit && cached.count === count && cached.ids === ctx.segment.ids) return cached.bits;
  const ids = ctx.segment.ids;
  const bits = new Uint32Array(newBuffer(((limit + 31) >>> 5) * 4, true));
  for (let id = 0; id < limit; id++) if (storage.has(id) && ids.isLive(id)) bits[id >>> 5]! |= 1 << (id & 31);
  bitsOf.set(storage, { limit, count, ids, bits });
  return bits;
}

const bitsOf = new WeakMap<object, { limit: number; count: number; ids: object; bits: Uint32Array }>();
