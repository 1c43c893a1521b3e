import { type DenseVectors, HnswIndex, createDenseVectors, exactSearch, linkOnThreads } from '@sextant/core';
import { SearchPool } from '@sextant/server';
import { clustered, type Dataset } from './dataset.js';
import { memoryNow, settle } from './measure.js';

/**
 * `node bench/dist/datatypes.js [--quick] [--json]`: the vector datatypes of issue 8 (float32, float16, uint8) on
 * the clustered 100,000 x 128 set (10,000 with --quick; SEXTANT_MEASURE_POINTS / SEXTANT_MEASURE_DIM override):
 * memory per point, recall@10 and queries per second of the HNSW walk (ef 64, 128) and of an exact scan.
 *
 * Two data sets, because uint8 only holds integers 0..255: the raw floats (float32 vs float16, Cosine) and the
 * same floats mapped into the byte range (x * 32 + 128, so that casting truncates; float32 vs uint8, Cosine).
 * `recall` is against the exact float32 top-10 of the data the row was built from (what the datatype costs in
 * answers, graph included); `ownRecall` against the exact top-10 of the datatype's own stored values (the graph
 * alone). Memory: `vectorBytesPerPoint` is what the storage holds per slot (bytesPerVector: row, live flag,
 * per-row extras), `graphBytesPerPoint` the HNSW arrays, `rssBytesPerPoint` the process growth while the
 * vectors were written (noisy). Searches of the four builds run interleaved, 25 queries each in turn, so a shared
 * machine's load hits them alike. With --json, stdout's last line is `{ "section": "datatypes", "rows": [...] }`.
 * With --threads, 2 search threads start first (every arena shared, as a server with threads has them) and each
 * datatype's graph is built a second time on them (`threadedBuildSeconds`, batch-parallel: build-batches.ts); the
 * searches still walk the serial build. bench/build-threads.ts A/Bs the two builds over several rounds.
 */
const QUICK = process.argv.includes('--quick');
const JSON_OUT = process.argv.includes('--json');
const N = Number(process.env['SEXTANT_MEASURE_POINTS'] ?? (QUICK ? 10_000 : 100_000));
const DIM = Number(process.env['SEXTANT_MEASURE_DIM'] ?? 128);
const QUERIES = QUICK ? 200 : 500;
const EFS = [64, 128];
const K = 10;
const BUDGET_MS = QUICK ? 1500 : 4000;
// Before any storage exists: only memory made after the threads are announced is shared with them.
const POOL = process.argv.includes('--threads') ? SearchPool.start(2) : undefined;

export interface DatatypeRow {
  data: 'raw' | 'byte-range';
  datatype: 'float32' | 'float16' | 'uint8';
  /** 'exact' for the brute-force scan, else the HNSW ef. */
  search: 'exact' | number;
  recall: number;
  ownRecall: number;
  qps: number;
  vectorBytesPerPoint: number;
  graphBytesPerPoint: number;
  rssBytesPerPoint: number;
  buildSeconds: number;
  /** The same graph built on 2 search threads (--threads only). */
  threadedBuildSeconds?: number;
}

function toByteRange(ds: Dataset): Dataset {
  const map = (a: Float32Array) => Float32Array.from(a, (x) => Math.min(255.99, Math.max(0, x * 32 + 128)));
  return { ...ds, name: `${ds.name} byte-range`, points: map(ds.points), queries: map(ds.queries) };
}

function row(a: Float32Array, i: number, dim: number): Float32Array {
  return a.subarray(i * dim, (i + 1) * dim);
}

function topK(vs: DenseVectors, ds: Dataset): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (let q = 0; q < ds.queryCount; q++) out.push(exactSearch(vs, vs.prepareQuery(row(ds.queries, q, ds.dim)), K).ids);
  return out;
}

function recallOf(found: Uint32Array, want: Uint32Array): number {
  const set = new Set(want);
  let hits = 0;
  for (const id of found) if (set.has(id)) hits++;
  return hits;
}

interface Built {
  ds: Dataset;
  vs: DenseVectors;
  index: HnswIndex;
  common: Omit<DatatypeRow, 'search' | 'recall' | 'ownRecall' | 'qps'>;
  truth: Uint32Array[];
  own: Uint32Array[];
}

