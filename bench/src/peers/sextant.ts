import { DenseVectorStorage, HnswIndex } from '@sextant/core';
import type { Dataset } from '../dataset.js';
import type { Peer } from '../peer.js';

export const sextant: Peer = {
  name: 'sextant',
  async build(ds, { m, efConstruct }) {
    const { dim, n } = ds;
    const vs = new DenseVectorStorage(dim, 'Cosine', n);
    const index = new HnswIndex(vs, { m, efConstruct, seed: 100 });
    for (let i = 0; i < n; i++) {
      vs.set(i, ds.points.subarray(i * dim, i * dim + dim));
      index.insert(i);
    }
    const queries = prepare(vs, ds);
    return {
      efAware: true,
      indexBytes: index.encode().byteLength,
      search: (q, k, ef) => index.search(queries[q]!, k, ef).ids,
    };
  },
};

function prepare(vs: DenseVectorStorage, ds: Dataset): Float32Array[] {
  const out: Float32Array[] = [];
  for (let q = 0; q < ds.queryCount; q++) out.push(vs.prepareQuery(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)));
  return out;
}
