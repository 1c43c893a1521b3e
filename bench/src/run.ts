/**
 * `node bench/dist/run.js`: the in-process sections. Builds Sextant's HNSW and its peers on the same seeded
 * clustered data, queries them against the same exact ground truth with the same k, and prints the tables.
 * `npm run bench` (bench/dist/main.js) calls it once per peer and dataset with `--json`, so that each peer's
 * memory is measured in a process of its own.
 *
 * Options (flag or environment variable):
 *   --n=100000        BENCH_N         points of the 128-d dataset (the 384-d one gets n/2)
 *   --q=1000          BENCH_Q         queries per dataset (ground truth is brute force over all of them)
 *   --datasets=128,384 BENCH_DATASETS which datasets
 *   --peers=a,b       BENCH_PEERS     which peers (sextant, sextant-threads, hnswlib-node, hnswlib-wasm, usearch, voy-search, orama, vectra)
 *   --budget=4        BENCH_BUDGET_S  seconds of queries per (peer, ef) at most
 *   --sections=hnsw,exact,filtered BENCH_SECTIONS  which parts run (exact scan GB/s and filtered search use the
 *                                   first dataset only); `quantized` adds int8 vs float recall / q/s at ef 64 and
 *                                   128 on the first dataset; `truth` only computes the ground truth into the
 *                                   cache (<out>/cache)
 *   --out=bench/results BENCH_OUT    where the JSON of all results goes (git-ignored)
 *   --quick                          small sizes (n 10000, q 200, budget 1 s) unless given
 *   --json                           print the results as one JSON line `{ "sections": [...] }` on stdout's
 *                                    last line (the runner's contract) and write no files
 * Everything runs in this process, one peer at a time, single-threaded except the `sextant-threads` build.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clustered, type Dataset } from './dataset.js';
import { measureExactScan } from './exact-scan.js';
import { measureFiltered } from './filtered.js';
import { measureQuantized } from './quantized.js';
import { groundTruth } from './ground-truth.js';
import { detailTables, recallPlot, type HnswRow, type Row, type SectionResult } from './report.js';
import { memoryNow, runQueries, settle } from './measure.js';
import type { BuiltPeer, Peer } from './peer.js';

/**
 * Peers load when they are measured, not all at start: a library loaded and left allocates memory (vectra's
 * dependencies alone take tens of MB of heap) whose freed pages a peer measured after it would reuse and look
 * smaller. `npm run bench` measures each peer in a process that loads that peer alone.
 */
const ALL_PEERS: { name: string; load: () => Promise<Peer> }[] = [
  { name: 'sextant', load: async () => (await import('./peers/sextant.js')).sextant },
  { name: 'sextant-threads', load: async () => (await import('./peers/sextant-threads.js')).sextantThreads },
  { name: 'hnswlib-node', load: async () => (await import('./peers/hnswlib-node.js')).hnswlibNode },
  { name: 'hnswlib-wasm', load: async () => (await import('./peers/hnswlib-wasm.js')).hnswlibWasm },
  { name: 'usearch', load: async () => (await import('./peers/usearch.js')).usearchPeer },
  { name: 'voy-search', load: async () => (await import('./peers/voy.js')).voy },
  { name: 'orama', load: async () => (await import('./peers/orama.js')).orama },
  { name: 'vectra', load: async () => (await import('./peers/vectra.js')).vectra },
];
const EFS = [32, 64, 128, 256];
const K = 10;
const PARAMS = { m: 16, efConstruct: 100 }; // Qdrant's defaults, for every HNSW peer

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
function option(name: string, env: string, fallback: string): string {
  const flag = process.argv.find((a) => a.startsWith(`--${name}=`));
  return flag?.slice(name.length + 3) ?? process.env[env] ?? fallback;
}

