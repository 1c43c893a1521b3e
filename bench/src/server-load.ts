import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '@sextant/server';
import type { RunningServer, ServerConfig } from '@sextant/server';
import { clustered } from './dataset.js';
import type { ClientJob, RestGenerator } from './server-load-client.js';
import { closedLoop } from './server-load-latency.js';
import type { LoadResult } from './server-load-latency.js';
import { create, toBinary } from '@bufbuild/protobuf';
import { QueryPointsSchema } from '@sextant/proto';
import { grpcAnswerFrame, startGrpcFloor, startHttpFloor } from './server-load-floor.js';
import { wrkAvailable } from './server-load-wrk.js';

/**
 * Server load (issue 9): queries/s and p50/p99 latency of the same nearest-neighbour query in process, over REST
 * and over gRPC, at 1 and 16 concurrent clients, against the real server (REST + gRPC on free ports, data in a
 * temp folder). The load comes from a separate process, so the transport figures include serialization, the
 * network stack and the server's request handling, and the client's own work does not share the server's event
 * loop. On a small machine the client process still shares the cores: the overhead is an upper bound.
 *
 * Each row runs with the server's search threads on (graph walks on worker_threads over shared memory, the
 * server's default) and off (every walk on the event loop), against the same server, data and graph: the
 * executor is detached for the "off" rows. In-process rows follow the same switch, so each overhead compares
 * like with like.
 */
export interface ServerLoadOptions {
  n: number;
  dim: number;
  queryCount: number;
  seed: number;
  limit: number;
  concurrencies: number[];
  warmupMs: number;
  durationMs: number;
  /** Which transports to load (all by default); in-process always runs, as the reference. */
  transports?: readonly Exclude<LoadPath, 'in-process'>[];
  /** Search-thread modes to measure, in order (default: off, then on). */
  threadModes?: readonly ThreadMode[];
  /** Search threads when on (0: one per core, the server's default). */
  searchThreads?: number;
  /** What loads REST: wrk when installed ('auto', the default), else autocannon; or either by name. */
  restGenerator?: RestGenerator | 'auto';
  /**
   * Filtered in-process queries: points carry `g = id % filterEvery` (integer payload index) and each in-process
   * query keeps `g = 1`, 1 / filterEvery of the points (REST and gRPC rows stay unfiltered).
   */
  filterEvery?: number;
  /**
   * Quantize the collection's vectors (searches then walk the codes and rescore with the floats): `int8` (scalar,
   * Qdrant's recommended default), `binary` (one bit) or `turbo` (Qdrant's default 4 bits). Default: the
   * environment's SEXTANT_LOAD_QUANT, else none.
   */
  quantization?: 'int8' | 'binary' | 'turbo';
}

/** `on`: the pool's default offload policy (a lone search stays on the event loop); `always`: every walk hops. */
export type ThreadMode = 'off' | 'on' | 'always';

export const DEFAULT_SERVER_LOAD: ServerLoadOptions = {
  n: 20_000,
  dim: 128,
  queryCount: 1_000,
  seed: 42,
  limit: 10,
  concurrencies: [1, 16],
  warmupMs: 1_000,
  durationMs: 6_000,
};

/**
 * `http-floor` / `grpc-floor`: the REST generator / grpc-raw against a bare node:http / node:http2 server with a
 * canned answer (server-load-floor.ts).
 */
export type LoadPath = 'in-process' | 'rest' | 'http-floor' | 'grpc' | 'grpc-raw' | 'grpc-floor';

export interface LoadRow extends LoadResult {
  path: LoadPath;
  concurrency: number;
  /** Whether graph walks ran on the server's search threads (see ThreadMode). */
  threads: ThreadMode;
  /** 1 - q/s ÷ in-process q/s at the same concurrency; undefined for the in-process rows. */
  overhead?: number;
  /** The server process's CPU per query, µs (for in-process rows: the engine call alone). */
  serverCpuUs: number;
  /** The load generator's CPU per query, µs (REST and gRPC rows: the child process). */
  clientCpuUs?: number;
  /** What generated the load: wrk or autocannon (REST), the official client (grpc), node:http2 (grpc-raw). */
  generator?: string;
  /**
   * The most this transport could answer on these cores by CPU alone (rows with search threads on, see
   * `withCpuCeilings`): the cores' microseconds over the in-process row's µs/q plus its floor row's server and
   * generator µs/q. No server of this transport on this machine answers more, whatever it does.
   */
  ceilingQps?: number;
  /** 1 - ceilingQps / in-process q/s: the share of the overhead that is the machine's, not the server's. */
  ceilingOverhead?: number;
}

