import { sampleIndices, seededRandom } from '../query/advanced/sample-random.js';
import type { DenseVectors } from './vector-storage.js';

/**
 * Up to `max` live rows of `vectors`, drawn without replacement by a seeded generator (the same vectors give the
 * same sample, so a fit is reproducible), copied through the float view into one arena: row r at r * dim.
 */
export function sampleLiveRows(vectors: DenseVectors, max: number, seed: number): { rows: Float32Array; n: number } {
  const dim = vectors.dim;
  const live = new Uint32Array(vectors.count);
  let count = 0;
  const limit = vectors.idLimit;
  for (let id = 0; id < limit && count < live.length; id++) if (vectors.has(id)) live[count++] = id;
  const picks = count <= max ? undefined : sampleIndices(count, max, seededRandom(seed));
  const n = picks === undefined ? count : picks.length;
  const rows = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    // `offset` before `data`: a compact datatype decodes the row into its scratch there.
    const off = vectors.offset(live[picks === undefined ? r : picks[r]!]!);
    rows.set(vectors.data.subarray(off, off + dim), r * dim);
  }
  return { rows, n };
}

/** A grown copy of `a` holding at least `n` elements (doubling), or `a` itself when it already does. */
export function grown<T extends Uint8Array | Float32Array>(a: T, n: number, make: (n: number) => T): T {
  if (n <= a.length) return a;
  let size = Math.max(16, a.length);
  while (size < n) size *= 2;
  const b = make(size);
  b.set(a);
  return b;
}
