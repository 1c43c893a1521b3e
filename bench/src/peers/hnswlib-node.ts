import hnswlib from 'hnswlib-node';
import type { Peer } from '../peer.js';

/** nmslib's hnswlib through its native Node binding (C++ with SIMD): the reference to match. */
export const hnswlibNode: Peer = {
  name: 'hnswlib-node',
  async build(ds, { m, efConstruct }) {
    const { dim, n } = ds;
    const index = new hnswlib.HierarchicalNSW('cosine', dim);
    index.initIndex(n, m, efConstruct, 100);
    // The binding takes number[]; the conversion is part of what a user pays, so it stays inside the timing.
    for (let i = 0; i < n; i++) index.addPoint(Array.from(ds.points.subarray(i * dim, i * dim + dim)), i);
    const queries: number[][] = [];
    for (let q = 0; q < ds.queryCount; q++) queries.push(Array.from(ds.queries.subarray(q * dim, (q + 1) * dim)));
    let currentEf = -1;
    return {
      efAware: true,
      search(q, k, ef) {
        if (ef !== currentEf) index.setEf((currentEf = ef));
        return index.searchKnn(queries[q]!, k).neighbors;
      },
    };
  },
};
