import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncReplica, createEmbeddedClient, httpTransport, type FetchLike, type PullPage, type SyncTransport } from '@sextant/core';
import { startServer } from '@sextant/server';

/**
 * `node bench/dist/sync-bench.js`: what sync costs a Node client of a real server (started here on port 0 over a
 * temporary folder): the first copy of a collection (time, bytes received on the wire), then a delta of 100 changes
 * (time, bytes), at two collection sizes, to show that a delta costs what changed, not the collection's size; then
 * one more delta across a restart of the server (on the same folder), which must still arrive as changes.
 *
 * Bytes are counted on the TCP connection itself (a counting proxy between client and server), so they include
 * HTTP headers and are what a network would carry. Sizes: SEXTANT_SYNC_SIZES (default "10000,100000"; "2000,10000"
 * with --quick), SEXTANT_SYNC_DIM (384), SEXTANT_SYNC_GRAPH=0 skips building the HNSW graph before the first copy.
 * With --json, stdout's last line is `{ "section": "sync", "rows": [...] }` for `npm run bench`.
 */
const QUICK = process.argv.includes('--quick');
const JSON_OUT = process.argv.includes('--json');
const SIZES = (process.env['SEXTANT_SYNC_SIZES'] ?? (QUICK ? '2000,10000' : '10000,100000')).split(',').map(Number);
const DIM = Number(process.env['SEXTANT_SYNC_DIM'] ?? 384);
const GRAPH = process.env['SEXTANT_SYNC_GRAPH'] !== '0';
/** Delta rounds per size; the median is reported. */
const ROUNDS = QUICK ? 3 : 5;
const CHANGES = 100;
const BATCH = 1000;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

/** A TCP proxy to `target.port` (read per connection, so it follows a restarted server) counting the bytes it relays. */
async function countingProxy(target: { port: number }): Promise<{ port: number; received: () => number; sent: () => number; close: () => Promise<void> }> {
  let received = 0;
  let sent = 0;
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = connect(target.port, '127.0.0.1');
    sockets.add(client).add(upstream);
    upstream.on('data', (chunk: Buffer) => (received += chunk.length));
    client.on('data', (chunk: Buffer) => (sent += chunk.length));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    received: () => received,
    sent: () => sent,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}

interface SizeResult {
  points: number;
  initialMs: number;
  initialBytes: number;
  frameBytes: number;
  /** The whole `syncOnce`: the pull and applying it locally (the replica inserts changed points into its graph). */
  deltaMs: number;
  /** Only the pull: request, server, transfer, decoding. */
  deltaPullMs: number;
  deltaBytes: number;
  deltaPages: number;
  /** One more delta of 100 changes, half made before a server restart and half after, pulled after it. */
  restartBytes: number;
  restartMs: number;
  restartKinds: string;
}

