import type { Distance } from '../../distance/distance.js';

/**
 * What a graph walk or an exact scan needs from a vector storage: load a query, rank batches of ids against it
 * (lower is closer, `rankKernel` keys), and tell live ids. DenseVectorStorage is one (float, exact ranks);
 * ScalarQuantizedStorage another (int8 codes, approximate ranks in the same units, to be rescored).
 */
export interface BatchRanker {
  readonly distance: Distance;
  readonly idLimit: number;
  readonly batchIds: Uint32Array;
  readonly batchOut: Float32Array;
  loadQuery(query: Float32Array): number;
  rankBatch(h: number, count: number): void;
  rankRange(h: number, from: number, count: number): void;
  has(id: number): boolean;
}
