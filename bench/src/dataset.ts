import { seededRandom as rng } from '@sextant/core';

/**
 * Seeded clustered data: the shape of real embeddings (points gather around topics) without downloading a
 * corpus. Queries are drawn from the same distribution as the points, so their neighbours sit in dense clusters,
 * which is the hard case for a graph (many near-equal candidates).
 */
export interface Dataset {
  name: string;
  n: number;
  dim: number;
  /** n * dim floats, row-major, unnormalized. */
  points: Float32Array;
  /** queryCount * dim floats. */
  queries: Float32Array;
  queryCount: number;
}

/** Seeded generator (core's mulberry32) so every run builds the same data. */
export { rng };

/** Standard normal by Box-Muller. */
function gaussian(r: () => number): () => number {
  return () => {
    const u = 1 - r();
    const v = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export function clustered(name: string, n: number, dim: number, queryCount: number, seed: number, clusters = 100): Dataset {
  const r = rng(seed);
  const g = gaussian(r);
  const centers = new Float32Array(clusters * dim);
  for (let i = 0; i < centers.length; i++) centers[i] = g();
  const fill = (out: Float32Array, rows: number) => {
    for (let p = 0; p < rows; p++) {
      const c = Math.floor(r() * clusters);
      // Spread 0.5-1.0 of the centre scale: clusters overlap enough that neighbours cross cluster borders.
      const spread = 0.5 + 0.5 * r();
      for (let d = 0; d < dim; d++) out[p * dim + d] = centers[c * dim + d]! + spread * g();
    }
  };
  const points = new Float32Array(n * dim);
  fill(points, n);
  const queries = new Float32Array(queryCount * dim);
  fill(queries, queryCount);
  return { name, n, dim, points, queries, queryCount };
}
