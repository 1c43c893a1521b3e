import { create, insertMultiple, search } from '@orama/orama';
import type { Peer } from '../peer.js';

/** Orama's vector mode: a Map of per-document arrays scanned in full per query (exact, no ef). */
export const orama: Peer = {
  name: 'orama',
  async build(ds) {
    const { dim, n } = ds;
    const property = 'embedding';
    const db = create({ schema: { [property]: `vector[${dim}]` } as const });
    const docs = [];
    for (let i = 0; i < n; i++) docs.push({ id: String(i), [property]: Array.from(ds.points.subarray(i * dim, (i + 1) * dim)) });
    await insertMultiple(db, docs, 5000);
    const queries: number[][] = [];
    for (let q = 0; q < ds.queryCount; q++) queries.push(Array.from(ds.queries.subarray(q * dim, (q + 1) * dim)));
    return {
      efAware: false,
      note: 'exact scan, no ef',
      search(q, k) {
        // similarity: -1 keeps every document as a candidate, so the top-k is the true cosine top-k.
        const res = search(db, { mode: 'vector', vector: { value: queries[q]!, property }, similarity: -1, limit: k, includeVectors: false });
        return (res as { hits: { id: string }[] }).hits.map((h) => Number(h.id));
      },
    };
  },
};
