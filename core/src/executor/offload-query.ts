import type { Schemas } from '../client/sextant-client.js';
import { errors } from '../client/errors.js';
import type { DenseSlot } from '../collection/local-segment.js';
import type { ScoredIds } from '../index/hnsw/hnsw-index.js';
import { fullScanPoints, type NearestResult, quantizedOf, rescoreQuantized } from '../query/nearest.js';
import type { QueryContext } from '../query/query-context.js';
import { planQuery, type PlanLevel, type QueryPlan } from '../query/query-plan.js';
import { runPlan } from '../query/run-plan.js';
import { runQuery, searchAsQuery, toScoredPoints, type LegacySearch } from '../query/run-query.js';
import { captureWalks, replayWalks, type SharedQuantized, walkTarget, withoutIds } from './capture-walks.js';
import type { SearchExecutor, SharedSearchTarget } from './executor.js';
import { type ScanLeaf, scanLeaf, scanResult } from './offload-scan.js';

/** What a probe run reads for a leaf offloaded on its own (its answer is not needed then). */
const SKIPPED: NearestResult = { ids: new Uint32Array(0), scores: new Float32Array(0), path: 'hnsw' };

/** A leaf of the plan whose graph walk can run on a search thread. */
interface Offload {
  level: PlanLevel;
  using: string;
  slot: DenseSlot;
  target: SharedSearchTarget;
  query: Float32Array;
  /** The walk's k: the leaf's limit, or limit x oversampling for a quantized walk. */
  k: number;
  ef: number;
  /** The exact pass over ids not linked into the graph yet, taken at dispatch (see DenseIndex.searchPending). */
  pending: ScoredIds | undefined;
  /** A walk of quantized codes (their epoch at dispatch, and the leaf's limit and params for the rescore). */
  quantized?: { codes: SharedQuantized; epoch: number; limit: number; params: PlanLevel['params'] };
}

/**
 * points/query with the nearest-neighbour walks on the executor's threads (when it says a thread should take them
 * now, `SearchExecutor.offloadNow`): the request is planned here; every leaf that is an unfiltered HNSW walk (see
 * `offloadable`) is walked on a thread, and, when `SearchExecutor.offloadFiltered` says so, the first walk of each
 * filtered leaf whose filter payload indexes answer (capture-walks.ts: the owner evaluates its accept once into
 * shared bits); the plan then runs here as it
 * always does, taking those answers instead of walking again (`QueryContext.presearched`, `replayWalks`). Walks
 * of float16 / uint8 vectors and of int8, binary, product or turbo codes go too (for codes the thread returns their
 * candidates and the owner rescores them with the originals, as in-thread), and so do unfiltered exact scans of
 * float32, float16 and uint8 rows (`exact: true`, collections below `full_scan_threshold` or not indexed yet; see
 * offload-scan.ts) when the executor has `scanRows`; everything else (filtered or quantized scans, turbo
 * codes of Manhattan vectors, sparse and multivectors, examples, fusion, payloads and vectors of the answer, scores
 * thresholds, offsets) is the in-thread code, so the answer is the in-thread answer.
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
  if (executor.offloadNow?.() === false) return toScoredPoints(ctx, runPlan(ctx, plan), req.with_payload, req.with_vector);
  const scans: ScanLeaf[] | undefined = executor.scanRows === undefined ? undefined : [];
  const leaves = offloadable(ctx, plan, scans);
  const scanned = scans ?? [];
  // The filtered leaves' walks (every leaf's when the plan excludes ids), when the executor says they hop
  // (`offloadFiltered`); the unfiltered leaves go on their own.
  const alone = (): Map<PlanLevel, NearestResult> => new Map([...leaves, ...scanned].map((l) => [l.level, SKIPPED]));
  const captured = executor.offloadFiltered?.() === true ? captureWalks(ctx, plan, alone()) : undefined;
  if (captured?.hits !== undefined) return toScoredPoints(ctx, captured.hits, req.with_payload, req.with_vector);
  const walks = captured?.walks ?? [];
  if (leaves.length === 0 && walks.length === 0 && scanned.length === 0) return toScoredPoints(ctx, runPlan(ctx, plan), req.with_payload, req.with_vector);
  const found = await Promise.all([
    ...leaves.map((l) => executor.searchGraph(l.target, l.query, l.k, l.ef)),
    ...walks.map((w) => executor.searchGraph(w.target, w.query, w.k, w.ef, w.filter)),
    ...scanned.map((s) => executor.scanRows!(s.target, s.query, s.k, s.limit, s.live)),
  ]);
  const now = current();
  // A compaction renumbered the points (or the collection was replaced): the plan's internal ids are stale.
  if (now.segment !== ctx.segment) return runQuery(now, req);
  const presearched = new Map<PlanLevel, NearestResult>();
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]!;
    const walked = found[i];
    if (walked === undefined) continue;
    const r = leaf.pending === undefined ? walked : leaf.slot.index.mergePending(walked, withoutIds(leaf.pending, walked.ids), leaf.k);
    if (!stillValid(now, leaf, r)) continue;
    const q = leaf.quantized;
    // The codes' candidates are rescored here with the originals, exactly as the in-thread quantized search does.
    if (q === undefined) presearched.set(leaf.level, { ...r, path: 'hnsw' });
    else presearched.set(leaf.level, rescoreQuantized(leaf.slot, { k: q.limit, quantization: q.params?.quantization }, leaf.query, { ...r, path: 'hnsw' }));
  }
  for (let i = 0; i < scanned.length; i++) {
    const got = found[leaves.length + walks.length + i];
    const r = got === undefined ? undefined : scanResult(now, scanned[i]!, got);
    if (r !== undefined) presearched.set(scanned[i]!.level, r);
  }
  for (let i = 0; i < walks.length; i++) walks[i]!.found = found[leaves.length + i];
  const run: QueryContext = walks.length === 0 ? { ...now, presearched } : replayWalks({ ...now, presearched }, walks);
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
 * (no MMR) with no filter and no excluded examples, not `exact`, ranked by what a thread can rank (`walkTarget`:
 * the vectors, or int8 / binary / product / turbo codes, whose limit x oversampling candidates the owner rescores), and a
 * graph with nodes and enough stored vectors that the planner would not scan. Vectors not linked into the graph
 * yet are scored exactly here at dispatch (by the same ranker) and merged with the walk, as DenseIndex.search does.
 * Mirrors that planner's choices (nearest.ts): anything it would do differently stays in-thread. Leaves the planner
 * answers with an unfiltered exact scan go into `scans` instead, when a thread can scan them (offload-scan.ts);
 * `scans` undefined: the executor cannot, and they stay in-thread.
 */