async function measure(n: number): Promise<SizeResult> {
  const dir = await mkdtemp(join(tmpdir(), 'sextant-sync-bench-'));
  const start = () => startServer({
    host: '127.0.0.1', httpPort: 0, grpcPort: null, storagePath: join(dir, 'storage'), snapshotsPath: join(dir, 'snapshots'),
    apiKey: undefined, readOnlyApiKey: undefined,
  });
  let server = await start();
  const target = { port: server.httpPort };
  const proxy = await countingProxy(target);
  try {
    // Seeded points written in process (the REST path's JSON would dominate the set-up, not the sync).
    let db = server.client;
    const r = rng(n);
    const vector = () => Array.from({ length: DIM }, () => r() - 0.5);
    await db.createCollection('bench', { vectors: { size: DIM, distance: 'Cosine' }, optimizers_config: { indexing_threshold: GRAPH ? 1 : 100_000_000 } });
    for (let start = 0; start < n; start += BATCH) {
      const points = Array.from({ length: Math.min(BATCH, n - start) }, (_, i) => ({ id: start + i, vector: vector(), payload: { n: start + i, group: (start + i) % 17 } }));
      await db.upsert('bench', { points, wait: false });
    }
    await db.engine.resolve('bench').whenIndexed();

    const pages: PullPage['kind'][] = [];
    let pullMs = 0;
    const inner = httpTransport({ url: `http://127.0.0.1:${proxy.port}`, fetch: globalThis.fetch as unknown as FetchLike });
    const transport: SyncTransport = {
      pull: async (...args) => {
        const t0 = performance.now();
        const page = await inner.pull(...args);
        pullMs += performance.now() - t0;
        pages.push(page.kind);
        return page;
      },
      push: (...args) => inner.push(...args),
    };
    const local = await createEmbeddedClient();
    let frameBytes = 0;
    const replica = await SyncReplica.open(local.engine, { transport, collection: 'bench', live: false });
    const stopProgress = replica.subscribe((s) => {
      if (s.progress !== undefined) frameBytes = s.progress.total;
    });

    // 1. The first copy.
    let before = proxy.received();
    let t = performance.now();
    await replica.syncOnce();
    const initialMs = performance.now() - t;
    const initialBytes = proxy.received() - before;
    stopProgress();
    const copied = (await local.count('bench', { exact: true })).count;
    if (copied !== n || pages[0] !== 'snapshot') throw new Error(`first copy: ${copied} points (${pages.join()}), expected ${n} from a snapshot`);

    // 2. Deltas of 100 changes: 80 points rewritten, 10 payload edits, 10 deletions, spread over the id range.
    const times: number[] = [];
    const pullTimes: number[] = [];
    const bytes: number[] = [];
    let deltaPages = 0;
    const at = (round: number, i: number) => Math.floor(((i + round * 0.37) * n) / CHANGES) % n;
    const rewrite = (round: number, from: number, to: number) =>
      db.upsert('bench', { points: Array.from({ length: to - from }, (_, i) => ({ id: at(round, from + i), vector: vector(), payload: { n: at(round, from + i), round } })), wait: true });
    const edit = (round: number) =>
      db.setPayload('bench', { points: Array.from({ length: 10 }, (_, i) => at(round, 80 + i)), payload: { edited: round }, wait: true });
    const remove = (round: number) => db.delete('bench', { points: Array.from({ length: 10 }, (_, i) => at(round, 90 + i)), wait: true });
    for (let round = 0; round < ROUNDS; round++) {
      await rewrite(round, 0, 80);
      await edit(round);
      await remove(round);
      // The server's own graph inserts finish first, so they do not share the CPU with the measured pull.
      await db.engine.resolve('bench').whenIndexed();
      pages.length = 0;
      pullMs = 0;
      before = proxy.received();
      t = performance.now();
      await replica.syncOnce();
      times.push(performance.now() - t);
      pullTimes.push(pullMs);
      bytes.push(proxy.received() - before);
      deltaPages = pages.length;
      if (pages.some((k) => k !== 'changes')) throw new Error(`delta round ${round} pulled ${pages.join()}`);
    }

    // 3. The same delta across a server restart: the replica's checkpoint predates it and still gets changes.
    await rewrite(ROUNDS, 0, 40);
    await remove(ROUNDS);
    await server.close();
    server = await start();
    db = server.client;
    target.port = server.httpPort;
    await rewrite(ROUNDS, 40, 80);
    await edit(ROUNDS);
    await db.engine.resolve('bench').whenIndexed();
    pages.length = 0;
    before = proxy.received();
    t = performance.now();
    await replica.syncOnce();
    const restartMs = performance.now() - t;
    const restartBytes = proxy.received() - before;
    const restartKinds = pages.join(', ');
    if (pages.some((k) => k !== 'changes')) throw new Error(`the delta across the restart pulled ${restartKinds}`);

    const there = (await db.count('bench', { exact: true })).count;
    const here = (await local.count('bench', { exact: true })).count;
    if (there !== here) throw new Error(`replica has ${here} points, the server ${there}`);
    await replica.close();
    await local.close();
    return { points: n, initialMs, initialBytes, frameBytes, deltaMs: median(times), deltaPullMs: median(pullTimes), deltaBytes: median(bytes), deltaPages, restartBytes, restartMs, restartKinds };
  } finally {
    await proxy.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const results: SizeResult[] = [];
for (const n of SIZES) results.push(await measure(n));

console.log(`sync of ${DIM}-dimensional points from a live server (Node client, in-memory replica${GRAPH ? ', HNSW graph shipped' : ''}); delta = ${CHANGES} changes, median of ${ROUNDS}`);
console.log(['points', 'first copy', 'on the wire', 'delta', 'of it pull', 'delta wire', 'after restart'].map((h) => h.padStart(14)).join(''));
for (const r of results) {
  console.log(
    [String(r.points), `${(r.initialMs / 1000).toFixed(2)} s`, mb(r.initialBytes), `${r.deltaMs.toFixed(1)} ms`, `${r.deltaPullMs.toFixed(1)} ms`, kb(r.deltaBytes), kb(r.restartBytes)]
      .map((c) => c.padStart(14)).join('') + `  (${r.restartKinds})`,
  );
}
if (results.length > 1) {
  const [a, b] = [results[0]!, results[results.length - 1]!];
  console.log(
    `collection x${(b.points / a.points).toFixed(0)}: delta bytes x${(b.deltaBytes / a.deltaBytes).toFixed(2)}, ` +
      `delta time x${(b.deltaMs / a.deltaMs).toFixed(2)} (pull alone x${(b.deltaPullMs / a.deltaPullMs).toFixed(2)})`,
  );
}
if (JSON_OUT) {
  const rows = results.flatMap((r) => {
    const size = `${r.points / 1000}k x ${DIM}`;
    return [
      { metric: `${size}: first copy (snapshot) time`, value: Math.round(r.initialMs), unit: 'ms', note: GRAPH ? 'segment with its HNSW graph' : 'no graph' },
      { metric: `${size}: first copy bytes on the wire`, value: r.initialBytes, unit: 'bytes', note: `frame ${mb(r.frameBytes)}` },
      { metric: `${size}: delta of ${CHANGES} changes, time`, value: Math.round(r.deltaMs * 10) / 10, unit: 'ms', note: `median of ${ROUNDS}, ${r.deltaPages} pull(s); applying includes the replica's graph inserts` },
      { metric: `${size}: delta of ${CHANGES} changes, pull alone`, value: Math.round(r.deltaPullMs * 10) / 10, unit: 'ms', note: 'request, server, transfer, decode' },
      { metric: `${size}: delta of ${CHANGES} changes, bytes on the wire`, value: r.deltaBytes, unit: 'bytes', note: '80 rewritten, 10 payload edits, 10 deletions' },
      { metric: `${size}: delta of ${CHANGES} changes across a server restart, bytes on the wire`, value: r.restartBytes, unit: 'bytes', note: `pulled: ${r.restartKinds}; ${r.restartMs.toFixed(0)} ms` },
    ];
  });
  console.log(JSON.stringify({ section: 'sync', rows }));
}
