import type { Distance } from '../distance/distance.js';
import { WasmArenaReader, type WasmArenaView } from '../distance/wasm-arena.js';
import type { DenseVectors } from '../segment/vector-storage.js';
import { HnswGraph, type SharedGraphView } from '../index/hnsw/hnsw-graph.js';
import { type LinkBatch, planLinks } from '../index/hnsw/plan-links.js';

/** A batch to plan as it crosses to a build thread; the arena and graph come with every batch (few per second). */
export interface PlanRequest {
  key: number;
  distance: Distance;
  arena: WasmArenaView;
  graph: SharedGraphView;
  efConstruct: number;
  batch: LinkBatch;
}

/**
 * A build thread's side of batch-parallel index builds: walkers attached to shared graphs by key, each ranking in
 * this thread's arena scratch slot (the slot its SharedSearcher uses too: a thread runs one request at a time).
 * Platform-free: the server's worker and the browser's search worker feed it messages.
 */
export class SharedLinkPlanner {
  private readonly walkers = new Map<number, HnswGraph>();

  constructor(private readonly slot: number) {}

  forget(key: number): void {
    this.walkers.delete(key);
  }

  /** Fills `req.batch.out` for its range; false when the thread cannot (no kernels, no usable entry point). */
  plan(req: PlanRequest): boolean {
    let g = this.walkers.get(req.key);
    if (g === undefined || g.efConstruct !== req.efConstruct) {
      const reader = WasmArenaReader.attach(req.arena, this.slot);
      if (reader === undefined) return false;
      const ranker = Object.assign(reader, { distance: req.distance }) as unknown as DenseVectors;
      g = new HnswGraph(ranker, { m: req.graph.m, efConstruct: req.efConstruct }, 0, req.graph);
      this.walkers.set(req.key, g);
    } else if (g.epoch !== req.graph.epoch) {
      g.rebind(req.graph);
    }
    return planLinks(g, req.batch);
  }
}
