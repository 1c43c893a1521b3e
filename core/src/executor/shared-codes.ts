import { WasmF16ArenaReader } from '../distance/wasm-f16-arena.js';
import { WasmU8ArenaReader } from '../distance/wasm-u8-arena.js';
import { type F16RowsView } from '../segment/dense-f16-storage.js';
import { type U8RowsView, invNorm, u8Ranks } from '../segment/dense-u8-storage.js';
import type { BatchRanker } from '../index/hnsw/batch-ranker.js';
import type { BinaryCodesView } from '../segment/quantized-binary-storage.js';
import type { ScalarCodesView } from '../segment/quantized-scalar-storage.js';
import type { ProductCodesView } from '../segment/quantized-product-storage.js';
import type { TurboCodesView } from '../segment/quantized-turbo-storage.js';
import { TurboQuery, turboRanks } from '../segment/turbo-codes.js';
import { binaryRanks, loadBinaryQuery, productRanks, productTable, quantizeQuery, scalarRanks } from '../segment/quantized-codes.js';
import { BATCH_CAPACITY } from '../distance/wasm-memory.js';

/**
 * Rows other than float32 a search thread can walk a graph with: quantized codes (int8 or binary in a shared
 * WasmU8Arena, product or turbo rows in SharedArrayBuffers; the owner rescores their candidates), or compact
 * originals (uint8 or float16 vectors, exact ranks).
 */
export type CodesView = ScalarCodesView | BinaryCodesView | ProductCodesView | TurboCodesView | U8RowsView | F16RowsView;

/**
 * What a walk needs of a ranker, plus `stale`: set when a rank read past what this thread was handed. The handle of
 * `rankBatch` is the loaded query (-1) or, for compact originals (f16 / u8) only, a stored row: a build thread ranks
 * from its batch's nodes as the owner's storage does (quantized codes are never a build's ranker: graphs rank originals).
 */
export type CodesReader = Pick<BatchRanker, 'batchIds' | 'batchOut' | 'loadQuery' | 'rankBatch'> & {
  stale: boolean;
  /**
   * A new request on this thread: other readers of the same scratch slot (another graph's, another storage's) may
   * have written it since this one last ranked, so a stored row it decoded there must be decoded again.
   */
  startRequest?(): void;
};

/**
 * A search thread's ranker over shared quantized codes: the owner's kernels (the same SIMD module over the same
 * memory) from the thread's own scratch slot, and the owner's query encoding and rank arithmetic (the functions
 * the storages call themselves), so a walk ranks every node exactly as the owner's walk with the same fit does.
 * Undefined when this engine cannot run the kernels.
 */
export function attachCodes(view: CodesView, slot: number): CodesReader | undefined {
  if (view.kind === 'product') return productReader(view);
  if (view.kind === 'turbo') return turboReader(view);
  if (view.kind === 'f16') {
    const arena = WasmF16ArenaReader.attach(view.arena, slot);
    return arena === undefined ? undefined : f16Reader(view, arena);
  }
  const arena = WasmU8ArenaReader.attach(view.arena, slot);
  if (arena === undefined) return undefined;
  return view.kind === 'scalar' ? scalarReader(view, arena) : view.kind === 'binary' ? binaryReader(view, arena) : u8Reader(view, arena);
}

/** ProductQuantizedStorage's ranking (JS, no arena): the query's table, then one table sum per row. */
function productReader(view: ProductCodesView): CodesReader {
  const table = new Float32Array(view.subspaces * 256);
  const { codes, subspaces } = view;
  const reader: CodesReader = {
    batchIds: new Uint32Array(BATCH_CAPACITY),
    batchOut: new Float32Array(BATCH_CAPACITY),
    stale: false,
    loadQuery(query) {
      productTable(view, query, table);
      return -1;
    },
    rankBatch(_h, count) {
      // A row past these codes was written to a larger array this thread has not been handed yet.
      if (productRanks(table, codes, subspaces, reader.batchIds, 0, count, reader.batchOut)) reader.stale = true;
    },
  };
  return reader;
}

/**
 * TurboQuantizedStorage's ranking (JS, no arena): the same TurboQuery (rotations from their seeds, the query's
 * table) and turboRanks over the shared rows. Manhattan rows are never handed over (sharedView keeps them in-thread).
 */
function turboReader(view: TurboCodesView): CodesReader {
  const q = new TurboQuery(view);
  const { distance, codes, factor, norm2, rowBytes } = view;
  const reader: CodesReader = {
    batchIds: new Uint32Array(BATCH_CAPACITY),
    batchOut: new Float32Array(BATCH_CAPACITY),
    stale: false,
    loadQuery(query) {
      q.load(view, query);
      return -1;
    },
    rankBatch(_h, count) {
      // A row past these arrays was written to larger ones this thread has not been handed yet.
      if (turboRanks(distance, q, codes, factor, norm2, rowBytes, reader.batchIds, 0, count, reader.batchOut)) reader.stale = true;
    },
  };
  return reader;
}

/** Uint8VectorStorage's SIMD path: the query's integers as bytes, integer sums, then `u8Ranks`. */
function u8Reader(view: U8RowsView, w: WasmU8ArenaReader): CodesReader {
  const { dim, distance, invNorms } = view;
  let qi = 0;
  const reader: CodesReader = {
    batchIds: w.ids,
    batchOut: w.out,
    stale: false,
    loadQuery(query) {
      const qb = w.query;
      for (let i = 0; i < dim; i++) qb[i] = query[i]!;
      if (distance === 'Cosine') qi = invNorm(query);
      return -1;
    },
    rankBatch(h, count) {
      const ids = w.ids;
      // Norms of ids past this array were written to a larger one this thread has not been handed yet.
      if (distance === 'Cosine') {
        for (let i = 0; i < count; i++) if (ids[i]! >= invNorms.length) reader.stale = true;
        if (h >= invNorms.length) reader.stale = true;
      }
      // A stored row as the query: its bytes are already a query's integers, in place (Uint8VectorStorage's SIMD path).
      w.batch(h < 0 ? w.queryPtr : w.base + h * w.rowBytes, w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
      u8Ranks(distance, h < 0 ? qi : invNorms[h]!, invNorms, w.out, ids, 0, count);
    },
  };
  return reader;
}

/**
 * Float16VectorStorage's SIMD path: the float query in the scratch (zero past dim), the f16 kernels' ranks. A stored
 * row as the query is decoded into the slot's handle scratch by the SIMD decode, as the storage does (neighbour
 * selection makes every candidate the handle in turn: through the JS table this was 1.6 s of each thread's 13 s in
 * a 50k x 128 build).
 */
function f16Reader(view: F16RowsView, w: WasmF16ArenaReader): CodesReader {
  const dim = view.dim;
  // The row decoded in the handle scratch (-1: none): a build thread's node is the handle of a few hundred batches.
  // Within a request only this reader writes the slot, and a row is written once per id (a changed point takes a
  // fresh id), so the decoded row stays right until the next request (`startRequest`).
  let handleId = -1;
  return {
    batchIds: w.ids,
    batchOut: w.out,
    stale: false,
    startRequest() {
      handleId = -1;
    },
    loadQuery(query) {
      w.query.set(query.length === dim ? query : query.subarray(0, dim));
      return -1;
    },
    rankBatch(h, count) {
      if (h >= 0 && h !== handleId) {
        w.decode(w.base + h * w.rowBytes, w.handlePtr, w.padded);
        handleId = h;
      }
      w.batch(h < 0 ? w.queryPtr : w.handlePtr, w.idsPtr, count, w.outPtr, w.base, w.rowBytes);
    },
  };
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