async function build(ds: Dataset, datatype: DatatypeRow['datatype']): Promise<Omit<Built, 'truth'>> {
  settle();
  const before = memoryNow();
  const t0 = performance.now();
  const vs = createDenseVectors(ds.dim, 'Cosine', datatype, ds.n);
  for (let i = 0; i < ds.n; i++) vs.set(i, row(ds.points, i, ds.dim));
  settle();
  const rss = (memoryNow() - before) / ds.n;
  const index = new HnswIndex(vs, { m: 16, efConstruct: 100, seed: 1 });
  for (let i = 0; i < ds.n; i++) index.insert(i);
  const buildSeconds = (performance.now() - t0) / 1000;
  let threadedBuildSeconds: number | undefined;
  if (POOL !== undefined) {
    const t1 = performance.now();
    await linkOnThreads(new HnswIndex(vs, { m: 16, efConstruct: 100, seed: 1 }), Uint32Array.from({ length: ds.n }, (_, i) => i), POOL);
    threadedBuildSeconds = Math.round((performance.now() - t1) / 100) / 10;
  }
  // The graph's arrays: layer 0, levels, and the upper layers (one pool and its offsets, or per-node arrays).
  type GraphArrays = { links0: Uint32Array; levels: Int8Array; upperAt?: Uint32Array; upperPool?: Uint32Array; upper?: (Uint32Array | undefined)[] };
  const g = (index as unknown as { g: GraphArrays }).g;
  let graphBytes = g.links0.byteLength + g.levels.byteLength + (g.upperAt?.byteLength ?? 0) + (g.upperPool?.byteLength ?? 0);
  for (const u of g.upper ?? []) graphBytes += u?.byteLength ?? 0;
  const common = {
    data: ds.name.endsWith('byte-range') ? ('byte-range' as const) : ('raw' as const),
    datatype,
    vectorBytesPerPoint: (vs.bytesPerVector * vs.capacity) / ds.n,
    graphBytesPerPoint: Math.round(graphBytes / ds.n),
    rssBytesPerPoint: Math.round(rss),
    buildSeconds: Math.round(buildSeconds * 10) / 10,
    threadedBuildSeconds,
  };
  const threaded = threadedBuildSeconds === undefined ? '' : `, ${threadedBuildSeconds}s on 2 threads`;
  console.log(`built ${common.data} ${datatype} in ${common.buildSeconds}s${threaded}`);
  return { ds, vs, index, common, own: topK(vs, ds) };
}

/**
 * One search mode over every configuration, interleaved: each round runs the next 25 queries on each in turn, so
 * load from elsewhere on a shared machine hits them alike; q/s is each one's best round (as runQueries).
 */
function runInterleaved(all: Built[], search: 'exact' | number): DatatypeRow[] {
  const fn = (b: Built) => (q: Float32Array) =>
    search === 'exact' ? exactSearch(b.vs, b.vs.prepareQuery(q), K).ids : b.index.search(b.vs.prepareQuery(q), K, search).ids;
  const state = all.map((b) => ({ b, search: fn(b), done: 0, hits: 0, ownHits: 0, best: 0 }));
  for (const s of state) for (let q = 0; q < Math.min(10, s.b.ds.queryCount); q++) s.search(row(s.b.ds.queries, q, s.b.ds.dim));
  const start = performance.now();
  while (state.some((s) => s.done < s.b.ds.queryCount) && performance.now() - start < BUDGET_MS * all.length) {
    for (const s of state) {
      const { ds } = s.b;
      const end = Math.min(ds.queryCount, s.done + 25);
      if (end === s.done) continue;
      const chunk = end - s.done;
      const t = performance.now();
      for (; s.done < end; s.done++) {
        const ids = s.search(row(ds.queries, s.done, ds.dim));
        s.hits += recallOf(ids, s.b.truth[s.done]!);
        s.ownHits += recallOf(ids, s.b.own[s.done]!);
      }
      s.best = Math.max(s.best, chunk / ((performance.now() - t) / 1000));
    }
  }
  return state.map((s) => ({
    ...s.b.common,
    search,
    recall: s.hits / (s.done * K),
    ownRecall: s.ownHits / (s.done * K),
    qps: Math.round(s.best),
  }));
}

export async function measureDatatypes(n = N, dim = DIM): Promise<DatatypeRow[]> {
  const raw = clustered('clustered', n, dim, QUERIES, 42);
  const bytes = toByteRange(raw);
  const all: Built[] = [];
  for (const [ds, compact] of [
    [raw, 'float16'],
    [bytes, 'uint8'],
  ] as const) {
    // The float32 build's exact answers are the truth of its data set.
    const f32 = await build(ds, 'float32');
    all.push({ ...f32, truth: f32.own });
    all.push({ ...(await build(ds, compact)), truth: f32.own });
  }
  const rows: DatatypeRow[] = [];
  for (const search of ['exact', ...EFS] as const) {
    const out = runInterleaved(all, search);
    for (const r of out) log(r);
    rows.push(...out);
  }
  return rows;
}

function log(r: DatatypeRow): void {
  const search = r.search === 'exact' ? 'exact  ' : `ef ${String(r.search).padEnd(4)}`;
  console.log(
    `${r.data.padEnd(10)} ${r.datatype.padEnd(7)} ${search} recall ${r.recall.toFixed(3)} own ${r.ownRecall.toFixed(3)} ` +
      `${String(r.qps).padStart(6)} q/s  vector ${r.vectorBytesPerPoint.toFixed(1)} B/pt  graph ${r.graphBytesPerPoint} B/pt  ` +
      `rss ${r.rssBytesPerPoint} B/pt  build ${r.buildSeconds}s`,
  );
}

if (process.argv[1] !== undefined && /datatypes\.(m?js|ts)$/.test(process.argv[1])) {
  console.log(`datatypes: ${N} x ${DIM}, ${QUERIES} queries, Cosine, HNSW m 16 ef_construct 100`);
  const rows = await measureDatatypes();
  await POOL?.close();
  if (JSON_OUT) console.log(JSON.stringify({ section: 'datatypes', rows }));
}
