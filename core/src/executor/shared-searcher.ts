import type { Distance } from '../distance/distance.js';
import { WasmArenaReader, type WasmArenaView } from '../distance/wasm-arena.js';
import { HnswGraph, type SharedGraphView } from '../index/hnsw/hnsw-graph.js';
import { type ScoredIds, walkGraph } from '../index/hnsw/hnsw-index.js';
import { scanRows } from '../index/hnsw/exact-search.js';
import type { AcceptFn } from '../index/hnsw/search-layer.js';
import { newBuffer } from './shared-memory.js';
import { type CodesReader, type CodesView, attachCodes } from './shared-codes.js';

/**
 * A search request as it crosses to a search thread. `arena` / `graph` / `codes` come along when the thread lacks
 * them: a walk ranks with the float arena, or with quantized `codes` when the target has them (no arena then).
 * With `limit`, the request is an exact scan of the rows below it instead of a walk (a `SharedScanTarget`: no graph,
 * `ef` unused), and `filter`, when present, holds the rows to rank (the owner's live rows at dispatch).
 */
export interface SearchRequest {
  id: number;
  key: number;
  distance: Distance;
  arena?: WasmArenaView;
  graph?: SharedGraphView;
  codes?: CodesView;
  query: Float32Array;
  k: number;
  ef: number;
  /** A filtered walk: the ids it may return (see `WalkFilterBits`); absent, every node. */
  filter?: WalkFilterBits;
  /** An exact scan of rows `0 .. limit` (see executor.ts `SearchExecutor.scanRows`) instead of a walk. */
  limit?: number;
}

/**
 * The accept set of a filtered walk as the owner evaluated it at dispatch (live, not excluded, matching): bit `id`
 * of `bits` (32 ids per word, low bit first), ids past its end rejected. `twoHop`: the owner's accept allowed
 * two-hop expansion (AcceptFn.twoHop), so the thread walks the same way.
 */
export interface WalkFilterBits {
  bits: Uint32Array;
  twoHop: boolean;
}

/** `bits` as the accept of a walk: the same answers the owner's accept gave at dispatch. */
export function acceptOfBits(filter: WalkFilterBits): AcceptFn {
  const bits = filter.bits;
  const end = bits.length * 32;
  const accept: AcceptFn = (id) => id < end && ((bits[id >>> 5]! >>> (id & 31)) & 1) === 1;
  accept.twoHop = filter.twoHop;
  return accept;
}

/**
 * Shared bit buffers for the accept sets of filtered walks (`WalkFilterBits`), reused once a walk's answer is back
 * instead of a new SharedArrayBuffer of n / 8 bytes per filtered search. Set from the filter's candidate list, so
 * filling and clearing cost the candidates, not every id below n.
 *
 * Invariant: a free buffer is all zeros (release clears the words the candidates touched, the only ones fill set).
 * A buffer longer than a walk needs serves it as well: its bits past n are zero, so those ids are rejected.
 */
export class WalkBitsPool {
  private readonly free: Uint32Array[] = [];

  /** `keep`: free buffers held at most (the filtered walks in flight at once, beyond which the rest are garbage). */
  constructor(private readonly keep = 64) {}

  /**
   * `accept` evaluated once on `candidates` below `n` (every id it accepts must be among them: a filter's exact
   * candidates), as bits a thread can read: a buffer of at least n bits, to be given back with `release`.
   */
  fill(accept: (id: number) => boolean, n: number, candidates: Uint32Array): Uint32Array {
    const words = (n + 31) >>> 5;
    let bits: Uint32Array | undefined;
    // A buffer shorter than this walk needs is dropped (the collection grew past it).
    while (bits === undefined && this.free.length > 0) {
      const b = this.free.pop()!;
      if (b.length >= words) bits = b;
    }
    bits ??= new Uint32Array(newBuffer(words * 4, true));
    for (let i = 0; i < candidates.length; i++) {
      const id = candidates[i]!;
      if (id < n && accept(id)) bits[id >>> 5]! |= 1 << (id & 31);
    }
    return bits;
  }

  /** `bits` from `fill` with the same `candidates`, once no thread reads it any more: cleared and kept for reuse. */
  release(bits: Uint32Array, candidates: Uint32Array): void {
    const end = bits.length * 32;
    for (let i = 0; i < candidates.length; i++) {
      const id = candidates[i]!;
      if (id < end) bits[id >>> 5] = 0;
    }
    if (this.free.length < this.keep) this.free.push(bits);
  }