const GENERATOR_OF_GRPC = { grpc: '@qdrant/js-client-grpc', 'grpc-raw': 'node:http2', 'grpc-floor': 'node:http2' } as const;
const DEFAULT_TRANSPORTS = ['rest', 'http-floor', 'grpc', 'grpc-raw', 'grpc-floor'] as const;
const FLOORS = new Set<LoadPath>(['http-floor', 'grpc-floor']);

export interface ServerLoadReport {
  options: ServerLoadOptions;
  /** Search threads the server ran with when on (0: none could start). */
  searchThreads: number;
  loadSeconds: number;
  indexSeconds: number;
  rows: LoadRow[];
}

const COLLECTION = 'load';

export async function runServerLoad(options: ServerLoadOptions = DEFAULT_SERVER_LOAD, log: (line: string) => void = () => {}): Promise<ServerLoadReport> {
  const folder = await mkdtemp(join(tmpdir(), 'sextant-load-'));
  const config: ServerConfig = {
    host: '127.0.0.1',
    httpPort: 0,
    grpcPort: 0,
    storagePath: join(folder, 'storage'),
    snapshotsPath: join(folder, 'snapshots'),
    apiKey: undefined,
    readOnlyApiKey: undefined,
    searchThreads: options.searchThreads ?? 0,
  };
  const wanted = options.restGenerator ?? 'auto';
  const restGenerator: RestGenerator = wanted === 'auto' ? (wrkAvailable() ? 'wrk' : 'autocannon') : wanted;
  if (restGenerator === 'wrk' && !wrkAvailable()) throw new Error('wrk was asked for but is not installed (apt-get install wrk)');
  const server = await startServer(config);
  const executor = server.client.executor;
  try {
    const data = clustered('load', options.n, options.dim, options.queryCount, options.seed);
    const started = performance.now();
    await load(server, data.points, options);
    const loaded = performance.now();
    log(`loaded ${options.n} x ${options.dim} in ${((loaded - started) / 1000).toFixed(1)} s; building the graph`);
    await server.client.engine.resolve(COLLECTION).whenIndexed();
    const indexed = performance.now();
    log(`graph built in ${((indexed - loaded) / 1000).toFixed(1)} s`);
    // The load's last segment write would otherwise land in the first measured window.
    await server.client.engine.flush();

    const rows = Array.from({ length: options.queryCount }, (_, q) => Array.from(data.queries.subarray(q * options.dim, (q + 1) * options.dim)));
    const answer = await checkSameAnswers(server, rows[0]!, options.limit);
    const request = toBinary(QueryPointsSchema, create(QueryPointsSchema, { collectionName: COLLECTION, query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: rows[0]! } } } } }, limit: BigInt(options.limit) }));
    const grpcAnswer = server.grpcPort === undefined ? undefined : await grpcAnswerFrame(server.grpcPort, request);

    // Every path ends in this one engine method; counting its calls gives the server's CPU per query over a window
    // (warm-up included on both sides), whichever transport delivered them.
    const engine = server.client;
    const query = engine.query.bind(engine);
    let served = 0;
    engine.query = (...args: Parameters<typeof query>) => {
      served++;
      return query(...args);
    };
    // The HTTP floor answers without the engine: it counts its own answers.
    const window = async <T>(work: () => Promise<T>, answered = () => served): Promise<[T, number]> => {
      served = 0;
      const before = answered();
      const cpu = process.cpuUsage();
      const value = await work();
      const used = process.cpuUsage(cpu);
      return [value, (used.user + used.system) / Math.max(1, answered() - before)];
    };

    const filter = options.filterEvery === undefined ? undefined : { must: [{ key: 'g', match: { value: 1 } }] };
    const results: LoadRow[] = [];
    const modes = options.threadModes ?? (['off', 'on'] as const);
    for (const threads of modes) {
      if (threads !== 'off' && executor === undefined) {
        log(`search threads could not start here: no "${threads}" rows`);
        continue;
      }
      engine.executor = threads === 'off' ? undefined : executor;
      const pool = executor as { policy?: string } | undefined;
      if (pool?.policy !== undefined) pool.policy = threads === 'always' ? 'always' : 'busy';
      for (const concurrency of options.concurrencies) {
        const [inProcess, inProcessCpu] = await window(() =>
          closedLoop(concurrency, options.warmupMs, options.durationMs, async (i) => {
            await engine.query(COLLECTION, { query: rows[i % rows.length]!, limit: options.limit, ...(filter === undefined ? {} : { filter }) });
          }),
        );
        results.push({ path: 'in-process', concurrency, threads, ...inProcess, serverCpuUs: inProcessCpu });
        log(`threads ${threads}, in-process x${concurrency}: ${inProcess.qps.toFixed(0)} q/s`);
        for (const transport of options.transports ?? DEFAULT_TRANSPORTS) {
          // The floor does not search, so one set of its rows (under the first thread mode) is enough.
          if (FLOORS.has(transport) && threads !== modes[0]) continue;
          const floor = transport === 'http-floor' ? await startHttpFloor(answer) : transport === 'grpc-floor' ? await startGrpcFloor(grpcAnswer!) : undefined;
          const port = floor?.port ?? (transport === 'rest' ? server.httpPort : server.grpcPort!);
          const job: ClientJob = {
            transport: transport === 'http-floor' ? 'rest' : transport === 'grpc-floor' ? 'grpc-raw' : transport,
            port,
            collection: COLLECTION,
            concurrency,
            warmupMs: options.warmupMs,
            durationMs: options.durationMs,
            limit: options.limit,
            generator: restGenerator,
            data: { n: options.n, dim: options.dim, queryCount: options.queryCount, seed: options.seed },
          };
          const [result, serverCpu] = await window(() => runClient(job), floor?.answered).finally(() => floor?.close());
          const { cpuUsPerQuery, ...measured } = result;
          results.push({
            path: transport,
            concurrency,
            threads,
            ...measured,
            overhead: 1 - result.qps / inProcess.qps,
            serverCpuUs: serverCpu,
            clientCpuUs: cpuUsPerQuery,
            generator: transport === 'rest' || transport === 'http-floor' ? restGenerator : GENERATOR_OF_GRPC[transport],
          });
          log(`threads ${threads}, ${transport}${transport === 'rest' || transport === 'http-floor' ? ` (${restGenerator})` : ''} x${concurrency}: ${result.qps.toFixed(0)} q/s${result.errors > 0 ? `, ${result.errors} errors` : ''}`);
        }
      }
    }
    engine.executor = executor;
    return { options, searchThreads: executor?.threads ?? 0, loadSeconds: (loaded - started) / 1000, indexSeconds: (indexed - loaded) / 1000, rows: withCpuCeilings(results, availableParallelism()) };
  } finally {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  }
}

