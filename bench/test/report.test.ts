import { describe, expect, it } from 'vitest';
import { withCpuCeilings, type LoadRow } from '../src/server-load.js';
import { combinedTable, describeRow, describeServerRow, detailTables, markdownTable, rate, recallPlot, value, type HnswRow, type Row, type SectionResult } from '../src/report.js';
import { mergeSections, parseSectionOutput, runSection } from '../src/sections.js';

const hnsw = (peer: string, ef: number | null, recall: number, qps: number, extra: Partial<HnswRow> = {}): HnswRow => ({
  dataset: '100k x 128',
  peer,
  buildS: 20,
  memMB: 13.2,
  graphMB: null,
  ef,
  recall,
  qps,
  queries: 1000,
  note: '',
  ...extra,
});

const hnswRows: HnswRow[] = [
  ...[32, 64, 128, 256].map((ef, i) => hnsw('sextant', ef, 0.95 + i * 0.015, 16000 / (i + 1), { graphMB: 13.1 })),
  ...[32, 64, 128, 256].map((ef, i) => hnsw('hnswlib-node', ef, 0.96 + i * 0.01, 8000 / (i + 1), { buildS: 56.3 })),
  hnsw('vectra', null, 1, 12.5, { buildS: 9.1, memMB: 120.4, note: 'exact scan, no ef' }),
  hnsw('voy-search', null, 0, 0, { buildS: null, memMB: null, recall: null, qps: null, note: 'not run: exited with 1 after 3 s: Error: boom' }),
];

const params = { n: 100000, q: 1000, k: 10, m: 16, efConstruct: 100, budgetS: 4 };

describe('markdown table', () => {
  it('pads every column to its widest cell and has a separator row', () => {
    const t = markdownTable(['a', 'long header'], [['wide cell here', 'x'], ['y', '']]).split('\n');
    expect(t).toHaveLength(4);
    expect(new Set(t.map((l) => l.length)).size).toBe(1);
    expect(t[1]).toMatch(/^\|-+\|-+\|$/);
    expect(t[2]).toBe('| wide cell here | x           |');
  });
});

describe('number formats', () => {
  it('rate keeps 3 significant digits without exponents', () => {
    expect(rate(15677.08)).toBe('15700');
    expect(rate(1234)).toBe('1230');
    expect(rate(456.7)).toBe('457');
    expect(rate(45.33)).toBe('45.3');
    expect(rate(0.8123)).toBe('0.812');
    expect(rate(null)).toBe('n/a');
    expect(rate(Number.NaN)).toBe('n/a');
  });
  it('value formats a number by what its field name says', () => {
    expect(value('p50Ms', 3.456)).toBe('3.46 ms');
    expect(value('coldOpenMs', 812)).toBe('812 ms');
    expect(value('loadMs', 228266)).toBe('228.3 s');
    expect(value('wireBytes', 3 * 1048576)).toBe('3.0 MB');
    expect(value('deltaBytes', 2048)).toBe('2.0 KB');
    expect(value('qps', 15677)).toBe('15700 q/s');
    expect(value('overhead', 0.123)).toBe('12%');
    expect(value('loadSeconds', 12.34)).toBe('12.3 s');
    expect(value('items', 5)).toBe('5');
    expect(value('concurrency', 16)).toBe('16');
  });
});

describe('rows of other sections', () => {
  it('reads { metric, value, unit, note } rows as they are', () => {
    expect(describeRow({ metric: 'cold open', value: 812, unit: 'ms', note: '300 MB stored' })).toEqual(['cold open', '812 ms (300 MB stored)']);
    expect(describeRow({ metric: 'initial sync', value: 5 * 1048576, unit: 'bytes' })).toEqual(['initial sync', '5.0 MB']);
    expect(describeRow({ metric: 'changes', value: 100, unit: 'points' })).toEqual(['changes', '100 points']);
  });
  it('labels any other row by its strings and values it by its numbers', () => {
    const [label, text] = describeRow({ path: 'rest', concurrency: 16, qps: 4200, p50Ms: 3.2, p99Ms: 9.5, overhead: 0.18, note: 'autocannon' });
    expect(label).toBe('rest');
    expect(text).toBe('concurrency 16, qps 4200 q/s, p50 3.20 ms, p99 9.50 ms, overhead 18% (autocannon)');
  });
});

