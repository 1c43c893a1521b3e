import type { SparseSlot, VectorSlot } from '../collection/local-segment.js';
import type { SparseValue } from '../collection/operations.js';
import type { SortedSparse } from '../segment/sparse-vector-storage.js';

/**
 * `modifier: idf` on a sparse vector name, as Qdrant applies it: stored values stay as written, and at query time
 * each query value is multiplied by the inverse document frequency of its dimension,
 * `ln((N - df + 0.5) / (df + 0.5) + 1)`, with N the points that have this sparse vector and df those with a
 * non-zero at the dimension (BM25's idf, always > 0). The weights are taken when the query runs, so they follow
 * every write, as Qdrant's do.
 */
export interface SparseIdf {
  weigh(query: SortedSparse): SortedSparse;
  weighValue(query: SparseValue): SparseValue;
}

export function sparseIdf(slot: VectorSlot): SparseIdf | undefined {
  if (slot.kind !== 'sparse' || slot.spec.modifier !== 'idf') return undefined;
  const idf = idfOf(slot);
  return {
    weigh: (q) => ({ indices: q.indices, values: Float32Array.from(q.values, (v, i) => v * idf(q.indices[i]!)) }),
    weighValue: (q) => ({ indices: q.indices, values: q.values.map((v, i) => v * idf(q.indices[i]!)) }),
  };
}

function idfOf(slot: SparseSlot): (dim: number) => number {
  const n = slot.storage.count;
  return (dim) => {
    const df = slot.index.documentFrequency(dim);
    return Math.log((n - df + 0.5) / (df + 0.5) + 1);
  };
}
