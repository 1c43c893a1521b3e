import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RestGenerator } from './server-load-client.js';
import { DEFAULT_SERVER_LOAD, formatServerLoad, runServerLoad, type ServerLoadOptions, type ThreadMode } from './server-load.js';

/**
 * `node bench/dist/server-load-run.js`: the server load table (REST and gRPC against in-process, search threads off
 * and on), also written to bench/results/server-load.json.
 *
 *   --json                  print the table on stderr and, as stdout's last line, `{ "section": "server", "rows": [...] }`
 *   --quick                 2 s rows after a 0.5 s warm-up, 16 clients only (for development)
 *   --clients=1,16          concurrent clients of each row (SEXTANT_LOAD_CLIENTS; default 1 and 16)
 *   --threads=off,on        which search-thread modes to measure (SEXTANT_LOAD_THREADS; `always`: threads on,
 *                           every walk hops, the policy before the owner kept lone searches)
 *   --transports=rest,http-floor,grpc,grpc-raw   (empty: in-process rows only; http-floor: server-load-floor.ts)
 *   --rest=wrk|autocannon   what loads REST (SEXTANT_LOAD_REST; default wrk when installed, else autocannon)
 *   SEXTANT_LOAD_SECONDS    seconds per row (default 6)
 *   SEXTANT_SEARCH_THREADS  search threads when on (default: one per core)
 *   SEXTANT_LOAD_FILTER     N: in-process queries filtered to 1/N of the points (an integer payload index)
 *   SEXTANT_LOAD_N, SEXTANT_LOAD_DIM   points and dimensions (default 20,000 x 128; e.g. 768 dims, a common
 *                           sentence-embedding width, where a search costs more next to the same transport)
 */
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const value = (name: string, env?: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? (env ? process.env[env] : undefined);

const quick = flag('quick');
const seconds = Number(process.env['SEXTANT_LOAD_SECONDS'] ?? (quick ? 2 : DEFAULT_SERVER_LOAD.durationMs / 1000));
const options: ServerLoadOptions = {
  ...DEFAULT_SERVER_LOAD,
  durationMs: Math.max(1, seconds) * 1000,
  ...(quick ? { warmupMs: 500, concurrencies: [16] } : {}),
  ...(value('clients', 'SEXTANT_LOAD_CLIENTS') !== undefined ? { concurrencies: value('clients', 'SEXTANT_LOAD_CLIENTS')!.split(',').map(Number) } : {}),
  threadModes: (value('threads', 'SEXTANT_LOAD_THREADS') ?? 'off,on').split(',') as ThreadMode[],
  searchThreads: Number(process.env['SEXTANT_SEARCH_THREADS'] ?? 0),
  ...(process.env['SEXTANT_LOAD_FILTER'] ? { filterEvery: Number(process.env['SEXTANT_LOAD_FILTER']) } : {}),
  ...(process.env['SEXTANT_LOAD_N'] ? { n: Number(process.env['SEXTANT_LOAD_N']) } : {}),
  ...(process.env['SEXTANT_LOAD_DIM'] ? { dim: Number(process.env['SEXTANT_LOAD_DIM']) } : {}),
};
const rest = value('rest', 'SEXTANT_LOAD_REST');
if (rest !== undefined) options.restGenerator = rest as RestGenerator;
const transports = value('transports');
if (transports !== undefined) options.transports = transports.split(',').filter((t) => t !== '') as NonNullable<ServerLoadOptions['transports']>;

const report = await runServerLoad(options, (line) => console.error(line));
const table = formatServerLoad(report);
const results = fileURLToPath(new URL('../results/', import.meta.url));
await mkdir(results, { recursive: true });
await writeFile(`${results}server-load.json`, `${JSON.stringify(report, null, 2)}\n`);
if (flag('json')) {
  console.error(table);
  // The row's label names the REST generator, since wrk and autocannon leave the server different shares of the cores.
  const rows = report.rows.map((r) => ({ ...r, path: (r.path === 'rest' || r.path === 'http-floor') && r.generator !== undefined ? `${r.path} (${r.generator})` : r.path, searchThreads: r.threads === 'on' ? report.searchThreads : 0, n: options.n, dim: options.dim }));
  console.log(JSON.stringify({ section: 'server', rows }));
} else {
  console.log(table);
}
