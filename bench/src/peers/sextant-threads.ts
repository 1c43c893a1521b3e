import { DenseVectorStorage, HnswIndex, linkOnThreads } from '@sextant/core';
import { SearchPool } from '@sextant/server';
import type { Dataset } from '../dataset.js';
import type { Peer } from '../peer.js';

/** Build threads the row measures (the machine's 2 cores; the "with 2 threads"). */
export const BUILD_THREADS = 2;

/**
 * Sextant's graph built with the batch-parallel insert on `BUILD_THREADS` worker_threads (the server's search
 * pool, which plans batches as it walks searches): the same data, parameters and level seed as the `sextant` row,
 * and the same in-thread searches, so only the build differs. Its row is labelled "sextant, 2 threads".
 */
export const sextantThreads: Peer = {
  name: `sextant, ${BUILD_THREADS} threads`,
  async build(ds, { m, efConstruct }) {
    // Before the storage and graph exist: only memory made after the threads are announced is shared with them.
    const pool = SearchPool.start(BUILD_THREADS);
    if (pool === undefined) return 'no worker threads or shared memory here';
    try {
      const { dim, n } = ds;
      const vs = new DenseVectorStorage(dim, 'Cosine', n);
      const index = new HnswIndex(vs, { m, efConstruct, seed: 100 });
      for (let i = 0; i < n; i++) vs.set(i, ds.points.subarray(i * dim, i * dim + dim));
      const ids = new Uint32Array(n);
      for (let i = 0; i < n; i++) ids[i] = i;
      await linkOnThreads(index, ids, pool);
      const queries = prepare(vs, ds);
      return {
        efAware: true,
        indexBytes: index.encode().byteLength,
        search: (q, k, ef) => index.search(queries[q]!, k, ef).ids,
      };
    } finally {
      await pool.close();
    }
  },
};

function prepare(vs: DenseVectorStorage, ds: Dataset): Float32Array[] {
  const out: Float32Array[] = [];
  for (let q = 0; q < ds.queryCount; q++) out.push(vs.prepareQuery(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)));
  return out;
}
