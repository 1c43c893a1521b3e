/**
 * A/B of two server builds under the gRPC or REST load of server-load-run (20k x 128, 16 clients, search threads on):
 *
 *   node bench/ab-server-builds.mjs <base index.js> <new index.js> [rounds=5] [seconds=2] [transports=grpc-raw,grpc]
 *
 * `rest` loads the HTTP port with wrk (SEXTANT_LOAD_REST=autocannon for autocannon); SEXTANT_LOAD_DIM sets the
 * dimensions (e.g. 768).
 *
 * Both servers run in this one process (each with its own engine, data and search threads; the one not under load
 * sits idle), and the load windows alternate base/new, new/base round by round, so a shared machine's drift hits
 * both alike. Prints medians and the median of the per-round new/base ratios of q/s and of CPU per query (server
 * process, search threads included; client process). A base build is a copy of server/dist from another commit
 * placed inside the project (its package imports resolve from the project's node_modules), with `src/rest/spec`
 * beside it (e.g. a symlink to server/src) since the REST app reads Qdrant's spec from there. Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { clustered } from './dist/dataset.js';

const [basePath, newPath, roundsArg, secondsArg, transportsArg] = process.argv.slice(2);
if (basePath === undefined || newPath === undefined) throw new Error('usage: node bench/ab-server-builds.mjs <base index.js> <new index.js> [rounds] [seconds] [transports]');
const rounds = Number(roundsArg ?? 5), seconds = Number(secondsArg ?? 2);
const transports = (transportsArg ?? 'grpc-raw,grpc').split(',');
const n = 20000, dim = Number(process.env['SEXTANT_LOAD_DIM'] ?? 128);
const restGenerator = process.env['SEXTANT_LOAD_REST'] ?? 'wrk';
const data = clustered('load', n, dim, 1000, 42);
const variants = {};
for (const [name, path] of [['base', basePath], ['new', newPath]]) {
  const { startServer } = await import(pathToFileURL(resolve(path)).href);
  const folder = await mkdtemp(join(tmpdir(), `sextant-ab-${name}-`));
  const server = await startServer({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, storagePath: join(folder, 's'), snapshotsPath: join(folder, 'p'), apiKey: undefined, readOnlyApiKey: undefined, searchThreads: 0 });
  await server.client.createCollection('load', { vectors: { size: dim, distance: 'Cosine' }, optimizers_config: { indexing_threshold: 1 } });
  for (let from = 0; from < n; from += 1000) {
    const points = Array.from({ length: 1000 }, (_, j) => ({ id: from + j, vector: Array.from(data.points.subarray((from + j) * dim, (from + j + 1) * dim)) }));
    await server.client.upsert('load', { wait: from + 1000 === n, points });
  }
  await server.client.engine.resolve('load').whenIndexed();
  await server.client.engine.flush();
  const engine = server.client;
  const query = engine.query.bind(engine);
  const v = { server, folder, served: 0 };
  engine.query = (...a) => { v.served++; return query(...a); };
  variants[name] = v;
}
const runClient = (job) => new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [new URL('./dist/server-load-client.js', import.meta.url).pathname, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.on('exit', (code) => (code ? reject(new Error(`exit ${code}`)) : resolve(JSON.parse(out.trim().split('\n').pop()))));
});
const results = {};
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 ? ['new', 'base'] : ['base', 'new']) {
    const v = variants[name];
    for (const transport of transports) {
      v.served = 0;
      const cpu = process.cpuUsage();
      const res = await runClient({ transport, port: transport === 'rest' ? v.server.httpPort : v.server.grpcPort, ...(transport === 'rest' ? { generator: restGenerator } : {}), collection: 'load', concurrency: 16, warmupMs: 500, durationMs: seconds * 1000, limit: 10, data: { n, dim, queryCount: 1000, seed: 42 } });
      const used = process.cpuUsage(cpu);
      const row = { qps: Math.round(res.qps), serverUs: Math.round((used.user + used.system) / v.served), clientUs: Math.round(res.cpuUsPerQuery), errors: res.errors };
      (results[`${transport} ${name}`] ??= []).push(row);
      console.error(`round ${r} ${name} ${transport} ${JSON.stringify(row)}`);
    }
  }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
for (const transport of transports) {
  for (const k of ['qps', 'serverUs', 'clientUs']) {
    const b = results[`${transport} base`].map((x) => x[k]), w = results[`${transport} new`].map((x) => x[k]);
    const ratios = b.map((x, i) => w[i] / x);
    console.log(`${transport.padEnd(9)} ${k.padEnd(9)} base median ${med(b)}  new median ${med(w)}  paired new/base median ${med(ratios).toFixed(2)}   base [${b.join(' ')}] new [${w.join(' ')}]`);
  }
}
for (const v of Object.values(variants)) { await v.server.close(); await rm(v.folder, { recursive: true, force: true }); }
process.exit(0);