  /** Free buffers held now. */
  get size(): number {
    return this.free.length;
  }
}

/** The answer: ids and scores, or `retry` when the walk could not run on this thread's view of the graph. */
export type SearchReply = { id: number; ids: Uint32Array; scores: Float32Array } | { id: number; retry: true; reason: string };

interface Attached {
  reader: WasmArenaReader | CodesReader;
  /** Absent for a scan target's rows (they are scanned, never walked). */
  graph: HnswGraph | undefined;
  /** The epoch of the codes `reader` ranks (quantized targets). */
  codes?: number;
}

/**
 * A search thread's side: walkers attached to shared graphs, by key, each ranking in this thread's own arena
 * scratch slot. Platform-free (the server's worker script and a browser worker would both just feed it messages).
 *
 * Why a walk never reads out of bounds: the walker holds one consistent array set (an epoch, see SharedGraphView),
 * in which every link and every upper-block offset points inside that set; the arena only grows, and every id
 * in a set has its row written before it was linked. Only the entry point is read from the live `meta` array, so
 * it is checked against the set before use.
 */
export class SharedSearcher {
  private readonly attached = new Map<number, Attached>();

  constructor(private readonly slot: number) {}

  /** How many graphs this thread holds. */
  get size(): number {
    return this.attached.size;
  }

  forget(key: number): void {
    this.attached.delete(key);
  }

  search(req: SearchRequest): SearchReply {
    let a = this.attached.get(req.key);
    if (a === undefined) {
      const scan = req.limit !== undefined;
      if ((!scan && req.graph === undefined) || (req.arena === undefined && req.codes === undefined)) return { id: req.id, retry: true, reason: 'unknown graph' };
      const reader = req.codes !== undefined ? attachCodes(req.codes, this.slot) : WasmArenaReader.attach(req.arena!, this.slot);
      if (reader === undefined) return { id: req.id, retry: true, reason: 'no kernels' };
      // The walker's own ranks (inserts) are never asked here: only the distance of its graph matters.
      const graph = req.graph === undefined ? undefined : HnswGraph.attach(req.graph, { distance: req.distance });
      a = { reader, graph, codes: req.codes?.epoch };
      this.attached.set(req.key, a);
    } else {
      if (req.arena !== undefined && req.limit !== undefined && a.codes === undefined) {
        // A scan target's float arena in another memory (see executor.ts `scanTarget`'s epoch): rank from that one.
        const reader = WasmArenaReader.attach(req.arena, this.slot);
        if (reader === undefined) return { id: req.id, retry: true, reason: 'no kernels' };
        a.reader = reader;
      }
      if (req.graph !== undefined && a.graph !== undefined && req.graph.epoch !== a.graph.epoch) a.graph.rebind(req.graph);
      if (req.codes !== undefined && req.codes.epoch !== a.codes) {
        const reader = attachCodes(req.codes, this.slot);
        if (reader === undefined) return { id: req.id, retry: true, reason: 'no kernels' };
        a.reader = reader;
        a.codes = req.codes.epoch;
      }
    }
    const stale = 'stale' in a.reader ? a.reader : undefined;
    if (stale !== undefined) stale.stale = false;
    const found = req.limit !== undefined ? scanRows(a.reader, req.distance, req.query, req.k, req.limit, req.filter?.bits) : this.walk(a, req);
    if (stale?.stale === true) return { id: req.id, retry: true, reason: 'codes grown' };
    return found === undefined ? { id: req.id, retry: true, reason: 'entry moving' } : { id: req.id, ...found };
  }

  private walk(a: Attached, req: SearchRequest): ScoredIds | undefined {
    const g = a.graph;
    if (g === undefined) return undefined;
    const entry = g.entry;
    if (entry < 0 || req.k <= 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
    // The entry may be newer than this set (inserted after a growth this thread has not been told of yet), or be
    // leaving (removed, its successor not yet picked): the owner then searches in-thread.
    if (entry >= g.levels.length) return undefined;
    const top = g.levels[entry]!;
    if (top < 0) return undefined;
    const accept = req.filter === undefined ? undefined : acceptOfBits(req.filter);
    return walkGraph(g, entry, top, req.query, req.k, req.ef, accept, a.reader, req.distance);
  }
}