const FLOOR_OF: Partial<Record<LoadPath, LoadPath>> = { rest: 'http-floor', grpc: 'grpc-floor', 'grpc-raw': 'grpc-floor' };

/**
 * Each transport row with search threads on gets the CPU ceiling of its transport on these `cores`: a query over it
 * costs at least the engine call (the in-process row's server µs/q, same threads and clients) plus what the bare
 * HTTP server of its floor row spends (server µs/q) and what the load generator spends beside it (client µs/q), all
 * on the same cores. So `cores x 1e6 / (engine + floor server + floor generator)` q/s is more than any server of
 * that transport answers here, and its overhead against in-process is the least any can show. Rows with threads off
 * (the server on one core) and rows whose floor did not run are left as they are.
 */
export function withCpuCeilings(rows: LoadRow[], cores: number): LoadRow[] {
  return rows.map((row) => {
    const floorPath = FLOOR_OF[row.path];
    if (row.threads === 'off' || floorPath === undefined) return row;
    const inProcess = rows.find((r) => r.path === 'in-process' && r.threads === row.threads && r.concurrency === row.concurrency);
    const floor = rows.find((r) => r.path === floorPath && r.concurrency === row.concurrency);
    if (inProcess === undefined || floor?.clientCpuUs === undefined) return row;
    const ceilingQps = (cores * 1e6) / (inProcess.serverCpuUs + floor.serverCpuUs + floor.clientCpuUs);
    return { ...row, ceilingQps, ceilingOverhead: 1 - ceilingQps / inProcess.qps };
  });
}

