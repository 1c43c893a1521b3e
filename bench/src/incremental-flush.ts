import { createEmbeddedClient, encodeSegment, MemoryStorage, type Storage } from '@sextant/core';

/**
 * `node bench/dist/incremental-flush.js`: bytes written per flush after changing 100 points of a collection, with
 * the chunked (incremental) segment against what the single-blob format wrote for the same change, and reopen time.
 * Sizes: SEXTANT_MEASURE_POINTS (default 100000; 10000 with --quick), SEXTANT_MEASURE_DIM (128),
 * SEXTANT_MEASURE_GRAPH=0 skips HNSW. With --json, the last line of stdout is the `flush` section for `npm run bench`.
 */
const QUICK = process.argv.includes('--quick');
const JSON_OUT = process.argv.includes('--json');
const N = Number(process.env['SEXTANT_MEASURE_POINTS'] ?? (QUICK ? 10_000 : 100_000));
const DIM = Number(process.env['SEXTANT_MEASURE_DIM'] ?? 128);
const GRAPH = process.env['SEXTANT_MEASURE_GRAPH'] !== '0';
const PREFIX = 'collections/bench/';

class CountingStorage implements Storage {
  written = 0;
  constructor(readonly inner: MemoryStorage) {}
  read(name: string) {
    return this.inner.read(name);
  }
  write(name: string, bytes: Uint8Array) {
    this.written += bytes.length;
    return this.inner.write(name, bytes);
  }
  append(name: string, bytes: Uint8Array) {
    this.written += bytes.length;
    return this.inner.append(name, bytes);
  }
  delete(name: string) {
    return this.inner.delete(name);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  sync() {
    return this.inner.sync();
  }
  close() {
    return this.inner.close();
  }
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

const counting = new CountingStorage(new MemoryStorage());
const db = await createEmbeddedClient({ storage: counting });
await db.createCollection('bench', {
  vectors: { size: DIM, distance: 'Cosine' },
  optimizers_config: { indexing_threshold: GRAPH ? 1 : 100_000_000 },
});
const r = rng(1);
const batch = (ids: number[]) => ids.map((id) => ({ id, vector: Array.from({ length: DIM }, () => r() - 0.5), payload: { id, group: id % 17 } }));
for (let start = 0; start < N; start += 2000) {
  await db.upsert('bench', { points: batch(Array.from({ length: Math.min(2000, N - start) }, (_, i) => start + i)) });
}
const collection = db.engine.resolve('bench');
let t = performance.now();
await collection.whenIndexed();
const indexMs = performance.now() - t;
await db.flush();
const previousSegment = encodeSegment(collection.segment.encode()).length;
// What storage holds after the load and a flush (both generations, their shared chunks once, both op logs): the
// same blobs a FileStorage keeps as files.
let stored = 0;
for (const name of await counting.list(PREFIX)) stored += (await counting.read(name))!.length;
const rawVectors = N * DIM * 4;
const segmentBytes = collection.lastFlush!.segmentBytes;

// 100 points changed (new vectors and payloads), spread over the id range.
await db.upsert('bench', { points: batch(Array.from({ length: 100 }, (_, i) => Math.floor((i * N) / 100))) });
await collection.whenIndexed();
// What the single-blob flush wrote for the same change: the old segment copied to segment.prev, the log copied to
// wal.prev, the whole new segment.
const walBytes = collection.logBytes;
counting.written = 0;
t = performance.now();
await db.flush();
const flushMs = performance.now() - t;
const incremental = counting.written;
const stats = collection.lastFlush!;
const graphSize = collection.segment.encode().sections.get('hnsw/')?.length ?? 0;
const graphWritten = stats.sections['hnsw/'] ?? 0;
const bySection = Object.entries(stats.sections)
  .filter(([, bytes]) => bytes > 0)
  .map(([name, bytes]) => `${name} ${mb(bytes)}`)
  .join(', ');
const singleBlob = previousSegment + walBytes + encodeSegment(collection.segment.encode()).length;

// Reopen from the chunked form, and from the same state as one old-format blob; best of three, alternating, so
// that neither pays alone for the first (cold) decode.
const legacy = new MemoryStorage();
await legacy.write(`${PREFIX}config`, (await counting.read(`${PREFIX}config`))!);
await legacy.write(`${PREFIX}segment`, encodeSegment(collection.segment.encode()));
await legacy.write(`${PREFIX}wal`, new Uint8Array(0));
let reopenMs = Infinity;
let legacyMs = Infinity;
let reopened = await createEmbeddedClient({ storage: counting.inner });
let fromLegacy = reopened;
for (let round = 0; round < 3; round++) {
  t = performance.now();
  reopened = await createEmbeddedClient({ storage: counting.inner });
  reopenMs = Math.min(reopenMs, performance.now() - t);
  t = performance.now();
  // No flush or close afterwards: the legacy storage keeps its single blob for the next round.
  fromLegacy = await createEmbeddedClient({ storage: legacy });
  legacyMs = Math.min(legacyMs, performance.now() - t);
}
const blobs = (await counting.list(`${PREFIX}blobs/`)).length;

console.log(
  [
    `points ${N} x ${DIM}${GRAPH ? ' with HNSW' : ''} (graph built in ${(indexMs / 1000).toFixed(1)} s)`,
    `stored after the load and a flush: ${mb(stored)}, ${(stored / segmentBytes).toFixed(2)}x the segment's ${mb(segmentBytes)} ` +
      `(${(stored / rawVectors).toFixed(2)}x the ${mb(rawVectors)} of float32 vectors)`,
    `flush after 100 changed points: single-blob format wrote ${mb(singleBlob)}; incremental wrote ${mb(incremental)} ` +
      `(${stats.chunksWritten} blobs written, ${stats.chunksKept} kept) in ${flushMs.toFixed(0)} ms`,
    `  by section: ${bySection}; the graph ${mb(graphWritten)} of its ${mb(graphSize)}`,
    `reopen: chunked ${reopenMs.toFixed(0)} ms from ${blobs} chunk blobs (both generations); single blob ${legacyMs.toFixed(0)} ms`,
  ].join('\n'),
);
const points = (await reopened.count('bench', { exact: true })).count;
const legacyPoints = (await fromLegacy.count('bench', { exact: true })).count;
if (points !== N || legacyPoints !== N) throw new Error(`reopened ${points} / ${legacyPoints} points, expected ${N}`);
if (JSON_OUT) {
  const size = `${N / 1000}k x ${DIM}`;
  const rows = [
    { metric: `${size}: bytes written by a flush after 100 changed points`, value: incremental, unit: 'bytes', note: `single-blob format: ${mb(singleBlob)}; graph ${mb(graphWritten)} of ${mb(graphSize)}` },
    { metric: `${size}: stored after the load and a flush`, value: stored, unit: 'bytes', note: `${(stored / segmentBytes).toFixed(2)}x the segment, ${(stored / rawVectors).toFixed(2)}x the float32 vectors` },
    { metric: `${size}: that flush's time`, value: Math.round(flushMs), unit: 'ms', note: `${stats.chunksWritten} chunks written, ${stats.chunksKept} kept` },
    { metric: `${size}: reopen from storage`, value: Math.round(reopenMs), unit: 'ms', note: `single blob: ${legacyMs.toFixed(0)} ms` },
  ];
  console.log(JSON.stringify({ section: 'flush', rows }));
}