const n = Number(option('n', 'BENCH_N', quick ? '10000' : '100000'));
const q = Number(option('q', 'BENCH_Q', quick ? '200' : '1000'));
const budgetMs = 1000 * Number(option('budget', 'BENCH_BUDGET_S', quick ? '1' : '4'));
const datasetDims = option('datasets', 'BENCH_DATASETS', '128,384').split(',').map(Number);
const peerNames = option('peers', 'BENCH_PEERS', ALL_PEERS.map((p) => p.name).join(',')).split(',');
const peers = ALL_PEERS.filter((p) => peerNames.includes(p.name));
const sections = option('sections', 'BENCH_SECTIONS', 'hnsw,exact,filtered').split(',');
const outDir = option('out', 'BENCH_OUT', 'bench/results');
const unknownPeers = peerNames.filter((name) => name !== '' && !ALL_PEERS.some((p) => p.name === name));
if (unknownPeers.length > 0) throw new Error(`unknown peer(s) ${unknownPeers.join(', ')}; known: ${ALL_PEERS.map((p) => p.name).join(', ')}`);
const log = (line: string) => process.stderr.write(`${line}\n`);

const hnswRows: HnswRow[] = [];
const exactRows: Row[] = [];
let filteredRows: Row[] = [];
let quantizedRows: Row[] = [];
const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

function datasetFor(dim: number): Dataset {
  const size = dim === 128 ? n : Math.round(n / 2);
  return clustered(`${size / 1000}k x ${dim}`, size, dim, q, dim);
}

