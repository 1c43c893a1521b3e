/**
 * `npm run bench` (`node bench/dist/main.js`): every benchmark section, each in a child process of its own, then
 * one combined table with Sextant and every peer side by side, the detailed tables, the JSON of the whole run and
 * the recall-vs-queries/s SVG under bench/results/.
 *
 * Sections and the scripts that measure them (each prints its results with `--json`, see sections.ts):
 *   hnsw      bench/dist/run.js, once per dataset and peer (so each peer's memory is its own process's growth)
 *   exact, filtered, quantized   bench/dist/run.js, once, on the first dataset
 *   server    bench/dist/server-load-run.js        browser   browser/scripts/bench-chromium.mjs (Chromium)
 *   sync      bench/dist/sync-bench.js             flush     bench/dist/incremental-flush.js
 * A section whose script is missing or fails is printed as "not run: <reason>"; nothing is made up.
 *
 * Options:
 *   --sections=hnsw,exact,filtered,quantized,server,browser,sync,flush   which sections (default: all)
 *   --peers=..., --datasets=128,384, --n=, --q=, --budget=               passed to run.js (see there)
 *   --quick                small sizes everywhere (each script's own quick mode)
 *   --out=bench/results    where the JSON, SVG and markdown go (git-ignored)
 *   --merge=<file.json>    take the sections not run now from an earlier run's JSON (the table says which, and when)
 *   --publish              copy the results to docs/bench/ (latest.json, recall-qps.svg, latest.md) and put the
 *                          table into README.md between its bench markers
 *   --publish-only         no measuring: re-render <out>/latest.json and publish it
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { combinedTable, detailTables, recallPlot, type BenchRun, type Cell, type HnswRow, type Row, type SectionResult } from './report.js';
import { mergeSections, runSection, stopSections, type SectionRun } from './sections.js';

const ALL_SECTIONS = ['hnsw', 'exact', 'filtered', 'quantized', 'server', 'browser', 'sync', 'flush'];
const PEERS = ['sextant', 'sextant-threads', 'hnswlib-node', 'hnswlib-wasm', 'usearch', 'voy-search', 'orama', 'vectra'];
const MINUTE = 60_000;

const here = dirname(fileURLToPath(import.meta.url));
/** The repository: bench/dist/ when built, a folder deeper for a bundle of one's own. */
const root = (() => {
  let dir = resolve(here, '..', '..');
  while (!existsSync(join(dir, 'browser', 'scripts')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
const flag = (name: string) => process.argv.includes(`--${name}`);
function option(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
const log = (line: string) => process.stderr.write(`${line}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopSections();
    process.exit(130);
  });
}

const quick = flag('quick');
const outDir = resolve(option('out') ?? join(root, 'bench', 'results'));
const sections = (option('sections') ?? ALL_SECTIONS.join(',')).split(',').filter((s) => s !== '');
const unknown = sections.filter((s) => !ALL_SECTIONS.includes(s));
if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; known: ${ALL_SECTIONS.join(', ')}`);
const peers = (option('peers') ?? PEERS.join(',')).split(',');
const datasets = (option('datasets') ?? '128,384').split(',');
const n = Number(option('n') ?? (quick ? 10_000 : 100_000));
const q = Number(option('q') ?? (quick ? 200 : 1000));
const budgetS = Number(option('budget') ?? (quick ? 1 : 4));
const runArgs = [`--n=${n}`, `--q=${q}`, `--budget=${budgetS}`, `--out=${outDir}`, '--json'];
const quickArg = quick ? ['--quick'] : [];

async function measure(): Promise<SectionResult[]> {
  const results: SectionResult[] = [];
  const node = process.execPath;
  const script = (name: string) => join(here, name);
  const missing = (file: string, section: string): SectionResult | undefined =>
    existsSync(file) ? undefined : { section, rows: [], error: `${relative(root, file)} is not there (not built, or no such bench yet)` };

  if (sections.includes('hnsw')) {
    const rows: Row[] = [];
    for (const dim of datasets) {
      // Ground truth first, in a process of its own: computing it grows memory a peer measured after it would reuse.
      log(`--- ground truth of the ${dim}-d dataset`);
      await runSection({ sections: [], command: node, args: [script('run.js'), ...runArgs, '--sections=truth', `--datasets=${dim}`, '--peers='], timeoutMs: 30 * MINUTE }, log);
      for (const peer of peers) {
        log(`--- hnsw: ${peer} on the ${dim}-d dataset`);
        const run: SectionRun = { sections: ['hnsw'], command: node, args: [script('run.js'), ...runArgs, '--sections=hnsw', `--peers=${peer}`, `--datasets=${dim}`], timeoutMs: 45 * MINUTE };
        const [got] = await runSection(run, log);
        // One peer failing is one cell of the table, not the whole section.
        if (got?.error !== undefined) rows.push({ dataset: `${dim}-d`, peer, buildS: null, memMB: null, graphMB: null, ef: null, recall: null, qps: null, queries: null, note: `not run: ${got.error}` });
        else rows.push(...(got?.rows ?? []));
      }
    }
    // A failed peer's row names its dataset by dimension; give it the name the other peers' rows have.
    for (const r of rows) {
      if (typeof r['dataset'] === 'string' && r['dataset'].endsWith('-d')) {
        const dim = r['dataset'].slice(0, -2);
        const named = rows.find((o) => typeof o['dataset'] === 'string' && o['dataset'].endsWith(` x ${dim}`));
        if (named) r['dataset'] = named['dataset'];
      }
    }
    results.push({ section: 'hnsw', rows });
  }
  const inProcess = ['exact', 'filtered', 'quantized'].filter((s) => sections.includes(s));
  if (inProcess.length > 0) {
    log(`--- ${inProcess.join(', ')} on the ${datasets[0]}-d dataset`);
    results.push(...(await runSection({ sections: inProcess, command: node, args: [script('run.js'), ...runArgs, `--sections=${inProcess.join(',')}`, `--datasets=${datasets[0]}`, '--peers='], timeoutMs: 45 * MINUTE }, log)));
  }
  const others: { section: string; file: string; timeoutMs: number; args?: string[]; env?: Record<string, string> }[] = [
    { section: 'server', file: script('server-load-run.js'), timeoutMs: 20 * MINUTE },
    // The same load at 768 dimensions (a common sentence-embedding width), where a search costs several times the
    // transport's share: 16 clients, threads on, REST against its floor and in-process.
    { section: 'server', file: script('server-load-run.js'), timeoutMs: 10 * MINUTE, args: ['--clients=16', '--threads=on', '--transports=rest,http-floor,grpc-raw'], env: { SEXTANT_LOAD_DIM: '768' } },
    { section: 'browser', file: join(root, 'browser', 'scripts', 'bench-chromium.mjs'), timeoutMs: 30 * MINUTE },
    { section: 'sync', file: script('sync-bench.js'), timeoutMs: 30 * MINUTE },
    { section: 'flush', file: script('incremental-flush.js'), timeoutMs: 15 * MINUTE },
  ];
  for (const { section, file, timeoutMs, args = [], env } of others) {
    if (!sections.includes(section)) continue;
    log(`--- ${section}${env === undefined ? '' : ` (${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')})`}`);
    const absent = missing(file, section);
    results.push(...(absent ? [absent] : await runSection({ sections: [section], command: node, args: [file, '--json', ...quickArg, ...args], timeoutMs, ...(env === undefined ? {} : { env }) }, log)));
  }
  const when = new Date().toISOString();
  return mergeSections(results).map((s) => ({ ...s, when }));
}

/** Sections not run now, taken from an earlier run's JSON, each keeping the time it was measured. */
async function merged(now: SectionResult[], file: string | undefined): Promise<SectionResult[]> {
  if (file === undefined) return now;
  const earlier = JSON.parse(await readFile(file, 'utf8')) as BenchRun;
  const out = [...now];
  for (const s of earlier.sections) {
    if (!out.some((o) => o.section === s.section)) out.push({ ...s, when: s.when ?? earlier.when });
  }
  return out.sort((a, b) => ALL_SECTIONS.indexOf(a.section) - ALL_SECTIONS.indexOf(b.section));
}

function footer(run: BenchRun): string {
  const times = [...new Set(run.sections.map((s) => s.when).filter((w): w is string => typeof w === 'string'))].sort();
  const span = times.length > 1 ? `sections measured between ${times[0]} and ${times[times.length - 1]}` : `measured ${times[0] ?? run.when}`;
  return (
    `${run.machine.cpus} cores (${run.machine.model}), ${run.machine.memoryGB} GB, Node ${run.node}; ${span}; ` +
    `${run.params.n / 1000}k x 128 and ${run.params.n / 2000}k x 384 cosine, ${run.params.q} queries, k=${run.params.k}, ` +
    `m=${run.params.m}, ef_construct=${run.params.efConstruct}, single thread, q/s = best chunk of 25 queries within ${run.params.budgetS} s.\n` +
    'Memory: what a peer\'s build added beyond the raw float32 vectors (resident memory, the V8 heap by live bytes), ' +
    'each peer in a process of its own, its library loaded before measuring. ' +
    'Exact engines (no ef) have one row. Cells of Sextant-only figures (no peer offers them) are in its column.'
  );
}

async function render(run: BenchRun, dir: string): Promise<{ table: string; markdown: string; json: string }> {
  const table = combinedTable(run);
  const markdown = `${table}\n\n${footer(run)}\n`;
  const details = detailTables(run);
  const json = `${JSON.stringify(run, null, 2)}\n`;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'latest.json'), json);
  await writeFile(join(dir, 'latest.svg'), recallPlot((run.sections.find((s) => s.section === 'hnsw')?.rows ?? []) as unknown as HnswRow[]));
  await writeFile(join(dir, 'latest.md'), `${markdown}\n## Details\n\n${details}`);
  return { table: `${details}\n## All engines\n\n${markdown}`, markdown, json };
}

const START = '<!-- bench:start (written by `node bench/dist/main.js --publish`) -->';
const END = '<!-- bench:end -->';

/** Copies the latest results to docs/bench/ and writes the table between README's bench markers. */
async function publish(dir: string, markdown: string): Promise<void> {
  const docs = join(root, 'docs', 'bench');
  await mkdir(docs, { recursive: true });
  await copyFile(join(dir, 'latest.json'), join(docs, 'latest.json'));
  await copyFile(join(dir, 'latest.svg'), join(docs, 'recall-qps.svg'));
  await copyFile(join(dir, 'latest.md'), join(docs, 'latest.md'));
  const readme = join(root, 'README.md');
  const text = await readFile(readme, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from === -1 || to < from) {
    log(`README.md has no bench markers; the table is in ${relative(root, join(docs, 'latest.md'))}`);
    return;
  }
  await writeFile(readme, `${text.slice(0, from + START.length)}\n${markdown}${text.slice(to)}`);
  log('published to docs/bench/ and README.md');
}

const options: Record<string, Cell> = { sections: sections.join(','), peers: peers.join(','), datasets: datasets.join(','), quick };
let run: BenchRun;
if (flag('publish-only')) {
  run = JSON.parse(await readFile(join(outDir, 'latest.json'), 'utf8')) as BenchRun;
} else {
  const now = await measure();
  run = {
    when: new Date().toISOString(),
    node: process.version,
    machine: { cpus: cpus().length, model: cpus()[0]?.model.trim() ?? 'unknown', memoryGB: Math.round(totalmem() / 2 ** 30) },
    params: { n, q, k: 10, m: 16, efConstruct: 100, budgetS },
    options,
    sections: await merged(now, option('merge')),
  };
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, `bench-${run.when.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(run, null, 2)}\n`);
}
const { table, markdown } = await render(run, outDir);
console.log(table);
console.log(`results: ${relative(process.cwd(), join(outDir, 'latest.json'))}, plot: ${relative(process.cwd(), join(outDir, 'latest.svg'))}`);
if (flag('publish') || flag('publish-only')) await publish(outDir, markdown);