/** Upserts in batches through the engine (loading is not what is measured), with a graph built past 1 KB. */
async function load(server: RunningServer, points: Float32Array, options: ServerLoadOptions): Promise<void> {
  const quant = options.quantization ?? process.env['SEXTANT_LOAD_QUANT'];
  const quantization_config =
    quant === 'int8'
      ? { scalar: { type: 'int8' as const, always_ram: true } }
      : quant === 'binary'
        ? { binary: { always_ram: true } }
        : quant === 'turbo'
          ? { turbo: { always_ram: true } }
          : undefined;
  await server.client.createCollection(COLLECTION, {
    vectors: { size: options.dim, distance: 'Cosine' },
    optimizers_config: { indexing_threshold: 1 },
    ...(quantization_config === undefined ? {} : { quantization_config }),
  });
  if (options.filterEvery !== undefined) await server.client.createPayloadIndex(COLLECTION, { field_name: 'g', field_schema: 'integer', wait: true });
  const batch = 1_000;
  for (let from = 0; from < options.n; from += batch) {
    const to = Math.min(options.n, from + batch);
    const chunk = Array.from({ length: to - from }, (_, j) => ({
      id: from + j,
      vector: Array.from(points.subarray((from + j) * options.dim, (from + j + 1) * options.dim)),
      ...(options.filterEvery === undefined ? {} : { payload: { g: (from + j) % options.filterEvery } }),
    }));
    await server.client.upsert(COLLECTION, { wait: to === options.n, points: chunk });
  }
}

/**
 * One query over REST must name the same points as in process, so every path does the same work. Returns the REST
 * answer's text, which the HTTP floor sends back.
 */
async function checkSameAnswers(server: RunningServer, query: number[], limit: number): Promise<string> {
  const local = await server.client.query(COLLECTION, { query, limit });
  const response = await fetch(`http://127.0.0.1:${server.httpPort}/collections/${COLLECTION}/points/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, limit }),
  });
  const text = await response.text();
  const remote = JSON.parse(text) as { result: { points: { id: number }[] } };
  const a = local.points.map((p) => p.id).join(',');
  const b = remote.result.points.map((p) => p.id).join(',');
  if (a !== b || local.points.length !== limit) throw new Error(`REST and in-process answers differ: [${b}] vs [${a}]`);
  return text;
}

function runClient(job: ClientJob): Promise<LoadResult> {
  const script = fileURLToPath(new URL('./server-load-client.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${job.transport} load client exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
    });
  });
}

/** One plain-text table: a row per path and concurrency, overhead against in-process at the same concurrency. */
export function formatServerLoad(report: ServerLoadReport): string {
  const { n, dim, limit, durationMs } = report.options;
  const header = ['path', 'threads', 'clients', 'q/s', 'p50 ms', 'p99 ms', 'errors', 'q/s overhead', 'server µs/q', 'client µs/q', 'CPU ceiling q/s'];
  const body = report.rows.map((r) => [
    (r.path === 'rest' || r.path === 'http-floor') && r.generator !== undefined ? `${r.path} (${r.generator})` : r.path,
    r.threads,
    String(r.concurrency),
    r.qps.toFixed(0),
    r.p50Ms.toFixed(3),
    r.p99Ms.toFixed(3),
    String(r.errors),
    r.overhead === undefined ? '-' : `${(r.overhead * 100).toFixed(1)}%`,
    r.serverCpuUs.toFixed(0),
    r.clientCpuUs === undefined ? '-' : r.clientCpuUs.toFixed(0),
    r.ceilingQps === undefined || r.ceilingOverhead === undefined ? '-' : `${r.ceilingQps.toFixed(0)} (${(r.ceilingOverhead * 100).toFixed(0)}%)`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [
    `Server load: ${n} x ${dim} cosine, HNSW, query limit ${limit}, ${durationMs / 1000} s per row (load ${report.loadSeconds.toFixed(1)} s, graph ${report.indexSeconds.toFixed(1)} s)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    'rest: wrk (C, one thread) or autocannon (Node), as the row says; grpc: the official @qdrant/js-client-grpc;',
    'grpc-raw: node:http2 with pre-encoded requests. Every generator is a separate process on the same cores.',
    'http-floor: the REST generator against a bare node:http server that JSON.parses each body and sends a fixed',
    'answer of the real one\'s bytes (no framework, no search): the most any Node REST server answers here;',
    'grpc-floor: likewise grpc-raw against a bare node:http2 server (decodes the request, sends the real answer frame).',
    `threads: graph walks on ${report.searchThreads} search threads (on) or on the event loop (off); in-process rows likewise.`,
    'q/s overhead: 1 - q/s / in-process q/s at the same concurrency. µs/q: CPU time per query of the server',
    'process (in-process rows: the engine call alone) and of the separate load-generating process.',
    'CPU ceiling: the most the transport answers on these cores by CPU alone, every core busy and each query costing',
    'the engine call (in-process µs/q) plus its floor\'s server and generator µs/q; in brackets, that ceiling\'s own',
    'overhead against in-process: the least any server of the transport can show on this machine.',
  ].join('\n');
}