describe('server load rows', () => {
  it('say transport, clients, threads, q/s, latency and overhead in a few words', () => {
    const row = { path: 'rest', concurrency: 16, threads: 'off', queries: 9000, errors: 0, seconds: 6, qps: 1500.4, p50Ms: 9.87, p99Ms: 21.2, overhead: 0.231, serverCpuUs: 600 };
    expect(describeServerRow(row)).toEqual(['rest, 16 clients, search threads off', '1500 q/s, p50 9.87 ms, p99 21.2 ms, 23% below in-process']);
    expect(describeServerRow({ path: 'in-process', concurrency: 1, qps: 5000, p50Ms: 0.2, p99Ms: 0.5, errors: 3 })).toEqual(['in-process, 1 client', '5000 q/s, p50 0.20 ms, p99 0.50 ms, 3 errors']);
    expect(describeServerRow({ metric: 'x', value: 2, unit: 'ms' })).toEqual(['x', '2 ms']);
    // Rows of a run at another size say which (the section holds the 128- and 768-dimension runs together).
    expect(describeServerRow({ ...row, n: 20000, dim: 768 })[0]).toBe('20k x 768, rest, 16 clients, search threads off');
    // A floor answers without searching, so it can outrun in-process.
    expect(describeServerRow({ ...row, path: 'http-floor', overhead: -0.198 })[1]).toBe('1500 q/s, p50 9.87 ms, p99 21.2 ms, 20% above in-process');
    expect(describeServerRow({ ...row, ceilingQps: 5969.6, ceilingOverhead: 0.3616 })[1]).toBe(
      '1500 q/s, p50 9.87 ms, p99 21.2 ms, 23% below in-process, CPU ceiling 5970 q/s (36% below)',
    );
  });
});

describe('CPU ceilings of transport rows', () => {
  const base = { queries: 1, errors: 0, seconds: 1, p50Ms: 1, p99Ms: 1 };
  const rows: LoadRow[] = [
    { ...base, path: 'in-process', concurrency: 16, threads: 'off', qps: 9700, serverCpuUs: 106 },
    { ...base, path: 'rest', concurrency: 16, threads: 'off', qps: 3200, serverCpuUs: 323, clientCpuUs: 50, overhead: 0.67 },
    { ...base, path: 'http-floor', concurrency: 16, threads: 'off', qps: 8000, serverCpuUs: 125, clientCpuUs: 41, overhead: 0.17 },
    { ...base, path: 'in-process', concurrency: 16, threads: 'on', qps: 9350, serverCpuUs: 169 },
    { ...base, path: 'rest', concurrency: 16, threads: 'on', qps: 3600, serverCpuUs: 342, clientCpuUs: 32, overhead: 0.61 },
    { ...base, path: 'grpc-raw', concurrency: 16, threads: 'on', qps: 2950, serverCpuUs: 364, clientCpuUs: 175, overhead: 0.68 },
    { ...base, path: 'in-process', concurrency: 1, threads: 'on', qps: 3500, serverCpuUs: 278 },
    { ...base, path: 'rest', concurrency: 1, threads: 'on', qps: 1500, serverCpuUs: 470, clientCpuUs: 115, overhead: 0.57 },
  ];
  const out = withCpuCeilings(rows, 2);

  it('bound a threads-on row by the cores over the engine call plus its floor server and generator', () => {
    const rest = out[4]!;
    // 2 cores x 1e6 µs / (169 + 125 + 41) µs a query
    expect(rest.ceilingQps).toBeCloseTo(2e6 / 335, 6);
    expect(rest.ceilingOverhead).toBeCloseTo(1 - 2e6 / 335 / 9350, 6);
  });

  it('leave rows with threads off, floors, in-process rows and rows without a floor at their concurrency alone', () => {
    for (const i of [0, 1, 2, 3, 5, 6, 7]) expect(out[i]).toEqual(rows[i]);
  });
});

