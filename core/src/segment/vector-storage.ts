/**
 * The vector storages of a segment, one per vector name, all indexed by internal id:
 * dense (one arena per datatype: float32, float16, uint8), sparse (index-sorted typed arrays) and multivector
 * (max_sim rows).
 */
import type { VectorDatatype } from '../collection/config.js';
import type { Distance } from '../distance/distance.js';
import type { BatchRanker } from '../index/hnsw/batch-ranker.js';
import { Float16VectorStorage } from './dense-f16-storage.js';
import { Uint8VectorStorage } from './dense-u8-storage.js';
import { DenseVectorStorage, type DenseVectorStorageOptions } from './dense-vector-storage.js';

export { DenseVectorStorage } from './dense-vector-storage.js';
export { Float16VectorStorage } from './dense-f16-storage.js';
export { Uint8VectorStorage } from './dense-u8-storage.js';
export { SparseVectorStorage, sortSparse, sparseDot, sparseOverlaps } from './sparse-vector-storage.js';
export type { SparseVector, SortedSparse } from './sparse-vector-storage.js';
export { MultiVectorStorage } from './multi-vector-storage.js';

/**
 * What the graph, the scans and the query code need of the dense vectors of one vector name, whatever the
 * datatype. Ids are internal ids; `has` is false for deleted ones (their bytes stay until the id is set again, so a
 * graph can still route through them). Ranks are `rankKernel` keys in float units (lower is closer: -dot or
 * -cosine, squared L2, L1), whatever the stored element type, so graphs, merges and rescoring compare them freely.
 *
 * Two forms of a query and a vector:
 * - the storage's own: `prepareQuery` turns an API vector into the storage's element values (Cosine normalized,
 *   except uint8, which keeps integers and divides by both norms), which `loadQuery`, `score` and `rank` take and
 *   `get` returns for a stored vector (a copy for the compact datatypes, a view for float32);
 * - the float view: `prepareFloatQuery` and `data[offset(id) ..]`, where Cosine vectors have unit length, for
 *   code that computes its own similarities (recommend / discover examples, MMR). For the compact datatypes
 *   `offset(id)` decodes row `id` into a one-row scratch (`data`): read it before the next call.
 */
export interface DenseVectors extends BatchRanker {
  readonly datatype: VectorDatatype;
  readonly dim: number;
  readonly distance: Distance;
  readonly count: number;
  readonly capacity: number;
  readonly simdActive: boolean;
  /** Bytes held per slot (vector, live flag, per-row extras): the memory figure of the datatype. */
  readonly bytesPerVector: number;
  readonly data: Float32Array;
  offset(id: number): number;
  set(id: number, vector: ArrayLike<number>): void;
  get(id: number): Float32Array;
  delete(id: number): void;
  prepareQuery(vector: ArrayLike<number>): Float32Array;
  prepareFloatQuery(vector: ArrayLike<number>): Float32Array;
  score(query: Float32Array, id: number): number;
  rank(query: Float32Array, id: number): number;
  rankBetween(a: number, b: number): number;
  rankToScore(rank: number): number;
  encode(): Uint8Array;
}

/** An empty dense storage of `datatype`. */
export function createDenseVectors(
  dim: number,
  distance: Distance,
  datatype: VectorDatatype,
  initialCapacity?: number,
  options: DenseVectorStorageOptions = {},
): DenseVectors {
  if (datatype === 'float16') return new Float16VectorStorage(dim, distance, initialCapacity, options);
  if (datatype === 'uint8') return new Uint8VectorStorage(dim, distance, initialCapacity, options);
  return new DenseVectorStorage(dim, distance, initialCapacity, options);
}

/** Decodes any dense storage blob; the magic word says which datatype wrote it. */
export function decodeDenseVectors(bytes: Uint8Array): DenseVectors {
  if (Float16VectorStorage.is(bytes)) return Float16VectorStorage.decode(bytes);
  if (Uint8VectorStorage.is(bytes)) return Uint8VectorStorage.decode(bytes);
  return DenseVectorStorage.decode(bytes);
}
