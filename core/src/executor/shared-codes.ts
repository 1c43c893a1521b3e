import { WasmU8ArenaReader } from '../distance/wasm-u8-arena.js';
import type { BatchRanker } from '../index/hnsw/batch-ranker.js';
import { type BinaryCodesView, binaryRanks, loadBinaryQuery } from '../segment/quantized-binary-storage.js';
import { type ScalarCodesView, quantizeQuery, scalarRanks } from '../segment/quantized-scalar-storage.js';

/** Quantized codes a search thread can walk a graph with (int8 or binary, in a shared WasmU8Arena). */
export type CodesView = ScalarCodesView | BinaryCodesView;

/** What a walk needs of a ranker, plus `stale`: set when a rank read past what this thread was handed. */
export type CodesReader = Pick<BatchRanker, 'batchIds' | 'batchOut' | 'loadQuery' | 'rankBatch'> & { stale: boolean };

/**
 * A search thread's ranker over shared quantized codes: the owner's kernels (the same SIMD module over the same
 * memory) from the thread's own scratch slot, and the owner's query encoding and rank arithmetic (the functions
 * the storages call themselves), so a walk ranks every node exactly as the owner's walk with the same fit does.
 * Undefined when this engine cannot run the kernels.
 */
export function attachCodes(view: CodesView, slot: number): CodesReader | undefined {
  const arena = WasmU8ArenaReader.attach(view.arena, slot);
  if (arena === undefined) return undefined;
  return view.kind === 'scalar' ? scalarReader(view, arena) : binaryReader(view, arena);
}

function scalarReader(view: ScalarCodesView, w: WasmU8ArenaReader): CodesReader {
  const { dim, distance, lo, alpha, rowSums } = view;
  const dot = distance === 'Cosine' || distance === 'Dot';
  let qShift = 0;
  const reader: CodesReader = {
    batchIds: w.ids,
    batchOut: w.out,
    stale: false,
    loadQuery(query) {
      qShift = quantizeQuery(query, dim, lo, alpha, w.query);
      return -1;
    },
    rankBatch(_h, count) {
      const ids = w.ids;
      // Row sums of ids past this array were written to a larger one this thread has not been handed yet.
      if (dot) for (let i = 0; i < count; i++) if (ids[i]! >= rowSums.length) reader.stale = true;
      w.batch(w.queryPtr, w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
      scalarRanks(distance, dim, lo, alpha, qShift, rowSums, w.out, ids, 0, count);
    },
  };
  return reader;
}

function binaryReader(view: BinaryCodesView, w: WasmU8ArenaReader): CodesReader {
  const ext = new Float32Array(view.bits);
  return {
    batchIds: w.ids,
    batchOut: w.out,
    stale: false,
    loadQuery(query) {
      loadBinaryQuery(view, query, w.query, ext);
      return -1;
    },
    rankBatch(_h, count) {
      w.batch(w.queryPtr, w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
      binaryRanks(view, w.out, count);
    },
  };
}