/** Ground truth is the same for every peer of a dataset: computed once and kept next to the results. */
async function truthFor(ds: Dataset): Promise<Uint32Array[]> {
  const file = join(outDir, 'cache', `truth-${ds.n}x${ds.dim}-q${ds.queryCount}-seed${ds.dim}-k${K}.bin`);
  try {
    const bytes = await readFile(file);
    if (bytes.byteLength === ds.queryCount * K * 4) {
      const all = new Uint32Array(bytes.buffer, bytes.byteOffset, ds.queryCount * K).slice();
      return Array.from({ length: ds.queryCount }, (_, i) => all.subarray(i * K, (i + 1) * K));
    }
  } catch {
    // not computed yet
  }
  const t = performance.now();
  const truth = groundTruth(ds, K);
  log(`[${ds.name}] ground truth for ${ds.queryCount} queries in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const all = new Uint32Array(ds.queryCount * K);
  truth.forEach((ids, i) => all.set(ids.subarray(0, K), i * K));
  await mkdir(join(outDir, 'cache'), { recursive: true });
  await writeFile(file, all);
  return truth;
}

/** A row as the section contract wants it: nested objects become `outer.inner` fields, lists become JSON text. */
function flatRow(value: object, prefix = '', into: Row = {}): Row {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix + k;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') into[key] = v;
    else if (Array.isArray(v)) into[key] = JSON.stringify(v);
    else if (typeof v === 'object') flatRow(v as object, `${key}.`, into);
  }
  return into;
}

/** The quantized section's rows: the result's fields (other than its lists) beside each row of its lists. */
function flatQuantized(dataset: string, result: object): Row[] {
  const common: Row = { dataset };
  const lists: object[][] = [];
  for (const [k, v] of Object.entries(result)) {
    if (Array.isArray(v)) lists.push(v as object[]);
    else flatRow({ [k]: v }, '', common);
  }
  return lists.flat().map((r) => ({ ...common, ...flatRow(r) }));
}

for (const dim of datasetDims) {
  const ds = datasetFor(dim);
  const first = dim === datasetDims[0];
  if (first && sections.includes('exact')) {
    const exact = measureExactScan(ds, budgetMs);
    exactRows.push({ dataset: ds.name, ...exact });
    log(`[${ds.name}] exact scan: ${exact.scanGBs.toFixed(2)} GB/s (memory read ${exact.memoryGBs.toFixed(2)} GB/s)`);
  }
  if (first && sections.includes('filtered')) {
    const filtered = await measureFiltered(ds, 64, budgetMs);
    filteredRows = filtered.map((r) => ({ dataset: ds.name, ...r }));
    for (const r of filtered) log(`[${ds.name}] filtered ${r.selectivity * 100}% ${r.method}: recall ${r.recall.toFixed(4)}, ${r.qps.toFixed(0)} q/s`);
  }
  if (!sections.includes('hnsw') && !sections.includes('truth') && !(first && sections.includes('quantized'))) continue;
  // Computing it fills a vector storage whose WebAssembly memory never shrinks: a peer built after it in this
  // process would reuse those pages and look smaller. `npm run bench` computes it first, in a process of its own.
  const truth = await truthFor(ds);
  if (first && sections.includes('quantized')) {
    const quantized = await measureQuantized(ds, truth, [64, 128], budgetMs);
    quantizedRows = flatQuantized(ds.name, quantized);
    for (const r of quantized.rows) log(`[${ds.name}] ef=${r.ef} ${r.mode}: recall ${r.recall.toFixed(4)}, ${r.qps.toFixed(0)} q/s`);
  }
  if (!sections.includes('hnsw')) continue;
  for (const { load } of peers) {
    const peer = await load();
    settle();
    const before = memoryNow();
    let t = performance.now();
    let built: BuiltPeer | string | undefined;
    try {
      built = await peer.build(ds, PARAMS);
    } catch (e) {
      const msg = String((e as Error)?.message ?? e);
      built = `failed: ${msg.length > 160 ? `${msg.slice(0, 60)} ... ${msg.slice(-90)}` : msg}`;
    }
    const buildS = Math.round((performance.now() - t) / 100) / 10;
    if (typeof built === 'string') {
      hnswRows.push({ dataset: ds.name, peer: peer.name, buildS: null, memMB: null, graphMB: null, ef: null, recall: null, qps: null, queries: null, note: built });
      log(`[${ds.name}] ${peer.name}: ${built}`);
      continue;
    }
    settle();
    // The same measure for every peer, native, wasm or JS: what the process grew by, less the raw vectors.
    const memMB = mib(memoryNow() - before - ds.n * ds.dim * 4);
    const graphMB = built.indexBytes !== undefined ? mib(built.indexBytes) : null;
    log(`[${ds.name}] ${peer.name}: built in ${buildS} s, ${memMB} MB beyond the vectors`);
    try {
      for (const ef of built.efAware ? EFS : [0]) {
        t = performance.now();
        const r = await runQueries(built, truth, K, ef, budgetMs);
        const partial = r.queries < truth.length ? `${built.note ? '; ' : ''}${r.queries} queries` : '';
        hnswRows.push({ dataset: ds.name, peer: peer.name, buildS, memMB, graphMB, ef: built.efAware ? ef : null, recall: r.recall, qps: r.qps, queries: r.queries, note: (built.note ?? '') + partial });
        log(`[${ds.name}] ${peer.name} ef=${ef || 'n/a'}: recall ${r.recall.toFixed(4)}, ${r.qps.toFixed(0)} q/s`);
      }
    } finally {
      await built.dispose?.();
    }
    built = undefined;
  }
}

const params = { n, q, k: K, m: PARAMS.m, efConstruct: PARAMS.efConstruct, budgetS: budgetMs / 1000 };
const results: SectionResult[] = [];
if (sections.includes('hnsw')) results.push({ section: 'hnsw', rows: hnswRows as unknown as Row[] });
if (sections.includes('exact')) results.push({ section: 'exact', rows: exactRows });
if (sections.includes('filtered')) results.push({ section: 'filtered', rows: filteredRows });
if (sections.includes('quantized')) results.push({ section: 'quantized', rows: quantizedRows });

if (json) {
  console.log(JSON.stringify({ params, sections: results }));
} else {
  console.log(detailTables({ params, sections: results }));
  await mkdir(outDir, { recursive: true });
  const body = JSON.stringify({ when: new Date().toISOString(), node: process.version, params, sections: results }, null, 2);
  const file = join(outDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, body);
  await writeFile(join(outDir, 'run-latest.svg'), recallPlot(hnswRows));
  console.log(`results: ${file}`);
}