describe('the combined table', () => {
  const sections: SectionResult[] = [
    { section: 'hnsw', rows: hnswRows as unknown as Row[] },
    { section: 'exact', rows: [{ dataset: '100k x 128', qps: 150, scanGBs: 7.68, memoryGBs: 12.8, simd: true }] },
    {
      section: 'filtered',
      rows: [
        { dataset: '100k x 128', selectivity: 0.01, matching: 1000, method: 'sextant filter', recall: 1, qps: 9000, note: '' },
        { dataset: '100k x 128', selectivity: 0.01, matching: 1000, method: 'brute force', recall: 1, qps: 5000, note: '' },
      ],
    },
    { section: 'server', rows: [], error: 'exited with 1 after 2 s' },
    { section: 'browser', rows: [{ metric: 'cold open of 100k x 384 from IndexedDB', value: 950, unit: 'ms' }] },
    { section: 'sync', rows: [], error: 'bench/dist/sync-bench.js is not there' },
  ];
  const table = combinedTable({ sections });
  const lines = table.split('\n');
  const row = (start: string) => lines.find((l) => l.startsWith(`| ${start}`))!.split('|').map((c) => c.trim()).slice(1, -1);

  it('has one column per engine, Sextant first', () => {
    expect(row('')).toEqual(['', 'sextant', 'hnswlib-node', 'hnswlib-wasm', 'usearch', 'voy-search', 'orama', 'vectra']);
  });
  it('puts build, memory and recall / q/s per ef side by side', () => {
    expect(row('**100k x 128** build s')).toEqual(['**100k x 128** build s', '20.0', '56.3', 'not run', 'not run', 'not run: exited with 1 after 3 s: Error: boom', 'not run', '9.1']);
    expect(row('100k x 128 memory')).toEqual(['100k x 128 memory beyond vectors, MB', '13.2', '13.2', 'not run', 'not run', 'not run: exited with 1 after 3 s: Error: boom', 'not run', '120.4']);
    expect(row('100k x 128 recall@10 / q/s, ef 64').slice(1, 3)).toEqual(['0.965 / 8000', '0.970 / 4000']);
    expect(row('100k x 128 recall@10 / q/s, ef 32')[7]).toBe('(exact)');
  });
  it('gives Sextant\'s build on 2 threads a row of its own, in Sextant\'s column, with its recall at ef 64', () => {
    const threaded = [64, 128].map((ef) => hnsw('sextant, 2 threads', ef, ef === 64 ? 0.963 : 0.99, 8000, { buildS: 11.5 }));
    const withThreads = combinedTable({ sections: [{ section: 'hnsw', rows: [...hnswRows, ...threaded] as unknown as Row[] }] });
    const line = withThreads.split('\n').find((l) => l.startsWith('| 100k x 128 build s, 2 threads'));
    expect(line?.split('|').map((c) => c.trim()).slice(1, 4)).toEqual(['100k x 128 build s, 2 threads', '11.5 (recall@10 ef 64: 0.963)', '']);
    expect(table).not.toContain('2 threads');
  });
  it('sets exact engines beside Sextant\'s exact search', () => {
    const exact = row('100k x 128 exact search');
    expect(exact[1]).toBe('1.000 / 150');
    expect(exact[7]).toBe('1.000 / 12.5');
    expect(exact[2]).toBe('');
  });
  it('shows the scan rate beside the machine\'s read bandwidth', () => {
    expect(row('100k x 128 exact scan')[1]).toBe('7.68 of 12.80 GB/s (60%), wasm SIMD');
  });
  it('gives filtered search, browser and the sections that did not run in Sextant\'s column', () => {
    expect(row('100k x 128 filtered 1%')[1]).toBe('filtered 1.000 / 9000; brute force 1.000 / 5000');
    expect(row('browser (Chromium): cold open')[1]).toBe('950 ms');
    expect(row('server')[1]).toBe('not run: exited with 1 after 2 s');
    expect(row('sync')[1]).toBe('not run: bench/dist/sync-bench.js is not there');
    expect(table).not.toContain('incremental flush'); // not asked for, not shown
  });
  it('prints every section in the details, failures as not run', () => {
    const details = detailTables({ sections, params });
    expect(details).toContain('### server\nnot run: exited with 1 after 2 s');
    expect(details).toContain('| 100k x 128 | hnswlib-node | 56.3    | 13.2');
    expect(details).toMatch(/\| 100k x 128 \| sextant +\| 20\.0 +\| 13\.2 \(graph 13\.1\) \| 32 +\| 0\.9500 +\| 16000 \| 200% /); // q/s as a share of hnswlib-node's
  });
});

