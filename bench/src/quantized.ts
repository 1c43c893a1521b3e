import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedClient } from '@sextant/core';
import { openDatabase } from '@sextant/server';
import type { Dataset } from './dataset.js';
import { memoryNow, settle } from './measure.js';
import { measureProductTurbo } from './quantized-extra.js';

export type QuantizedMode =
  | 'float'
  | 'int8 rescore'
  | 'int8 rescore x2'
  | 'int8 rescore x4'
  | 'int8 no rescore'
  | 'binary rescore x16'
  | 'binary rescore x32'
  | 'binary rescore x64'
  | 'binary no rescore'
  | 'binary q8 rescore x16'
  | 'binary q8 rescore x32'
  | 'binary 2bit q8 rescore x16'
  | 'binary 2bit q8 rescore x32'
  | 'int8 on disk rescore'
  | 'int8 on disk rescore x2'
  | 'int8 on disk rescore x4'
  | 'binary on disk rescore x16'
  | 'binary on disk rescore x32'
  | 'binary on disk rescore x64';

export interface QuantizedRow {
  ef: number;
  mode: QuantizedMode;
  recall: number;
  qps: number;
  /**
   * Bytes per point this mode keeps in RAM for the vector name, exact sizes of the arenas (capacity / points):
   * float vectors + HNSW graph, plus the mode's codes; `codeBytesPerPoint` is what quantization adds. The floats
   * stay in RAM in every mode but the `... on disk ...` ones (originals in a row file, `on_disk: true`, on real
   * files), where the engine counts what stays instead: the storage's live flags, overlay and scratch (`ramBytes`).
   */
  ramBytesPerPoint: number;
  /** Bytes per point of the quantized codes (0 for float): int8 codes + row sum, or the bit rows. */
  codeBytesPerPoint: number;
  /**
   * Process RSS growth when the codes were built, per point: measured after GC, from the same collection without
   * codes (noisy below a few MB; allocator pages already held can make it low).
   */
  codeRssBytesPerPoint: number;
}

export interface QuantizedResult {
  /** Bytes per point of the vectors searches rank: float arena vs the int8 codes vs the one-bit rows. */
  floatBytesPerPoint: number;
  int8BytesPerPoint: number;
  binaryBytesPerPoint: number;
  /** Bytes per point of the HNSW graph (every typed array it holds: links, levels, visited marks), shared by every mode. */
  graphBytesPerPoint: number;
  rows: QuantizedRow[];
}

const K = 10;
const COLLECTION = 'bench_quantized';
type Params = { ignore?: boolean; rescore?: boolean; oversampling?: number };
type Phase = { config: object; modes: { mode: QuantizedMode; quantization: Params }[] };

/** One config at a time on the same collection and graph: updateCollection swaps the codes, the graph stays. */
const PHASES: Phase[] = [
  {
    config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
    modes: [
      { mode: 'float', quantization: { ignore: true } },
      { mode: 'int8 rescore', quantization: { rescore: true } },
      { mode: 'int8 rescore x2', quantization: { rescore: true, oversampling: 2 } },
      { mode: 'int8 rescore x4', quantization: { rescore: true, oversampling: 4 } },
      { mode: 'int8 no rescore', quantization: { rescore: false } },
    ],
  },
  {
    // One bit a dimension, the query encoded alike: Hamming distance. 128 bits say little about 100k points, so
    // the walk keeps many more candidates than int8 needs (Qdrant's advice: binary for 1000+ dimensions).
    config: { binary: { always_ram: true } },
    modes: [
      { mode: 'binary rescore x16', quantization: { rescore: true, oversampling: 16 } },
      { mode: 'binary rescore x32', quantization: { rescore: true, oversampling: 32 } },
      { mode: 'binary rescore x64', quantization: { rescore: true, oversampling: 64 } },
      { mode: 'binary no rescore', quantization: { rescore: false } },
    ],
  },
  {
    // The same one-bit rows, the query kept as 8-bit values (asymmetric).
    config: { binary: { always_ram: true, query_encoding: 'scalar8bits' } },
    modes: [
      { mode: 'binary q8 rescore x16', quantization: { rescore: true, oversampling: 16 } },
      { mode: 'binary q8 rescore x32', quantization: { rescore: true, oversampling: 32 } },
    ],
  },
  {
    config: { binary: { always_ram: true, encoding: 'two_bits', query_encoding: 'scalar8bits' } },
    modes: [
      { mode: 'binary 2bit q8 rescore x16', quantization: { rescore: true, oversampling: 16 } },
      { mode: 'binary 2bit q8 rescore x32', quantization: { rescore: true, oversampling: 32 } },
    ],
  },
];

