// Query latency in Chromium with the browser SDK's search workers on and off (issue 9), on one database:
// filled once with threads on, closed, reopened from IndexedDB with threads off, and so on, alternating.
//
//   npx esbuild browser/test/bench/threads-bench.ts --bundle --platform=node --format=esm --packages=external \
//     --external:../../scripts/build-sdk.mjs --outfile=browser/test/support/threads-bench.out.mjs
//   node browser/test/support/threads-bench.out.mjs [count=50000] [dim=384] [queries=300] [threads=default]
// (the output sits beside the harness, whose paths are relative to its own file; delete it afterwards)
//
// Index build time instead, with 2 search workers planning the batches against none, alternating, each round a fresh
// database in a new page of the isolated origin: written in chunks of 1,000 while the background build runs, then
// the build alone (the same points written with indexing off, then indexing turned on):
//   node browser/test/support/threads-bench.out.mjs build [count=20000] [dim=128] [rounds=3] [threads=2]
import { run, startHarness } from '../support/chromium-harness.js';

const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

if (process.argv[2] === 'build') {
  await benchBuild(...process.argv.slice(3, 7).map(Number));
  process.exit(0);
}

const [count = 50_000, dim = 384, queries = 300] = process.argv.slice(2, 5).map(Number);
const threadsArg = process.argv[5];

const harness = await startHarness('threads-bench-scenarios.ts', { headers: ISOLATION });
try {
  const context = await harness.browser.newContext();
  const threads = threadsArg === undefined ? null : Number(threadsArg);
  const page = await harness.newPage(context);
  const opened = await run<object>(page, 'open', 'bench', threads ?? undefined);
  console.log('opened', JSON.stringify(opened));
  console.log('fill', JSON.stringify(await run(page, 'fill', 'c', count, dim)));
  await run(page, 'close');
  const rows: string[] = [];
  for (const round of [0, 1]) {
    for (const on of [true, false]) {
      const p = await harness.newPage(context);
      await run(p, 'open', 'bench', on ? (threads ?? undefined) : 0);
      for (const ef of [64, 128]) {
        const m = await run<{ p50: number; p99: number; qps: number; searchThreads: number; offloaded: number }>(p, 'measure', 'c', count, dim, queries, 4, ef);
        rows.push(
          `round ${round} ef ${ef} threads ${String(m.searchThreads).padStart(2)}: p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, ` +
            `${m.qps.toFixed(0)} q/s (4 in flight), offloaded ${m.offloaded}`,
        );
        console.log(rows.at(-1));
      }
      await run(p, 'close');
      await p.close();
    }
  }
} finally {
  await harness.close();
}

async function benchBuild(count = 20_000, dim = 128, rounds = 3, threads = 2): Promise<void> {
  const harness = await startHarness('threads-bench-scenarios.ts', { headers: ISOLATION });
  const runs = new Map<number, { indexed: number; tail: number; alone: number }[]>([
    [threads, []],
    [0, []],
  ]);
  try {
    const context = await harness.browser.newContext();
    for (let round = 0; round < rounds; round++) {
      for (const t of round % 2 === 0 ? [threads, 0] : [0, threads]) {
        const page = await harness.newPage(context);
        await run(page, 'open', `build-${round}-${t}`, t);
        const f = await run<{ indexed: number; tail: number }>(page, 'fill', 'c', count, dim);
        const alone = await run<{ seconds: number }>(page, 'buildAfterWrites', 'd', count, dim);
        const report = await run<{ searchThreads: number; planned: number }>(page, 'report');
        runs.get(t)!.push({ ...f, alone: alone.seconds });
        console.log(
          `round ${round} threads ${report.searchThreads}: indexed ${f.indexed.toFixed(2)} s after the first write, ` +
            `${f.tail.toFixed(2)} s after the last; built alone in ${alone.seconds.toFixed(2)} s; ` +
            `${report.planned} shares planned on the workers`,
        );
        await run(page, 'close');
        await page.close();
      }
    }
  } finally {
    await harness.close();
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [t, rs] of runs) {
    console.log(
      `${count} x ${dim}, ${t} search workers, medians of ${rs.length}: indexed ${median(rs.map((r) => r.indexed)).toFixed(2)} s ` +
        `after the first write, ${median(rs.map((r) => r.tail)).toFixed(2)} s after the last; built alone in ` +
        `${median(rs.map((r) => r.alone)).toFixed(2)} s`,
    );
  }
}