function offloadable(ctx: QueryContext, plan: QueryPlan, scans: ScanLeaf[] | undefined): Offload[] {
  if (plan.exclude.size > 0) return [];
  const out: Offload[] = [];
  const visit = (level: PlanLevel): void => {
    for (const p of level.prefetch) visit(p);
    if (level.prefetch.length > 0) return;
    const q = level.query;
    if (q === undefined || q.kind !== 'nearest' || q.mmr !== undefined) return;
    if (level.filter !== undefined && level.filter !== null) return;
    const params = level.params ?? {};
    const hnswEf = params.hnsw_ef;
    if (hnswEf !== undefined && hnswEf !== null && (!Number.isInteger(hnswEf) || hnswEf < 0)) return; // the in-thread 400
    const slot = ctx.segment.slots.get(q.using);
    if (slot === undefined || slot.kind !== 'dense' || !Array.isArray(q.vector)) return;
    const spec = slot.spec;
    const index = slot.index;
    // indexed_only with as many pending vectors as a full scan: the in-thread search walks (or scans) the graph alone.
    const graphOnly = params.indexed_only === true && index.pendingCount >= fullScanPoints(slot);
    // The planner's unfiltered scan (nearest.ts useExact): asked for, nothing linked (no graph yet), or few vectors.
    if (params.exact === true || index.graph === undefined || index.indexedCount === 0 || slot.storage.count < fullScanPoints(slot)) {
      // `exact: true` skips quantization; otherwise a quantized slot scans its codes first (that stays in-thread).
      const quantized = params.exact !== true && params.quantization?.ignore !== true && quantizedOf(slot) !== undefined;
      const leaf = scans === undefined ? undefined : scanLeaf(ctx, level, q.using, slot, q.vector as number[], quantized, graphOnly);
      if (leaf !== undefined) scans?.push(leaf);
      return;
    }
    const walk = walkTarget(slot, level.limit, params.quantization);
    if (walk === undefined) return;
    const { target, k } = walk;
    const codes = walk.quantized;
    const query = slot.storage.prepareQuery(q.vector as number[]);
    const ids = ctx.segment.ids;
    const pending = graphOnly ? undefined : index.searchPending(query, k, (id) => ids.isLive(id), codes);
    // The beam as searchNearest sets it: max(ef, limit), then at least the candidates a quantized walk keeps.
    const ef = Math.max(hnswEf ?? spec.hnsw.ef_construct, level.limit, k);
    const quantized = codes === undefined ? undefined : { codes, epoch: codes.epoch, limit: level.limit, params: level.params };
    out.push({ level, using: q.using, slot, target, query, k, ef, pending, quantized });
  };
  visit(plan.root);
  return out;
}

/** The thread's answer still describes this segment: the same slot and graph, and every id still live. */
function stillValid(ctx: QueryContext, leaf: Offload, r: ScoredIds): boolean {
  const slot = ctx.segment.slots.get(leaf.using);
  if (slot !== leaf.slot || slot.index.graph !== leaf.target.index) return false;
  // The codes were re-fitted, grown or replaced meanwhile: the in-thread search would rank with the new ones.
  const q = leaf.quantized;
  if (q !== undefined && (slot.quantized !== q.codes || q.codes.epoch !== q.epoch)) return false;
  const ids = ctx.segment.ids;
  for (let i = 0; i < r.ids.length; i++) {
    const id = r.ids[i]!;
    if (!ids.isLive(id) || !slot.storage.has(id)) return false;
  }
  return true;
}