interface SlotView {
  storage: { capacity: number; dim: number; bytesPerVector?: number };
  index: { graph?: { g: object } };
  quantized?: { bytesPerVector: number; vectors: { capacity: number } };
}

/** Bytes of every typed array an object holds directly or in an array field (the graph's links, levels, scratch). */
function typedBytes(o: object): number {
  let bytes = 0;
  for (const v of Object.values(o)) {
    if (ArrayBuffer.isView(v)) bytes += v.byteLength;
    else if (Array.isArray(v)) for (const x of v) bytes += ArrayBuffer.isView(x) ? x.byteLength : 0;
  }
  return bytes;
}

/**
 * Scalar int8 and binary quantization against floats, through the embedded client as an app calls it: one Cosine
 * collection, its config switched with updateCollection (int8 quantile 0.99, then binary one_bit with the query
 * as bits, then with an 8-bit query, then two_bits rows with an 8-bit query), queried with `params.quantization` ignore (the float walk) or rescore /
 * oversampling, at each ef, round-robin (see below). Recall@10 is against `truth` (exact float top-10). Memory per
 * point is exact arena bytes (see QuantizedRow) plus the RSS growth when each config's codes were built.
 */
export async function measureQuantized(ds: Dataset, truth: Uint32Array[], efs: number[], budgetMs: number): Promise<QuantizedResult> {
  const { dim, n } = ds;
  const client = await createEmbeddedClient();
  await client.createCollection(COLLECTION, {
    vectors: { size: dim, distance: 'Cosine' },
    hnsw_config: { m: 16, ef_construct: 100 },
    quantization_config: PHASES[0]!.config as never,
  });
  for (let from = 0; from < n; from += 1000) {
    const points = [];
    for (let i = from; i < Math.min(n, from + 1000); i++) points.push({ id: i, vector: Array.from(ds.points.subarray(i * dim, (i + 1) * dim)) });
    await client.upsert(COLLECTION, { wait: true, points });
  }
  const collection = client.engine.resolve(COLLECTION) as unknown as { whenIndexed(): Promise<void>; segment: { slots: Map<string, SlotView> } };
  await collection.whenIndexed();
  const slot = () => collection.segment.slots.get('')!;
  const graphBytesPerPoint = typedBytes(slot().index.graph!.g) / n;
  // The vector arena and its live bits, by capacity (what is allocated, not just what is used).
  const floatRam = (slot().storage.capacity * (slot().storage.bytesPerVector ?? dim * 4 + 1)) / n;

  const queryCount = Math.min(ds.queryCount, truth.length);
  const raw: number[][] = [];
  for (let q = 0; q < queryCount; q++) raw.push(Array.from(ds.queries.subarray(q * dim, (q + 1) * dim)));

  // 1. Memory: each config's codes are built by the first search that uses them. RSS with the previous codes
  //    dropped (Disabled, one search) against RSS after this config's first search; exact sizes from the arenas.
  const probe = () => client.query(COLLECTION, { query: raw[0]!, limit: K, params: { hnsw_ef: efs[0]!, quantization: { rescore: true } } });
  const memory: { code: number; rss: number }[] = [];
  for (const phase of PHASES) {
    await client.updateCollection(COLLECTION, { quantization_config: 'Disabled' });
    await probe();
    settle();
    const before = process.memoryUsage().rss;
    await client.updateCollection(COLLECTION, { quantization_config: phase.config as never });
    await probe();
    settle();
    const q = slot().quantized!;
    memory.push({ code: (q.bytesPerVector * q.vectors.capacity) / n, rss: (process.memoryUsage().rss - before) / n });
  }

  // 2. Queries, round-robin: every (config, ef, mode) runs its next chunk of 25 queries in turn, so all of them
  //    meet the same load on a shared machine and their q/s compare; switching configs (rebuilding the codes)
  //    happens between chunks, outside the timing. Each keeps its best chunk rate, as runQueries does.
  const CHUNK = 25;
  const runs = PHASES.flatMap((phase, p) =>
    efs.flatMap((ef) => phase.modes.map(({ mode, quantization }) => ({ p, ef, mode, quantization, hits: 0, done: 0, best: 0, spent: 0 }))),
  );
  const search = async (r: (typeof runs)[number], i: number) =>
    (await client.query(COLLECTION, { query: raw[i]!, limit: K, params: { hnsw_ef: r.ef, quantization: r.quantization } })).points;
  for (let round = 0; runs.some((r) => r.done < queryCount && r.spent < budgetMs); round++) {
    for (const [p, phase] of PHASES.entries()) {
      await client.updateCollection(COLLECTION, { quantization_config: phase.config as never });
      await probe();
      for (const r of runs) {
        if (r.p !== p || r.done >= queryCount || r.spent >= budgetMs) continue;
        if (round === 0) for (let i = 0; i < Math.min(10, queryCount); i++) await search(r, i); // warm-up
        const t = performance.now();
        const end = Math.min(queryCount, r.done + CHUNK);
        const count = end - r.done;
        for (; r.done < end; r.done++) {
          const want = new Set(truth[r.done]!);
          for (const pt of await search(r, r.done)) if (want.has(pt.id as number)) r.hits++;
        }
        const ms = performance.now() - t;
        r.spent += ms;
        r.best = Math.max(r.best, count / (ms / 1000));
      }
    }
  }
  const rows: QuantizedRow[] = runs.map((r) => {
    const isFloat = r.mode === 'float';
    const { code, rss } = memory[r.p]!;
    return {
      ef: r.ef,
      mode: r.mode,
      recall: r.hits / (r.done * K),
      qps: r.best,
      ramBytesPerPoint: Math.round(floatRam + graphBytesPerPoint + (isFloat ? 0 : code)),
      codeBytesPerPoint: isFloat ? 0 : Math.round(code * 10) / 10,
      codeRssBytesPerPoint: isFloat ? 0 : Math.round(rss * 10) / 10,
    };
  });
  await client.deleteCollection(COLLECTION);
  rows.push(...((await measureProductTurbo(ds, truth, efs, budgetMs)) as QuantizedRow[]));
  rows.push(...(await measureOnDisk(ds, truth, efs, budgetMs)));
  return {
    floatBytesPerPoint: dim * 4,
    int8BytesPerPoint: dim,
    binaryBytesPerPoint: Math.ceil(dim / 8),
    graphBytesPerPoint: Math.round(graphBytesPerPoint),
    rows,
  };
}

