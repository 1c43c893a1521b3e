// Query latency in Chromium with the browser SDK's search workers on and off (issue 9), on one database:
// filled once with threads on, closed, reopened from IndexedDB with threads off, and so on, alternating.
//
//   npx esbuild browser/test/bench/threads-bench.ts --bundle --platform=node --format=esm --packages=external \
//     --external:../../scripts/build-sdk.mjs --outfile=browser/test/support/threads-bench.out.mjs
//   node browser/test/support/threads-bench.out.mjs [count=50000] [dim=384] [queries=300] [threads=default]
// (the output sits beside the harness, whose paths are relative to its own file; delete it afterwards)
import { run, startHarness } from '../support/chromium-harness.js';

const [count = 50_000, dim = 384, queries = 300] = process.argv.slice(2, 5).map(Number);
const threadsArg = process.argv[5];
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

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
