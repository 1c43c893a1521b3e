import { createEmbeddedClient } from '@sextant/core';
import type { Dataset } from './dataset.js';
import { settle } from './measure.js';

/** A row of the quantized section (the shape of quantized.ts's QuantizedRow, with this file's modes). */
export interface ProductTurboRow {
  ef: number;
  mode: string;
  recall: number;
  qps: number;
  ramBytesPerPoint: number;
  codeBytesPerPoint: number;
  codeRssBytesPerPoint: number;
}

const K = 10;
const COLLECTION = 'bench_quantized_pq_tq';
type Params = { rescore?: boolean; oversampling?: number };

/**
 * Product and turbo quantization, each config at the oversampling its codes need. One run on 100k x 128 clustered,
 * ef 64 (recall@10): product x4 0.98 at x2, x16 0.86 / 0.97 at x8 / x16, x32 0.83 / 0.97 at x16 / x32; turbo bits4
 * 0.96 at x2, bits2 0.81 / 0.94 at x4 / x8, bits1 0.88 / 0.98 at x16 / x32.
 */
const PHASES: { name: string; config: object; modes: { mode: string; quantization: Params }[] }[] = [
  { name: 'product x4', config: { product: { compression: 'x4', always_ram: true } }, modes: [{ mode: 'product x4 rescore x2', quantization: { oversampling: 2 } }] },
  {
    name: 'product x16',
    config: { product: { compression: 'x16', always_ram: true } },
    modes: [
      { mode: 'product x16 rescore x8', quantization: { oversampling: 8 } },
      { mode: 'product x16 rescore x16', quantization: { oversampling: 16 } },
    ],
  },
  {
    name: 'product x32',
    config: { product: { compression: 'x32', always_ram: true } },
    modes: [
      { mode: 'product x32 rescore x16', quantization: { oversampling: 16 } },
      { mode: 'product x32 rescore x32', quantization: { oversampling: 32 } },
    ],
  },
  { name: 'turbo bits4', config: { turbo: { bits: 'bits4', always_ram: true } }, modes: [{ mode: 'turbo bits4 rescore x2', quantization: { oversampling: 2 } }] },
  {
    name: 'turbo bits2',
    config: { turbo: { bits: 'bits2', always_ram: true } },
    modes: [
      { mode: 'turbo bits2 rescore x4', quantization: { oversampling: 4 } },
      { mode: 'turbo bits2 rescore x8', quantization: { oversampling: 8 } },
    ],
  },
  {
    name: 'turbo bits1',
    config: { turbo: { bits: 'bits1', always_ram: true } },
    modes: [
      { mode: 'turbo bits1 rescore x16', quantization: { oversampling: 16 } },
      { mode: 'turbo bits1 rescore x32', quantization: { oversampling: 32 } },
    ],
  },
];

interface SlotView {
  storage: { capacity: number; dim: number; bytesPerVector?: number };
  index: { graph?: { g: object } };
  quantized?: { bytesPerVector: number; vectors: { capacity: number } };
}

/** Runs `work` while timing the event loop's turns (a 1 ms timer's lateness); returns the longest turn in ms. */
async function longestTurn(work: () => Promise<void>): Promise<number> {
  let longest = 0;
  let last = performance.now();
  let on = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (on) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  await work();
  on = false;
  return longest;
}

function typedBytes(o: object): number {
  let bytes = 0;
  for (const v of Object.values(o)) {
    if (ArrayBuffer.isView(v)) bytes += v.byteLength;
    else if (Array.isArray(v)) for (const x of v) bytes += ArrayBuffer.isView(x) ? x.byteLength : 0;
  }
  return bytes;
}

/**
 * Rows for product (x4, x16, x32) and turbo (bits4, bits2, bits1) quantization, through the embedded client: one
 * Cosine collection and graph, its config switched with updateCollection one config at a time (a product fit
 * costs seconds at 100k points, so configs do not alternate as quantized.ts's do); within a config the (ef, mode)
 * cells run round-robin in chunks of 25 queries. Recall@10 against `truth`; memory per point as quantized.ts
 * counts it (float arena + graph + codes, all in RAM) and the RSS growth when the codes were built. The time each
 * config's background fit + encode took, the event loop's longest turn meanwhile and the first search's time (it
 * answers from the floats) go to stderr.
 */