/** The int8 and binary configs again, with the originals on disk, at the oversampling of their RAM rows. */
const DISK_PHASES: Phase[] = [
  {
    config: PHASES[0]!.config,
    modes: [
      { mode: 'int8 on disk rescore', quantization: { rescore: true } },
      { mode: 'int8 on disk rescore x2', quantization: { rescore: true, oversampling: 2 } },
      { mode: 'int8 on disk rescore x4', quantization: { rescore: true, oversampling: 4 } },
    ],
  },
  {
    config: PHASES[1]!.config,
    modes: [
      { mode: 'binary on disk rescore x16', quantization: { rescore: true, oversampling: 16 } },
      { mode: 'binary on disk rescore x32', quantization: { rescore: true, oversampling: 32 } },
      { mode: 'binary on disk rescore x64', quantization: { rescore: true, oversampling: 64 } },
    ],
  },
];

interface ColdSlotView extends SlotView {
  storage: SlotView['storage'] & { ramBytes?: number; isCold?: boolean };
}

/**
 * The same data on real files (openDatabase), twice: floats in RAM, then `on_disk: true` (the originals in a row
 * file, read back only to rescore). Each collection's process RSS, V8 heapUsed and ArrayBuffer growth per point is
 * taken from its own start to after its first flush (graph built, rows out of RAM) and logged to stderr beside the
 * engine's accounting (the on-disk one first; the RAM one's RSS can read low, reusing pages the first freed); the
 * on-disk collection is then queried like the RAM rows (same ef, same oversampling).
 */
