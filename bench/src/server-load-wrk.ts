import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './server-load-latency.js';

/**
 * REST load from `wrk` (C, one epoll thread) instead of autocannon: on a 2-core machine the load generator shares
 * the server's cores, and autocannon spends ~150 µs of CPU per request where wrk spends a few tens, so more of the
 * machine is left to the server being measured. wrk is optional (a Debian package, not an npm one): without it the
 * bench falls back to autocannon and says so in the row.
 *
 * Bodies rotate through the seeded queries as with autocannon: a Lua script reads the requests, formatted once,
 * from a file (one JSON body a line) and hands them out in turn; its `done` prints the counts and the latency
 * percentiles (µs, from wrk's histogram, which keeps microseconds) as one JSON line, so nothing is scraped from the
 * human-readable summary.
 */
export function wrkAvailable(): boolean {
  const probe = spawnSync('wrk', ['--version'], { stdio: 'ignore' });
  // wrk prints its version and usage and exits with 1; only a missing binary is an error here.
  return probe.error === undefined;
}

const SCRIPT = `
local requests = {}
local cursor = 1

function init(args)
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("POST", args[2], { ["content-type"] = "application/json" }, line)
    end
  end
  file:close()
  -- Threads start at different places in the list, as autocannon's connections do.
  cursor = (tonumber(args[3]) or 0) % #requests + 1
end

function request()
  local r = requests[cursor]
  cursor = cursor % #requests + 1
  return r
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

interface WrkSummary {
  requests: number;
  durationUs: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
}

export interface WrkJob {
  port: number;
  path: string;
  bodies: readonly string[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

/**
 * A warm-up run, then the measured run, each `concurrency` keep-alive connections on one wrk thread (a second
 * thread would only compete for the same two cores). CPU per query counts wrk's user + system time over both runs
 * (the shell's `times` reports its children's), as autocannon's row counts its own process over both.
 */
export async function wrkLoad(job: WrkJob): Promise<LoadResult> {
  const folder = await mkdtemp(join(tmpdir(), 'sextant-wrk-'));
  try {
    const script = join(folder, 'bodies.lua');
    const bodies = join(folder, 'bodies.jsonl');
    await writeFile(script, SCRIPT);
    await writeFile(bodies, `${job.bodies.join('\n')}\n`);
    const url = `http://127.0.0.1:${job.port}`;
    const args = (ms: number) => ['-t1', `-c${job.concurrency}`, `-d${Math.max(1, Math.round(ms / 1000))}s`, '--latency', '-s', script, url, '--', bodies, job.path, '0'];
    const warm = await run([...args(job.warmupMs)]);
    const measured = await run([...args(job.durationMs)]);
    const s = measured.summary;
    const seconds = s.durationUs / 1e6;
    const failed = s.status + s.connect + s.read + s.write + s.timeout;
    const ok = s.requests - s.status;
    return {
      queries: ok,
      errors: failed,
      seconds,
      qps: ok / seconds,
      p50Ms: s.p50Us / 1000,
      p99Ms: s.p99Us / 1000,
      cpuUsPerQuery: (warm.cpuUs + measured.cpuUs) / Math.max(1, warm.summary.requests + s.requests),
    };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Runs wrk under a shell whose `times` then prints wrk's CPU (second line: children's user and system time). */
function run(args: string[]): Promise<{ summary: WrkSummary; cpuUs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'wrk "$@" && times', 'wrk', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${out.slice(-400)}`));
      const lines = out.trim().split('\n');
      const json = lines.find((l) => l.startsWith('{"requests"'));
      const children = lines[lines.length - 1]!.trim().split(/\s+/);
      if (json === undefined || children.length !== 2) return reject(new Error(`unexpected wrk output: ${out.slice(-400)}`));
      resolve({ summary: JSON.parse(json) as WrkSummary, cpuUs: (shellSeconds(children[0]!) + shellSeconds(children[1]!)) * 1e6 });
    });
  });
}

/** bash's `times` format: `0m1.234s`. */
function shellSeconds(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (match === null) throw new Error(`unexpected time ${text}`);
  return Number(match[1]) * 60 + Number(match[2]);
}