export async function measureProductTurbo(ds: Dataset, truth: Uint32Array[], efs: number[], budgetMs: number): Promise<ProductTurboRow[]> {
  const { dim, n } = ds;
  const client = await createEmbeddedClient();
  await client.createCollection(COLLECTION, { vectors: { size: dim, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 100 } });
  for (let from = 0; from < n; from += 1000) {
    const points = [];
    for (let i = from; i < Math.min(n, from + 1000); i++) points.push({ id: i, vector: Array.from(ds.points.subarray(i * dim, (i + 1) * dim)) });
    await client.upsert(COLLECTION, { wait: true, points });
  }
  const collection = client.engine.resolve(COLLECTION) as unknown as {
    whenIndexed(): Promise<void>;
    indexing: boolean;
    segment: { slots: Map<string, SlotView> };
    whenIdle(): Promise<void>;
  };
  // Background indexing (graph links, quantization fits) done, waiting on the slices rather than running them in one turn.
  collection.whenIdle = async () => {
    while (collection.indexing) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  await collection.whenIndexed();
  const slot = () => collection.segment.slots.get('')!;
  const graph = typedBytes(slot().index.graph!.g) / n;
  const floatRam = (slot().storage.capacity * (slot().storage.bytesPerVector ?? dim * 4 + 1)) / n;
  const queryCount = Math.min(ds.queryCount, truth.length);
  const raw: number[][] = [];
  for (let q = 0; q < queryCount; q++) raw.push(Array.from(ds.queries.subarray(q * dim, (q + 1) * dim)));
  const probe = () => client.query(COLLECTION, { query: raw[0]!, limit: K, params: { hnsw_ef: efs[0]!, quantization: { rescore: true } } });
  const rows: ProductTurboRow[] = [];
  try {
    for (const phase of PHASES) {
      await client.updateCollection(COLLECTION, { quantization_config: 'Disabled' });
      await probe();
      settle();
      const before = process.memoryUsage().rss;
      await client.updateCollection(COLLECTION, { quantization_config: phase.config as never });
      // The fit + encode runs in background slices; the first search answers from the floats meanwhile.
      const t0 = performance.now();
      await probe();
      const firstMs = performance.now() - t0;
      const longest = await longestTurn(() => collection.whenIdle());
      const buildMs = performance.now() - t0;
      settle();
      const rss = (process.memoryUsage().rss - before) / n;
      const q = slot().quantized!;
      const code = (q.bytesPerVector * q.vectors.capacity) / n;
      process.stderr.write(
        `[quantized ${phase.name}] codes ${q.bytesPerVector} B/point, fit + encode ${n} points in the background ${(buildMs / 1000).toFixed(1)} s ` +
          `(longest turn ${longest.toFixed(0)} ms, first search ${firstMs.toFixed(1)} ms)\n`,
      );
      const runs = efs.flatMap((ef) => phase.modes.map(({ mode, quantization }) => ({ ef, mode, quantization, hits: 0, done: 0, best: 0, spent: 0 })));
      const search = async (r: (typeof runs)[number], i: number) =>
        (await client.query(COLLECTION, { query: raw[i]!, limit: K, params: { hnsw_ef: r.ef, quantization: { rescore: true, ...r.quantization } } })).points;
      for (let round = 0; runs.some((r) => r.done < queryCount && r.spent < budgetMs); round++) {
        for (const r of runs) {
          if (r.done >= queryCount || r.spent >= budgetMs) continue;
          if (round === 0) for (let i = 0; i < Math.min(10, queryCount); i++) await search(r, i);
          const t = performance.now();
          const end = Math.min(queryCount, r.done + 25);
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
      for (const r of runs) {
        rows.push({
          ef: r.ef,
          mode: r.mode,
          recall: r.hits / (r.done * K),
          qps: r.best,
          ramBytesPerPoint: Math.round(floatRam + graph + code),
          codeBytesPerPoint: Math.round(code * 10) / 10,
          codeRssBytesPerPoint: Math.round(rss * 10) / 10,
        });
      }
    }
  } finally {
    await client.deleteCollection(COLLECTION);
  }
  return rows;
}
