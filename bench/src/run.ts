/**
 * `npm run bench`: builds Sextant's HNSW and its peers on the same seeded clustered data and prints one table.
 *
 * Options (flag or environment variable):
 *   --n=100000        BENCH_N         points of the 128-d dataset (the 384-d one gets n/2)
 *   --q=1000          BENCH_Q         queries per dataset (ground truth is brute force over all of them)
 *   --datasets=128,384 BENCH_DATASETS which datasets
 *   --peers=a,b       BENCH_PEERS     which peers (sextant, hnswlib-node, hnswlib-wasm, usearch, voy-search, orama)
 *   --budget=4        BENCH_BUDGET_S  seconds of queries per (peer, ef) at most
 * Everything runs single-threaded in this process, one peer at a time.
 */
import { clustered, type Dataset } from './dataset.js';
import { groundTruth } from './ground-truth.js';
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

const rows: string[][] = [];
const header = ['dataset', 'peer', 'build s', 'mem MB', 'ef', 'recall@10', 'QPS', 'note'];
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

function datasetFor(dim: number): Dataset {
  const size = dim === 128 ? n : Math.round(n / 2);
  return clustered(`${size / 1000}k x ${dim}`, size, dim, q, dim);
}

for (const dim of datasetDims) {
  const ds = datasetFor(dim);
  let t = performance.now();
  const truth = groundTruth(ds, K);
  console.error(`[${ds.name}] ground truth for ${q} queries in ${((performance.now() - t) / 1000).toFixed(1)} s`);
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
      rows.push([ds.name, peer.name, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', built]);
      console.error(`[${ds.name}] ${peer.name}: ${built}`);
      continue;
    }
    settle();
    const memDelta = memoryNow() - before;
    const mem = built.indexBytes !== undefined ? `${mb(built.indexBytes)} graph` : `${mb(Math.max(0, memDelta))} RSS+`;
    console.error(`[${ds.name}] ${peer.name}: built in ${buildS} s`);
    for (const ef of built.efAware ? EFS : [0]) {
      const r = runQueries(built, truth, K, ef, budgetMs);
      const partial = r.queries < truth.length ? ` (${r.queries} queries)` : '';
      rows.push([
        ds.name,
        peer.name,
        buildS,
        mem,
        built.efAware ? String(ef) : 'n/a',
        r.recall.toFixed(4),
        r.qps.toFixed(0),
        (built.note ?? '') + partial,
      ]);
      console.error(`[${ds.name}] ${peer.name} ef=${ef || 'n/a'}: recall ${r.recall.toFixed(4)}, ${r.qps.toFixed(0)} q/s`);
    }
    built = undefined;
  }
}

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(
  `\nsingle thread, k=${K}, m=${PARAMS.m}, ef_construct=${PARAMS.efConstruct}, cosine; QPS over up to ${q} queries ` +
    `(${budgetMs / 1000} s budget per row); mem = exact graph bytes beyond the vectors where known, else RSS growth during build.`,
);
