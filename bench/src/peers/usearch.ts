import usearch from 'usearch';
import type { Peer } from '../peer.js';

/**
 * Unum's USearch (C++ HNSW with SIMD) through its Node binding. Its binding fixes expansion_search at
 * construction, and a search's beam is max(expansion_search, k): we build with the smallest ef and ask for
 * k = ef results, keeping the first `k`, which searches exactly as with expansion_search = ef.
 */
export const usearchPeer: Peer = {
  name: 'usearch',
  async build(ds, { m, efConstruct }) {
    const { dim, n } = ds;
    const index = new usearch.Index({
      dimensions: dim,
      metric: usearch.MetricKind.Cos,
      quantization: usearch.ScalarKind.F32,
      connectivity: m,
      expansion_add: efConstruct,
      expansion_search: 16,
      multi: false,
    });
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(i);
    index.add(keys, ds.points, 1); // single thread, like every other peer here
    return {
      efAware: true,
      note: 'beam via k=ef',
      search(q, k, ef) {
        const res = index.search(ds.queries.subarray(q * dim, (q + 1) * dim), Math.max(k, ef), 1);
        const out: number[] = [];
        for (let i = 0; i < k && i < res.keys.length; i++) out.push(Number(res.keys[i]));
        return out;
      },
    };
  },
};