export async function measureOnDisk(ds: Dataset, truth: Uint32Array[], efs: number[], budgetMs: number): Promise<QuantizedRow[]> {
  const { dim, n } = ds;
  const dir = await mkdtemp(join(tmpdir(), 'sextant-bench-cold-'));
  const db = await openDatabase({ path: dir });
  const say = (line: string) => process.stderr.write(`[quantized on disk] ${line}\n`);
  const rows: QuantizedRow[] = [];
  try {
    // On disk first, from a clean start: its RSS is the figure that matters, and the RAM collection measured after it
    // may reuse the pages its build arena gave back (then its RSS reads low; the engine's accounting does not).
    let query: (() => Promise<QuantizedRow[]>) | undefined;
    for (const onDisk of [true, false]) {
      const name = onDisk ? 'cold' : 'warm';
      settle();
      const { rss: rss0, heapUsed: heap0, arrayBuffers: buffers0 } = process.memoryUsage();
      const resident0 = memoryNow();
      await db.createCollection(name, {
        vectors: { size: dim, distance: 'Cosine', on_disk: onDisk },
        hnsw_config: { m: 16, ef_construct: 100 },
        quantization_config: DISK_PHASES[0]!.config as never,
      });
      for (let from = 0; from < n; from += 1000) {
        const points = [];
        for (let i = from; i < Math.min(n, from + 1000); i++) points.push({ id: i, vector: Array.from(ds.points.subarray(i * dim, (i + 1) * dim)) });
        await db.upsert(name, { wait: true, points });
      }
      const collection = db.engine.resolve(name) as unknown as { whenIndexed(): Promise<void>; segment: { slots: Map<string, ColdSlotView> } };
      await collection.whenIndexed();
      await db.flush();
      await db.query(name, { query: Array.from(ds.queries.subarray(0, dim)), limit: K, params: { hnsw_ef: efs[0]!, quantization: { rescore: true } } });
      settle();
      const now = process.memoryUsage();
      const rss = (now.rss - rss0) / n;
      const heap = (now.heapUsed - heap0) / n;
      // Live ArrayBuffer stores (typed arrays): unlike RSS, not lowered by reused free pages.
      const buffers = (now.arrayBuffers - buffers0) / n;
      // The README's memory measure: RSS less the heap's free pages (the load's garbage leaves megabytes of them).
      const resident = (memoryNow() - resident0) / n;
      const slot = collection.segment.slots.get('')!;
      const vectorRam = (slot.storage.ramBytes ?? slot.storage.capacity * (slot.storage.bytesPerVector ?? dim * 4 + 1)) / n;
      const graph = typedBytes(slot.index.graph!.g) / n;
      const code = (slot.quantized!.bytesPerVector * slot.quantized!.vectors.capacity) / n;
      say(
        `${onDisk ? 'originals on disk' : 'originals in RAM'} (int8, files): engine ${Math.round(vectorRam + graph + code)} B/point ` +
          `(vectors ${vectorRam.toFixed(1)}, graph ${graph.toFixed(1)}, codes ${code.toFixed(1)}), resident (RSS less free heap pages) +${resident.toFixed(0)} B/point, RSS +${rss.toFixed(0)} B/point, heapUsed +${heap.toFixed(0)} B/point, arrayBuffers +${buffers.toFixed(0)} B/point` +
          (onDisk ? `, rows in RAM: ${slot.storage.isCold ? 'no' : 'yes'}` : ''),
      );
      if (!onDisk) {
        await db.deleteCollection(name);
        continue;
      }
      query = () => queryOnDisk(db, name, ds, truth, efs, budgetMs, () => collection.segment.slots.get('')!, vectorRam + graph);
    }
    rows.push(...(await query!()));
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Round-robin chunks over (config, ef, mode), as the RAM rows run; memory per point from the engine's accounting. */
async function queryOnDisk(
  db: Awaited<ReturnType<typeof openDatabase>>,
  name: string,
  ds: Dataset,
  truth: Uint32Array[],
  efs: number[],
  budgetMs: number,
  slot: () => ColdSlotView,
  baseRam: number,
): Promise<QuantizedRow[]> {
  const { dim, n } = ds;
  const queryCount = Math.min(ds.queryCount, truth.length);
  const raw: number[][] = [];
  for (let q = 0; q < queryCount; q++) raw.push(Array.from(ds.queries.subarray(q * dim, (q + 1) * dim)));
  const probe = () => db.query(name, { query: raw[0]!, limit: K, params: { hnsw_ef: efs[0]!, quantization: { rescore: true } } });
  const memory: { code: number; rss: number }[] = [];
  for (const phase of DISK_PHASES) {
    await db.updateCollection(name, { quantization_config: 'Disabled' });
    await probe();
    settle();
    const before = process.memoryUsage().rss;
    await db.updateCollection(name, { quantization_config: phase.config as never });
    await probe();
    settle();
    const q = slot().quantized!;
    memory.push({ code: (q.bytesPerVector * q.vectors.capacity) / n, rss: (process.memoryUsage().rss - before) / n });
  }
  const CHUNK = 25;
  const runs = DISK_PHASES.flatMap((phase, p) => efs.flatMap((ef) => phase.modes.map(({ mode, quantization }) => ({ p, ef, mode, quantization, hits: 0, done: 0, best: 0, spent: 0 }))));
  for (let round = 0; runs.some((r) => r.done < queryCount && r.spent < budgetMs); round++) {
    for (const [p, phase] of DISK_PHASES.entries()) {
      await db.updateCollection(name, { quantization_config: phase.config as never });
      await probe();
      for (const r of runs) {
        if (r.p !== p || r.done >= queryCount || r.spent >= budgetMs) continue;
        const search = async (i: number) => (await db.query(name, { query: raw[i]!, limit: K, params: { hnsw_ef: r.ef, quantization: r.quantization } })).points;
        if (round === 0) for (let i = 0; i < Math.min(10, queryCount); i++) await search(i);
        const t = performance.now();
        const end = Math.min(queryCount, r.done + CHUNK);
        const count = end - r.done;
        for (; r.done < end; r.done++) {
          const want = new Set(truth[r.done]!);
          for (const pt of await search(r.done)) if (want.has(pt.id as number)) r.hits++;
        }
        const ms = performance.now() - t;
        r.spent += ms;
        r.best = Math.max(r.best, count / (ms / 1000));
      }
    }
  }
  return runs.map((r) => {
    const { code, rss } = memory[r.p]!;
    return {
      ef: r.ef,
      mode: r.mode,
      recall: r.hits / (r.done * K),
      qps: r.best,
      ramBytesPerPoint: Math.round(baseRam + code),
      codeBytesPerPoint: Math.round(code * 10) / 10,
      codeRssBytesPerPoint: Math.round(rss * 10) / 10,
    };
  });
}