describe('the recall / queries-per-second plot', () => {
  const svg = recallPlot([...hnswRows, ...hnswRows.map((r) => ({ ...r, dataset: '50k x 384' }))]);
  it('is an SVG with labelled axes and a panel per dataset', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg.match(/>recall@10</g)).toHaveLength(2);
    expect(svg.match(/>queries\/s \(log scale\)</g)).toHaveLength(2);
    expect(svg).toContain('>100k x 128<');
    expect(svg).toContain('>50k x 384<');
  });
  it('draws one line per engine and dataset through its ef points, a marker for exact engines, a legend entry each', () => {
    expect(svg.match(/<polyline /g)).toHaveLength(4); // sextant and hnswlib-node on two datasets
    expect(svg.match(/<circle [^>]*><title>/g)).toHaveLength(2 * 9); // 4 + 4 + vectra's 1, per dataset
    for (const engine of ['sextant', 'hnswlib-node', 'vectra']) expect(svg).toContain(`>${engine}</text>`);
    expect(svg).not.toContain('>voy-search</text>'); // no result, no legend entry
  });
  it('places higher q/s higher and higher recall further right', () => {
    const points = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="3.5" fill="#d62728"><title>sextant ef (\d+)/g)].slice(0, 4).map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
    expect(points).toHaveLength(4);
    for (let i = 1; i < 4; i++) {
      expect(points[i]!.x).toBeGreaterThan(points[i - 1]!.x); // recall rises with ef
      expect(points[i]!.y).toBeGreaterThan(points[i - 1]!.y); // q/s falls: lower on the page
    }
  });
  it('escapes names and says so when there is nothing to draw', () => {
    expect(recallPlot([hnsw('a<b', 32, 0.9, 100)])).toContain('>a&lt;b</text>');
    expect(recallPlot([])).toContain('no recall / queries-per-second results');
  });
});

describe('the section contract', () => {
  it('takes the last non-empty stdout line as the section JSON', () => {
    const out = 'progress\n{"not":"this"}\n{"section":"flush","rows":[{"metric":"x","value":1,"unit":"ms","ok":true,"none":null}]}\n\n';
    expect(parseSectionOutput(out)).toEqual([{ section: 'flush', rows: [{ metric: 'x', value: 1, unit: 'ms', ok: true, none: null }] }]);
  });
  it('takes several sections from one line', () => {
    const got = parseSectionOutput('{"params":{},"sections":[{"section":"exact","rows":[]},{"section":"filtered","rows":[{"qps":1}]}]}');
    expect(got.map((s) => s.section)).toEqual(['exact', 'filtered']);
  });
  it('refuses output that breaks the contract, saying how', () => {
    expect(() => parseSectionOutput('')).toThrow('printed nothing');
    expect(() => parseSectionOutput('table\n| a |')).toThrow('not JSON');
    expect(() => parseSectionOutput('{"rows":[]}')).toThrow('"section"');
    expect(() => parseSectionOutput('{"section":"s","rows":[{"a":{"b":1}}]}')).toThrow('not flat');
  });
  it('merges per-peer runs of one section and keeps errors', () => {
    const merged = mergeSections([
      { section: 'hnsw', rows: [{ peer: 'a' }] },
      { section: 'exact', rows: [], error: 'x' },
      { section: 'hnsw', rows: [{ peer: 'b' }] },
    ]);
    expect(merged).toEqual([
      { section: 'hnsw', rows: [{ peer: 'a' }, { peer: 'b' }] },
      { section: 'exact', rows: [], error: 'x' },
    ]);
  });
});

describe('running a section script', () => {
  const node = process.execPath;
  const quiet = () => {};
  it('returns the sections a script prints', async () => {
    const script = `console.log('detail'); console.error('progress'); console.log(JSON.stringify({ section: 's', rows: [{ v: 1 }] }))`;
    expect(await runSection({ sections: ['s'], command: node, args: ['-e', script], timeoutMs: 20_000 }, quiet)).toEqual([{ section: 's', rows: [{ v: 1 }] }]);
  });
  it('marks every expected section not run when the script fails, with its error line', async () => {
    const got = await runSection({ sections: ['a', 'b'], command: node, args: ['-e', 'throw new Error("no server")'], timeoutMs: 20_000 }, quiet);
    expect(got.map((s) => s.section)).toEqual(['a', 'b']);
    for (const s of got) {
      expect(s.rows).toEqual([]);
      expect(s.error).toMatch(/^exited with 1 after \d+ s: Error: no server/);
    }
  });
  it('marks a section the script did not report, and a script that prints no JSON', async () => {
    const got = await runSection({ sections: ['a', 'b'], command: node, args: ['-e', 'console.log(JSON.stringify({ section: "a", rows: [] }))'], timeoutMs: 20_000 }, quiet);
    expect(got).toEqual([{ section: 'a', rows: [] }, { section: 'b', rows: [], error: 'the script reported no such section' }]);
    const none = await runSection({ sections: ['a'], command: node, args: ['-e', 'console.log("| a table |")'], timeoutMs: 20_000 }, quiet);
    expect(none[0]!.error).toContain('not JSON');
  });
  it('stops a script at its time limit', async () => {
    const got = await runSection({ sections: ['slow'], command: node, args: ['-e', 'setTimeout(() => {}, 60_000)'], timeoutMs: 300 }, quiet);
    expect(got).toEqual([{ section: 'slow', rows: [], error: 'stopped after the 0.3 s time limit' }]);
  });
});
