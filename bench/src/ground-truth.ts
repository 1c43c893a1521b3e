import { DenseVectorStorage, exactSearch } from '@sextant/core';
import type { Dataset } from './dataset.js';

/** Exact cosine top-k of every query by brute force (float64 accumulation order aside, the true answer). */
export function groundTruth(ds: Dataset, k: number): Uint32Array[] {
  const vs = new DenseVectorStorage(ds.dim, 'Cosine', ds.n);
  for (let i = 0; i < ds.n; i++) vs.set(i, ds.points.subarray(i * ds.dim, (i + 1) * ds.dim));
  const out: Uint32Array[] = [];
  for (let q = 0; q < ds.queryCount; q++) {
    out.push(exactSearch(vs, vs.prepareQuery(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)), k).ids);
  }
  return out;
}
