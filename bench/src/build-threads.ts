/**
 * `node bench/dist/build-threads.js [n] [dim] [reps] [datatypes]`: Sextant's HNSW build serial against the
 * batch-parallel build on 2 worker_threads (the server's search pool), alternating A/B on the same seeded clustered
 * data, with wall clock and the process's CPU time (owner and threads together) of each, then the medians. CPU time
 * is the figure that survives a busy machine: the threads' work against the serial build's; wall clock shows the
 * speed-up only when two cores are free.
 *
 * `datatypes`: comma-separated, default float32; float16 and uint8 store the same rows as those datatypes (uint8:
 * mapped into the byte range, x * 32 + 128, as bench/datatypes.ts does), Cosine throughout.
 */
import { type DenseVectors, HnswIndex, createDenseVectors, exactSearch, linkOnThreads } from '@sextant/core';
import { SearchPool } from '@sextant/server';
import { clustered } from './dataset.js';

type Datatype = 'float32' | 'float16' | 'uint8';
const n = Number(process.argv[2] ?? 30_000);
const dim = Number(process.argv[3] ?? 128);
const reps = Number(process.argv[4] ?? 3);
const datatypes = (process.argv[5] ?? 'float32').split(',') as Datatype[];
// Before any storage exists: only memory made after the threads are announced is shared with them.
const pool = SearchPool.start(2);
if (pool === undefined) throw new Error('no worker threads or shared memory here');
const QUERIES = 200;
const ds = clustered(`${n} x ${dim}`, n, dim, QUERIES, dim);
const toBytes = (a: Float32Array) => Float32Array.from(a, (x) => Math.min(255.99, Math.max(0, x * 32 + 128)));
const bytes = toBytes(ds.points);
const byteQueries = toBytes(ds.queries);

function filled(datatype: Datatype): HnswIndex {
  const vs: DenseVectors = createDenseVectors(dim, 'Cosine', datatype, n);
  const points = datatype === 'uint8' ? bytes : ds.points;
  for (let i = 0; i < n; i++) vs.set(i, points.subarray(i * dim, (i + 1) * dim));
  return new HnswIndex(vs, { m: 16, efConstruct: 100, seed: 100 });
}

async function timed(datatype: Datatype, build: (index: HnswIndex) => Promise<void> | void): Promise<{ wall: number; cpu: number; index: HnswIndex }> {
  const index = filled(datatype);
  const cpu = process.cpuUsage();
  const t = performance.now();
  await build(index);
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - t) / 1000, cpu: (used.user + used.system) / 1e6, index };
}

/** recall@10 at ef 64 against the exact top 10 of the stored (rounded / cast) rows. */
function recall(index: HnswIndex, datatype: Datatype): number {
  const vs = index.vectors;
  const queries = datatype === 'uint8' ? byteQueries : ds.queries;
  let hit = 0;
  for (let q = 0; q < QUERIES; q++) {
    const query = vs.prepareQuery(queries.subarray(q * dim, (q + 1) * dim));
    const truth = new Set(exactSearch(vs, query, 10).ids);
    for (const id of index.search(query, 10, 64).ids) if (truth.has(id)) hit++;
  }
  return hit / (QUERIES * 10);
}

const ids = Uint32Array.from({ length: n }, (_, i) => i);
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary: string[] = [];
for (const datatype of datatypes) {
  const serial: { wall: number; cpu: number }[] = [];
  const threaded: { wall: number; cpu: number }[] = [];
  // Every serial build is the same graph (seeded); threaded ones differ with timing: recall of the last of each.
  let last: HnswIndex[] = [];
  for (let r = 0; r < reps; r++) {
    last = [];
    const a = await timed(datatype, (index) => ids.forEach((id) => index.insert(id)));
    const b = await timed(datatype, (index) => linkOnThreads(index, ids, pool));
    serial.push({ wall: a.wall, cpu: a.cpu });
    threaded.push({ wall: b.wall, cpu: b.cpu });
    last = [a.index, b.index];
    const s = serial[r]!;
    const t = threaded[r]!;
    console.log(`${datatype} rep ${r + 1}: serial ${s.wall.toFixed(2)} s (cpu ${s.cpu.toFixed(2)} s), 2 threads ${t.wall.toFixed(2)} s (cpu ${t.cpu.toFixed(2)} s)`);
  }
  const rs = recall(last[0]!, datatype);
  const rt = recall(last[1]!, datatype);
  const ms = { wall: median(serial.map((x) => x.wall)), cpu: median(serial.map((x) => x.cpu)) };
  const mt = { wall: median(threaded.map((x) => x.wall)), cpu: median(threaded.map((x) => x.cpu)) };
  summary.push(
    `${datatype} ${n} x ${dim}, medians of ${reps}: serial ${ms.wall.toFixed(2)} s wall, ${ms.cpu.toFixed(2)} s cpu; ` +
      `2 threads ${mt.wall.toFixed(2)} s wall, ${mt.cpu.toFixed(2)} s cpu (${(ms.wall / mt.wall).toFixed(2)}x faster, ${(mt.cpu / ms.cpu).toFixed(2)}x the serial work); ` +
      `recall@10 ef 64 ${rs.toFixed(3)} serial, ${rt.toFixed(3)} threaded`,
  );
}
await pool.close();
for (const line of summary) console.log(line);
