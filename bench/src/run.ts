/**
 * `npm run bench`: builds Sextant's HNSW and its peers on the same seeded clustered data and prints one table.
 *
 * Options (flag or environment variable):
 *   --n=100000        BENCH_N         points of the 128-d dataset (the 384-d one gets n/2)
 *   --q=1000          BENCH_Q         queries per dataset (ground truth is brute force over all of them)
 *   --datasets=128,384 BENCH_DATASETS which datasets
 *   --peers=a,b       BENCH_PEERS     which peers (sextant, hnswlib-node, hnswlib-wasm, usearch, voy-search, orama)
 *   --budget=4        BENCH_BUDGET_S  seconds of queries per (peer, ef) at most
 *   --sections=hnsw,exact,filtered BENCH_SECTIONS  which parts run (exact scan GB/s and filtered search use the
 *                                   first dataset only); `quantized` adds int8 vs float recall / q/s at ef 64 and
 *                                   128 on the first dataset
 *   --out=bench/results BENCH_OUT    where the JSON of all results goes (git-ignored)
 * Everything runs single-threaded in this process, one peer at a time.
 */
import { clustered, type Dataset } from './dataset.js';
import { measureExactScan, type ExactScanResult } from './exact-scan.js';
import { measureFiltered, type FilteredRow } from './filtered.js';
import { measureQuantized, type QuantizedResult } from './quantized.js';
import { groundTruth } from './ground-truth.js';
import { printTable, writeResults, type HnswRow } from './report.js';
import { memoryNow, runQueries, settle } from './measure.js';
import type { Peer } from './peer.js';
import { hnswlibNode } from './peers/hnswlib-node.js';
import { hnswlibWasm } from './peers/hnswlib-wasm.js';
import { orama } from './peers/orama.js';
import { sextant } from './peers/sextant.js';
import { usearchPeer } from './peers/usearch.js';
import { voy } from './peers/voy.js';

const ALL_PEERS: Peer[] = [sextant, hnswlibNode, hnswlibWasm, usearchPeer, voy, orama];
const EFS = [32, 64, 128, 256];
const K = 10;
const PARAMS = { m: 16, efConstruct: 100 }; // Qdrant's defaults, for every HNSW peer

function option(name: string, env: string, fallback: string): string {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag?.slice(name.length + 3) ?? process.env[env] ?? fallback;
}

const n = Number(option('n', 'BENCH_N', '100000'));
const q = Number(option('q', 'BENCH_Q', '1000'));
const budgetMs = 1000 * Number(option('budget', 'BENCH_BUDGET_S', '4'));
const datasetDims = option('datasets', 'BENCH_DATASETS', '128,384').split(',').map(Number);
const peerNames = option('peers', 'BENCH_PEERS', ALL_PEERS.map((p) => p.name).join(',')).split(',');
const peers = ALL_PEERS.filter((p) => peerNames.includes(p.name));
const sections = option('sections', 'BENCH_SECTIONS', 'hnsw,exact,filtered').split(',');
const outDir = option('out', 'BENCH_OUT', 'bench/results');

const hnswRows: HnswRow[] = [];
let exact: (ExactScanResult & { dataset: string }) | undefined;
let filtered: (FilteredRow & { dataset: string })[] = [];
let quantized: (QuantizedResult & { dataset: string }) | undefined;
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

function datasetFor(dim: number): Dataset {
  const size = dim === 128 ? n : Math.round(n / 2);
  return clustered(`${size / 1000}k x ${dim}`, size, dim, q, dim);
}

for (const dim of datasetDims) {
  const ds = datasetFor(dim);
  const first = dim === datasetDims[0];
  if (first && sections.includes('exact')) {
    exact = { dataset: ds.name, ...measureExactScan(ds, budgetMs) };
    console.error(`[${ds.name}] exact scan: ${exact.scanGBs.toFixed(2)} GB/s (memory read ${exact.memoryGBs.toFixed(2)} GB/s)`);
  }
  if (first && sections.includes('filtered')) {
    filtered = (await measureFiltered(ds, 64, budgetMs)).map((r) => ({ dataset: ds.name, ...r }));
    for (const r of filtered) console.error(`[${ds.name}] filtered ${r.selectivity * 100}% ${r.method}: recall ${r.recall.toFixed(4)}, ${r.qps.toFixed(0)} q/s`);
  }
  if (!sections.includes('hnsw') && !(first && sections.includes('quantized'))) continue;
  let t = performance.now();
  const truth = groundTruth(ds, K);
  console.error(`[${ds.name}] ground truth for ${q} queries in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  if (first && sections.includes('quantized')) {
    quantized = { dataset: ds.name, ...(await measureQuantized(ds, truth, [64, 128], budgetMs)) };
    console.error(`[${ds.name}] vectors ranked per point: float ${quantized.floatBytesPerPoint} B, int8 ${quantized.int8BytesPerPoint} B`);
    for (const r of quantized.rows) console.error(`[${ds.name}] ef=${r.ef} ${r.mode}: recall ${r.recall.toFixed(4)}, ${r.qps.toFixed(0)} q/s`);
  }
  if (!sections.includes('hnsw')) continue;
  for (const peer of peers) {
    settle();
    const before = memoryNow();
    t = performance.now();
    let built;
    try {
      built = await peer.build(ds, PARAMS);
    } catch (e) {
      const msg = String((e as Error)?.message ?? e);
      built = `failed: ${msg.length > 160 ? `${msg.slice(0, 60)} ... ${msg.slice(-90)}` : msg}`;
    }
    const buildS = ((performance.now() - t) / 1000).toFixed(1);
    if (typeof built === 'string') {
      hnswRows.push({ dataset: ds.name, peer: peer.name, buildS: null, memMB: null, memKind: null, ef: null, recall: null, qps: null, note: built });
      console.error(`[${ds.name}] ${peer.name}: ${built}`);
      continue;
    }
    settle();
    const memDelta = memoryNow() - before;
    const memKind = built.indexBytes !== undefined ? ('graph' as const) : ('RSS+' as const);
    const memMB = Number(mb(built.indexBytes ?? Math.max(0, memDelta)));
    console.error(`[${ds.name}] ${peer.name}: built in ${buildS} s`);
    for (const ef of built.efAware ? EFS : [0]) {
      const r = runQueries(built, truth, K, ef, budgetMs);
      const partial = r.queries < truth.length ? ` (${r.queries} queries)` : '';
      hnswRows.push({
        dataset: ds.name,
        peer: peer.name,
        buildS: Number(buildS),
        memMB,
        memKind,
        ef: built.efAware ? ef : null,
        recall: r.recall,
        qps: r.qps,
        note: (built.note ?? '') + partial,
      });
      console.error(`[${ds.name}] ${peer.name} ef=${ef || 'n/a'}: recall ${r.recall.toFixed(4)}, ${r.qps.toFixed(0)} q/s`);
    }
    built = undefined;
  }
}

const params = { n, q, k: K, m: PARAMS.m, efConstruct: PARAMS.efConstruct, budgetS: budgetMs / 1000 };
printTable(hnswRows, exact, filtered, params);
// A variable, not a literal: writeResults takes its known sections and writes whatever else comes along.
const all = { params, hnsw: hnswRows, exact, filtered, quantized };
const file = await writeResults(outDir, all);
console.log(`\nresults: ${file}`);
