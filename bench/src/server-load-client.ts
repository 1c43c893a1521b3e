import { connect } from 'node:http2';
import { createRequire } from 'node:module';
import { create, toBinary } from '@bufbuild/protobuf';
import { QdrantClient } from '@qdrant/js-client-grpc';
import { QueryPointsSchema } from '@sextant/proto';
import { clustered } from './dataset.js';
import { LatencyLog, closedLoop } from './server-load-latency.js';
import type { LoadResult } from './server-load-latency.js';
import { wrkLoad } from './server-load-wrk.js';

/**
 * The load generator, run as its own process (`node server-load-client.js '<json ClientJob>'`) so that its CPU
 * and event loop are not the server's: REST through autocannon, gRPC through the official @qdrant/js-client-grpc,
 * (or wrk, server-load-wrk.ts, when the job says so), and gRPC again through bare node:http2 with pre-encoded requests (`grpc-raw`: the gRPC counterpart of
 * autocannon, so the server's transport cost is not hidden behind the official client's). Prints one JSON
 * `LoadResult` line on stdout.
 */
export interface ClientJob {
  transport: 'rest' | 'grpc' | 'grpc-raw';
  port: number;
  collection: string;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  limit: number;
  /** REST only: which program makes the requests (wrk when installed, see server-load-wrk.ts). */
  generator?: RestGenerator;
  /** The seeded dataset's parameters: the child regenerates the same queries instead of receiving them. */
  data: { n: number; dim: number; queryCount: number; seed: number };
}

export type RestGenerator = 'wrk' | 'autocannon';

/** The part of autocannon's API used here (it ships no types). */
interface Autocannon {
  (options: {
    url: string;
    connections: number;
    duration: number;
    requests: { method: string; path: string; headers: Record<string, string>; setupRequest: (r: Record<string, unknown>) => Record<string, unknown> }[];
  }): AutocannonInstance;
}
interface AutocannonInstance extends PromiseLike<{ errors: number; timeouts: number; non2xx: number }> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTimeMs: number) => void): void;
}

function queryRows(job: ClientJob): number[][] {
  const { n, dim, queryCount, seed } = job.data;
  const d = clustered('load', n, dim, queryCount, seed);
  return Array.from({ length: queryCount }, (_, q) => Array.from(d.queries.subarray(q * dim, (q + 1) * dim)));
}

/**
 * autocannon keeps `concurrency` keep-alive connections busy, one request in flight each. Bodies rotate through
 * the seeded queries (a single repeated query would flatter every cache). Latencies come from its per-response
 * event (hrtime based) rather than its histogram, whose resolution is 1 ms.
 */
async function restLoad(job: ClientJob, rows: number[][]): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const bodies = rows.map((query) => JSON.stringify({ query, limit: job.limit }));
  if (job.generator === 'wrk') {
    return wrkLoad({ port: job.port, path: `/collections/${job.collection}/points/query`, bodies, concurrency: job.concurrency, warmupMs: job.warmupMs, durationMs: job.durationMs });
  }
  let next = 0;
  const run = (seconds: number, onResponse?: (status: number, ms: number) => void) => {
    const instance = autocannon({
      url: `http://127.0.0.1:${job.port}`,
      connections: job.concurrency,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: `/collections/${job.collection}/points/query`,
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
        },
      ],
    });
    if (onResponse) instance.on('response', (_client, status, _bytes, ms) => onResponse(status, ms));
    return instance;
  };
  const cpu0 = cpuUs();
  let responses = 0;
  await run(Math.max(1, Math.round(job.warmupMs / 1000)), () => responses++);
  const log = new LatencyLog();
  let failed = 0;
  const started = performance.now();
  const result = await run(Math.max(1, Math.round(job.durationMs / 1000)), (status, ms) => {
    responses++;
    if (status >= 200 && status < 300) log.add(ms);
    else failed++;
  });
  const seconds = (performance.now() - started) / 1000;
  return { ...log.summarize(seconds, failed + result.errors + result.timeouts), cpuUsPerQuery: (cpuUs() - cpu0) / responses };
}

/** The official gRPC client (compression on, its default), `concurrency` calls in flight on one HTTP/2 connection. */
async function grpcLoad(job: ClientJob, rows: number[][]): Promise<LoadResult> {
  const client = new QdrantClient({ host: '127.0.0.1', port: job.port, https: false, checkCompatibility: false });
  const points = client.api('points');
  const limit = BigInt(job.limit);
  const requests = rows.map((data) => ({
    collectionName: job.collection,
    query: { variant: { case: 'nearest' as const, value: { variant: { case: 'dense' as const, value: { data } } } } },
    limit,
  }));
  const cpu0 = cpuUs();
  let calls = 0;
  const result = await closedLoop(job.concurrency, job.warmupMs, job.durationMs, async (i) => {
    calls++;
    const reply = await points.query(requests[i % requests.length]!);
    if (reply.result.length !== job.limit) throw new Error(`expected ${job.limit} points, got ${reply.result.length}`);
  });
  return { ...result, cpuUsPerQuery: (cpuUs() - cpu0) / calls };
}

/**
 * `concurrency` streams in flight on one HTTP/2 session, each a unary Points/Query call framed by hand from
 * messages encoded once up front; a reply counts when its trailers say grpc-status 0 and it carried a message.
 * The client advertises gzip like the official one, so the server pays what it pays for real clients.
 */
async function grpcRawLoad(job: ClientJob, rows: number[][]): Promise<LoadResult> {
  const frames = rows.map((data) => {
    const message = toBinary(
      QueryPointsSchema,
      create(QueryPointsSchema, {
        collectionName: job.collection,
        query: { variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data } } } } },
        limit: BigInt(job.limit),
      }),
    );
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    frame.set(message, 5);
    return frame;
  });
  const session = connect(`http://127.0.0.1:${job.port}`);
  const headers = {
    ':method': 'POST',
    ':path': '/qdrant.Points/Query',
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-accept-encoding': 'identity,gzip',
  };
  const call = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const stream = session.request(headers);
      let bytes = 0;
      let status: string | undefined;
      stream.on('response', (h) => (status = h['grpc-status'] as string | undefined));
      stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      stream.on('end', () => (status === '0' && bytes > 5 ? resolve() : reject(new Error(`grpc-status ${status}`))));
      stream.on('error', reject);
      stream.end(frames[i % frames.length]);
    });
  const cpu0 = cpuUs();
  let calls = 0;
  try {
    const result = await closedLoop(job.concurrency, job.warmupMs, job.durationMs, (i) => {
      calls++;
      return call(i);
    });
    return { ...result, cpuUsPerQuery: (cpuUs() - cpu0) / calls };
  } finally {
    session.close();
  }
}

/** This process's CPU time so far, microseconds (differences of it are the load generator's own cost). */
function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as ClientJob;
  const rows = queryRows(job);
  const load = { rest: restLoad, grpc: grpcLoad, 'grpc-raw': grpcRawLoad }[job.transport];
  const result = await load(job, rows);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
