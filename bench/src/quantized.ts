import { createEmbeddedClient } from '@sextant/core';
import type { Dataset } from './dataset.js';

export interface QuantizedRow {
  ef: number;
  mode: 'float' | 'int8 rescore' | 'int8 rescore x2' | 'int8 rescore x4' | 'int8 no rescore';
  recall: number;
  qps: number;
}

export interface QuantizedResult {
  /** Bytes per point of the vectors searches rank: float arena vs the int8 codes (the floats stay for rescoring). */
  floatBytesPerPoint: number;
  int8BytesPerPoint: number;
  rows: QuantizedRow[];
}

const K = 10;
const COLLECTION = 'bench_quantized';
const MODES: { mode: QuantizedRow['mode']; quantization: { ignore?: boolean; rescore?: boolean; oversampling?: number } }[] = [
  { mode: 'float', quantization: { ignore: true } },
  { mode: 'int8 rescore', quantization: { rescore: true } },
  { mode: 'int8 rescore x2', quantization: { rescore: true, oversampling: 2 } },
  { mode: 'int8 rescore x4', quantization: { rescore: true, oversampling: 4 } },
  { mode: 'int8 no rescore', quantization: { rescore: false } },
];

/**
 * Scalar int8 quantization against floats, through the embedded client as an app calls it: one Cosine collection
 * with `quantization_config: scalar int8, quantile 0.99`, queried with `params.quantization` ignore (the float
 * walk) or rescore / oversampling, at each ef. Recall@10 is against `truth` (exact float top-10).
 */
export async function measureQuantized(ds: Dataset, truth: Uint32Array[], efs: number[], budgetMs: number): Promise<QuantizedResult> {
  const { dim, n } = ds;
  const client = await createEmbeddedClient();
  await client.createCollection(COLLECTION, {
    vectors: { size: dim, distance: 'Cosine' },
    hnsw_config: { m: 16, ef_construct: 100 },
    quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
  });
  for (let from = 0; from < n; from += 1000) {
    const points = [];
    for (let i = from; i < Math.min(n, from + 1000); i++) points.push({ id: i, vector: Array.from(ds.points.subarray(i * dim, (i + 1) * dim)) });
    await client.upsert(COLLECTION, { wait: true, points });
  }
  await client.engine.resolve(COLLECTION).whenIndexed();
  const queryCount = Math.min(ds.queryCount, truth.length);
  const raw: number[][] = [];
  for (let q = 0; q < queryCount; q++) raw.push(Array.from(ds.queries.subarray(q * dim, (q + 1) * dim)));

  const rows: QuantizedRow[] = [];
  for (const ef of efs) {
    for (const { mode, quantization } of MODES) {
      const search = async (q: number) =>
        (await client.query(COLLECTION, { query: raw[q]!, limit: K, params: { hnsw_ef: ef, quantization } })).points;
      for (let q = 0; q < Math.min(10, queryCount); q++) await search(q); // warm-up (and the first fit of the codes)
      let hits = 0;
      let done = 0;
      let best = 0;
      const start = performance.now();
      while (done < queryCount && performance.now() - start < budgetMs) {
        const t = performance.now();
        const end = Math.min(queryCount, done + 25);
        for (; done < end; done++) {
          const want = new Set(truth[done]!);
          for (const p of await search(done)) if (want.has(p.id as number)) hits++;
        }
        // Best chunk rate, as runQueries does: the least disturbed stretch of a shared machine.
        best = Math.max(best, 25 / ((performance.now() - t) / 1000));
      }
      rows.push({ ef, mode, recall: hits / (done * K), qps: best });
    }
  }
  await client.deleteCollection(COLLECTION);
  return { floatBytesPerPoint: dim * 4, int8BytesPerPoint: dim, rows };
}
