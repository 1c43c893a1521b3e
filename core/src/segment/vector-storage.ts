/**
 * The vector storages of a segment, one per vector name, all indexed by internal id:
 * dense (one Float32Array arena), sparse (index-sorted typed arrays) and multivector (max_sim rows).
 */
export { DenseVectorStorage } from './dense-vector-storage.js';
export { SparseVectorStorage, sortSparse, sparseDot, sparseOverlaps } from './sparse-vector-storage.js';
export type { SparseVector, SortedSparse } from './sparse-vector-storage.js';
export { MultiVectorStorage } from './multi-vector-storage.js';
