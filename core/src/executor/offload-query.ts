import type { Schemas } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import type { DenseSlot } from '../collection/local-segment.js';
import type { ScoredIds } from '../index/hnsw/hnsw-index.js';
import { fullScanPoints, type NearestResult } from '../query/nearest.js';
import type { QueryContext } from '../query/query-context.js';
import { planQuery, type PlanLevel, type QueryPlan } from '../query/query-plan.js';
import { runPlan } from '../query/run-plan.js';
import { runQuery, searchAsQuery, toScoredPoints, type LegacySearch } from '../query/run-query.js';
import { type SearchExecutor, type SharedSearchTarget, sharedSearchTarget } from './executor.js';

/** A leaf of the plan whose graph walk can run on a search thread. */
interface Offload {
  level: PlanLevel;
  using: string;
  slot: DenseSlot;
  target: SharedSearchTarget;
  query: Float32Array;
  k: number;
  ef: number;
  /** The exact pass over ids not linked into the graph yet, taken at dispatch (see DenseIndex.searchPending). */
  pending: ScoredIds | undefined;
}

/**
 * points/query with the plain nearest-neighbour walks on the executor's threads (when it says a thread should take
 * them now, `SearchExecutor.offloadNow`): the request is planned here, every
 * leaf that is an unfiltered HNSW walk (see `offloadable`) is walked on a thread, and the plan then runs here as it
 * always does, taking those leaves' answers instead of walking again (`QueryContext.presearched`). Everything
 * else (filters, exact and quantized searches, sparse and multivectors, examples, fusion, payloads and vectors of
 * the answer, scores thresholds, offsets) is the in-thread code, so the answer is the in-thread answer.
 *
 * A thread's walk overlaps the writes this thread keeps applying, so its answer is checked when it comes back:
 * same segment (no compaction in between), same graph, every id still live. Anything else, and any leaf a thread
 * could not walk, runs in-thread; a deleted point is never returned.
 *
 * `ctx` is taken before the walks and `current` re-reads the collection after them.
 */
export async function runQueryThreaded(
  executor: SearchExecutor,
  ctx: QueryContext,
  current: () => QueryContext,
  req: Schemas['QueryRequest'],
): Promise<Schemas['ScoredPoint'][]> {
  const plan = planQuery(ctx, req);
  // An idle owner answers a lone search sooner itself than through a thread (two hops and a batch turn).
  const leaves = executor.offloadNow?.() === false ? [] : offloadable(ctx, plan);
  if (leaves.length === 0) return toScoredPoints(ctx, runPlan(ctx, plan), req.with_payload, req.with_vector);
  const found = await Promise.all(leaves.map((l) => executor.searchGraph(l.target, l.query, l.k, l.ef)));
  const now = current();
  // A compaction renumbered the points (or the collection was replaced): the plan's internal ids are stale.
  if (now.segment !== ctx.segment) return runQuery(now, req);
  const presearched = new Map<PlanLevel, NearestResult>();
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    const walked = found[i];
    if (walked === undefined) continue;
    const r = leaf.pending === undefined ? walked : leaf.slot.index.mergePending(walked, withoutIds(leaf.pending, walked.ids), leaf.k);
    if (stillValid(now, leaf, r)) presearched.set(leaf.level, { ...r, path: 'hnsw' });
  }
  const run: QueryContext = { ...now, presearched };
  return toScoredPoints(run, runPlan(run, plan), req.with_payload, req.with_vector);
}

/** The legacy search as the query it is, threaded like `runQueryThreaded`. */
export function runSearchThreaded(
  executor: SearchExecutor,
  ctx: QueryContext,
  current: () => QueryContext,
  req: LegacySearch,
): Promise<Schemas['ScoredPoint'][]> {
  if (req.vector === undefined || req.vector === null) throw errors.validation('vector: field required');
  return runQueryThreaded(executor, ctx, current, searchAsQuery(req));
}

/**
 * Leaves that `searchNearest` would answer with a plain graph walk of the whole graph: a dense `nearest` query
 * (no MMR) with no filter and no excluded examples, not `exact`, no quantization in the way, and a graph with
 * nodes and enough stored vectors that the planner would not scan. Vectors not linked into the graph yet are scored
 * exactly here at dispatch and merged with the walk, as DenseIndex.search does. Mirrors that planner's choices
 * (nearest.ts): anything it would do differently stays in-thread.
 */
function offloadable(ctx: QueryContext, plan: QueryPlan): Offload[] {
  if (plan.exclude.size > 0) return [];
  const out: Offload[] = [];
  const visit = (level: PlanLevel): void => {
    for (const p of level.prefetch) visit(p);
    if (level.prefetch.length > 0) return;
    const q = level.query;
    if (q === undefined || q.kind !== 'nearest' || q.mmr !== undefined) return;
    if (level.filter !== undefined && level.filter !== null) return;
    const params = level.params ?? {};
    if (params.exact === true) return;
    const hnswEf = params.hnsw_ef;
    if (hnswEf !== undefined && hnswEf !== null && (!Number.isInteger(hnswEf) || hnswEf < 0)) return; // the in-thread 400
    const slot = ctx.segment.slots.get(q.using);
    if (slot === undefined || slot.kind !== 'dense' || !Array.isArray(q.vector)) return;
    const spec = slot.spec;
    if ((spec.scalar !== undefined || spec.binary !== undefined) && params.quantization?.ignore !== true) return;
    const index = slot.index;
    if (index.graph === undefined || index.indexedCount === 0) return;
    if (slot.storage.count < fullScanPoints(slot)) return;
    const target = sharedSearchTarget(index.graph);
    if (target === undefined) return;
    const k = level.limit;
    const query = slot.storage.prepareQuery(q.vector as number[]);
    const ids = ctx.segment.ids;
    const pending = index.searchPending(query, k, (id) => ids.isLive(id));
    out.push({ level, using: q.using, slot, target, query, k, ef: Math.max(hnswEf ?? spec.hnsw.ef_construct, k), pending });
  };
  visit(plan.root);
  return out;
}

/**
 * `list` without the ids of `taken`: an id pending at dispatch may have been linked into the graph before the walk
 * reached it, and then both passes found it (never in-thread, where nothing is linked during a search).
 */
function withoutIds(list: ScoredIds, taken: Uint32Array): ScoredIds {
  const seen = new Set(taken);
  let n = 0;
  for (let i = 0; i < list.ids.length; i++) if (!seen.has(list.ids[i]!)) n++;
  if (n === list.ids.length) return list;
  const ids = new Uint32Array(n);
  const scores = new Float32Array(n);
  for (let i = 0, o = 0; i < list.ids.length; i++) {
    if (seen.has(list.ids[i]!)) continue;
    ids[o] = list.ids[i]!;
    scores[o++] = list.scores[i]!;
  }
  return { ids, scores };
}

/** The thread's answer still describes this segment: the same slot and graph, and every id still live. */
function stillValid(ctx: QueryContext, leaf: Offload, r: ScoredIds): boolean {
  const slot = ctx.segment.slots.get(leaf.using);
  if (slot !== leaf.slot || slot.index.graph !== leaf.target.index) return false;
  const ids = ctx.segment.ids;
  for (let i = 0; i < r.ids.length; i++) {
    const id = r.ids[i]!;
    if (!ids.isLive(id) || !slot.storage.has(id)) return false;
  }
  return true;
}

