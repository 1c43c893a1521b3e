import type { Distance } from '../distance/distance.js';
import { WasmArenaReader, type WasmArenaView } from '../distance/wasm-arena.js';
import type { DenseVectors } from '../segment/vector-storage.js';
import { HnswGraph, type SharedGraphView } from '../index/hnsw/hnsw-graph.js';
import { type LinkBatch, planLinks } from '../index/hnsw/plan-links.js';
import { type CodesReader, type CodesView, attachCodes } from './shared-codes.js';

/**
 * A batch to plan as it crosses to a build thread; the rows and graph come with every batch (few per second). The
 * rows are the graph's originals, as a walk of them ranks (see SharedSearchTarget): the float32 `arena`, or float16 /
 * uint8 rows in `codes`. Quantized codes are never sent: a graph is built on its originals' ranks.
 */
export interface PlanRequest {
  key: number;
  distance: Distance;
  arena?: WasmArenaView;
  codes?: CodesView;
  graph: SharedGraphView;
  efConstruct: number;
  batch: LinkBatch;
}

interface Walker {
  graph: HnswGraph;
  /** The epoch of the float16 / uint8 rows the walker ranks (-1: the float arena). */
  rows: number;
  /** The float16 / uint8 rows' reader: its `stale` flag (uint8 Cosine norms) and the slot it shares (`startRequest`). */
  codes: CodesReader | undefined;
}

/**
 * A build thread's side of batch-parallel index builds: walkers attached to shared graphs by key, each ranking in
 * this thread's arena scratch slot (the slot its SharedSearcher uses too: a thread runs one request at a time),
 * with the same readers a search walk of those rows uses (WasmArenaReader, shared-codes.ts), so a planned rank is
 * the owner's rank of the same pair. Platform-free: the server's worker and the browser's search worker feed it
 * messages.
 */
export class SharedLinkPlanner {
  private readonly walkers = new Map<number, Walker>();

  constructor(private readonly slot: number) {}

  /** Graphs this thread holds a walker of (forgotten when the owner's graph is garbage-collected). */
  get size(): number {
    return this.walkers.size;
  }

  forget(key: number): void {
    this.walkers.delete(key);
  }

  /**
   * Fills `req.batch.out` for its range; false when the thread cannot (no kernels, rows it cannot rank from, no
   * usable entry point, or rows past what it was handed).
   */
  plan(req: PlanRequest): boolean {
    let w = this.walkers.get(req.key);
    const rows = req.codes?.epoch ?? -1;
    if (w === undefined || w.graph.efConstruct !== req.efConstruct || w.rows !== rows) {
      const reader = this.reader(req);
      if (reader === undefined) return false;
      const ranker = Object.assign(reader, { distance: req.distance }) as unknown as DenseVectors;
      const graph = new HnswGraph(ranker, { m: req.graph.m, efConstruct: req.efConstruct }, 0, req.graph);
      w = { graph, rows, codes: 'stale' in reader ? reader : undefined };
      this.walkers.set(req.key, w);
    } else if (w.graph.epoch !== req.graph.epoch) {
      w.graph.rebind(req.graph);
    }
    if (w.codes !== undefined) {
      w.codes.stale = false;
      w.codes.startRequest?.();
    }
    const ok = planLinks(w.graph, req.batch);
    // A rank past the rows this thread holds is not the owner's rank: the owner links the share itself.
    return ok && w.codes?.stale !== true;
  }

  private reader(req: PlanRequest): WasmArenaReader | CodesReader | undefined {
    const codes = req.codes;
    if (codes === undefined) return req.arena === undefined ? undefined : WasmArenaReader.attach(req.arena, this.slot);
    // Only originals rank from a stored row (see CodesReader).
    return codes.kind === 'f16' || codes.kind === 'u8' ? attachCodes(codes, this.slot) : undefined;
  }
}
