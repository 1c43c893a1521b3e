import { DenseVectorStorage, exactSearch } from '@sextant/core';
import type { Dataset } from './dataset.js';

export interface ExactScanResult {
  /** Best full scans per second (exact top-10 over every vector). */
  qps: number;
  /** Vector bytes scanned per second at that rate, in GB/s (1e9 bytes). */
  scanGBs: number;
  /** The machine's read bandwidth measured the same way (best of several passes), GB/s. */
  memoryGBs: number;
  /** Whether the scan ran as WebAssembly SIMD (false: the JS kernels). */
  simd: boolean;
}

/**
 * Exact search's throughput next to the memory read bandwidth. The scan streams the whole arena once per query,
 * so bytes / s is the figure to hold against the bandwidth: at the limit the kernels are not what holds it back.
 *
 * Bandwidth: `Buffer.compare` of two equal buffers well beyond the caches, i.e. the C library's SIMD memcmp
 * reading two streams, about the fastest sequential read a Node process can do. Best of several passes, as the
 * machine may be shared.
 */
export function measureExactScan(ds: Dataset, budgetMs: number): ExactScanResult {
  const vs = new DenseVectorStorage(ds.dim, 'Cosine', ds.n);
  for (let i = 0; i < ds.n; i++) vs.set(i, ds.points.subarray(i * ds.dim, (i + 1) * ds.dim));
  const queries: Float32Array[] = [];
  for (let q = 0; q < Math.min(ds.queryCount, 200); q++) queries.push(vs.prepareQuery(ds.queries.subarray(q * ds.dim, (q + 1) * ds.dim)));
  for (let q = 0; q < 3; q++) exactSearch(vs, queries[q]!, 10); // warm-up: JIT and pages
  // The bandwidth is probed before and after the scans and the best kept: on a shared machine one probe can land
  // on a burst of other work and report a fraction of the real figure (it once read 4.6 GB/s on a 20 GB/s machine).
  const memoryBefore = readBandwidth();
  let best = 0;
  const start = performance.now();
  for (let q = 0; q < queries.length && performance.now() - start < budgetMs; q++) {
    const t = performance.now();
    exactSearch(vs, queries[q]!, 10);
    best = Math.max(best, 1000 / (performance.now() - t));
  }
  const bytes = ds.n * ds.dim * 4;
  return { qps: best, scanGBs: (best * bytes) / 1e9, memoryGBs: Math.max(memoryBefore, readBandwidth()), simd: vs.simdActive };
}

function readBandwidth(): number {
  const size = 128 << 20;
  const a = Buffer.alloc(size, 7);
  const b = Buffer.alloc(size, 7);
  let best = 0;
  for (let pass = 0; pass < 8; pass++) {
    const t = performance.now();
    if (Buffer.compare(a, b) !== 0) throw new Error('buffers differ');
    best = Math.max(best, (2 * size) / ((performance.now() - t) / 1000));
  }
  return best / 1e9;
}
