/**
 * Rendering of benchmark results: the markdown tables printed by `npm run bench`, the JSON of a whole run and the
 * recall-vs-queries/s SVG. Pure functions from results to strings, so they are unit-tested without running a bench.
 */

/** A flat field of a section row: what the `--json` contract between section scripts allows. */
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

/**
 * What a section script prints with `--json` on stdout's last line (`rows` flat objects), and what the runner
 * keeps of it. `error` instead of rows: the section did not run, and why (the table says so, never a number).
 */
export interface SectionResult {
  section: string;
  rows: Row[];
  error?: string;
  /** When the section was measured (ISO time), set by the runner. */
  when?: string;
}

/** One (dataset, peer, ef) measurement of the HNSW section. Exact peers have one row with ef null. */
export interface HnswRow {
  dataset: string;
  peer: string;
  buildS: number | null;
  /** Memory the build added beyond the raw float32 vectors (see measure.ts `memoryNow`; growth minus n·dim·4), MiB. */
  memMB: number | null;
  /** The index's own count of its graph bytes, when the library tells it (Sextant), MiB. */
  graphMB: number | null;
  ef: number | null;
  recall: number | null;
  qps: number | null;
  queries: number | null;
  note: string;
}

export interface Params {
  n: number;
  q: number;
  k: number;
  m: number;
  efConstruct: number;
  budgetS: number;
}

/** The JSON of a whole `npm run bench`. */
export interface BenchRun {
  when: string;
  node: string;
  machine: { cpus: number; model: string; memoryGB: number };
  params: Params;
  /** The command line options of the run (sections, peers, quick). */
  options: Record<string, Cell>;
  sections: SectionResult[];
}

/** The engines of the combined table, in column order. */
export const ENGINES = ['sextant', 'hnswlib-node', 'hnswlib-wasm', 'usearch', 'voy-search', 'orama', 'vectra'];
export const EFS = [32, 64, 128, 256];

export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${widths.map((w, i) => (cells[i] ?? '').padEnd(w)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const fmt = (v: Cell | undefined, digits: number): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const str = (v: Cell | undefined): string => (v === null || v === undefined ? '' : String(v));
const num = (v: Cell | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Queries/s with 3 significant digits at most, no exponent: 15677 -> 15700, 45.3 -> 45.3, 0.812 -> 0.812. */
export function rate(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return 'n/a';
  if (v >= 1000) return String(Math.round(v / 10 ** (Math.floor(Math.log10(v)) - 2)) * 10 ** (Math.floor(Math.log10(v)) - 2));
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

export function section(sections: SectionResult[], name: string): SectionResult | undefined {
  return sections.find((s) => s.section === name);
}

/** The detailed HNSW table: every peer's row with its q/s as a share of hnswlib-node's at the same dataset and ef. */
export function hnswTable(hnsw: HnswRow[], p: Params): string {
  const ref = new Map<string, number>();
  for (const r of hnsw) if (r.peer === 'hnswlib-node' && r.qps !== null) ref.set(`${r.dataset}/${r.ef}`, r.qps);
  const table = markdownTable(
    ['dataset', 'peer', 'build s', 'mem MB', 'ef', 'recall@10', 'QPS', 'vs hnswlib-node', 'note'],
    hnsw.map((r) => {
      const base = ref.get(`${r.dataset}/${r.ef}`);
      return [
        r.dataset,
        r.peer,
        fmt(r.buildS, 1),
        fmt(r.memMB, 1) + (r.graphMB !== null ? ` (graph ${r.graphMB.toFixed(1)})` : ''),
        r.ef === null ? 'exact' : String(r.ef),
        fmt(r.recall, 4),
        fmt(r.qps, 0),
        base === undefined || r.qps === null ? '' : `${((100 * r.qps) / base).toFixed(0)}%`,
        r.note,
      ];
    }),
  );
  return (
    `${table}\n\nsingle thread, k=${p.k}, m=${p.m}, ef_construct=${p.efConstruct}, cosine; QPS over up to ${p.q} queries ` +
    `(${p.budgetS} s budget per row, best chunk of 25); mem = memory the build added beyond the raw float32 vectors ` +
    '(resident memory with the V8 heap counted by live bytes, after minus before, minus n·dim·4), the same measure for ' +
    'every peer; graph = the index\'s own count of its graph bytes.'
  );
}

export function exactTable(rows: Row[]): string {
  return markdownTable(
    ['dataset', 'exact scans/s', 'scanned GB/s', 'memory read GB/s', 'share', 'kernels'],
    rows.map((r) => {
      const scan = num(r['scanGBs']);
      const mem = num(r['memoryGBs']);
      return [str(r['dataset']), fmt(r['qps'], 1), fmt(scan, 2), fmt(mem, 2), scan !== null && mem ? `${((100 * scan) / mem).toFixed(0)}%` : 'n/a', r['simd'] ? 'wasm SIMD' : 'JS'];
    }),
  );
}

export function filteredTable(rows: Row[]): string {
  return markdownTable(
    ['dataset', 'selectivity', 'matching', 'method', 'recall@10', 'QPS', 'note'],
    rows.map((r) => [str(r['dataset']), `${(Number(r['selectivity']) * 100).toFixed(0)}%`, str(r['matching']), str(r['method']), fmt(r['recall'], 4), fmt(r['qps'], 0), str(r['note'])]),
  );
}

/** Any section's rows as a table: one column per field, in the order fields first appear. */
export function genericTable(rows: Row[]): string {
  const keys: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
  return markdownTable(
    keys,
    rows.map((r) => keys.map((k) => (typeof r[k] === 'number' ? value(k, r[k]) : str(r[k])))),
  );
}

/** A number formatted by what its field name says it is: `...Ms` milliseconds, `...Bytes` bytes, `qps`, shares. */
export function value(key: string, v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if ((/Ms$/.test(key) || key === 'ms') && v >= 10_000) return `${(v / 1000).toFixed(1)} s`;
  if (/Ms$/.test(key) || key === 'ms') return `${v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ms`;
  if (/(Seconds|[a-z]S)$/.test(key)) return `${v.toFixed(1)} s`;
  if (/Bytes$/.test(key) || key === 'bytes') return v >= 1048576 ? `${(v / 1048576).toFixed(1)} MB` : v >= 1024 ? `${(v / 1024).toFixed(1)} KB` : `${v} B`;
  if (/qps$/i.test(key)) return `${rate(v)} q/s`;
  if (/overhead|share|ratio|fraction/i.test(key) && Math.abs(v) <= 1) return `${(v * 100).toFixed(0)}%`;
  if (/recall/i.test(key)) return v.toFixed(4);
  if (/GBs$/.test(key)) return `${v.toFixed(2)} GB/s`;
  if (/MB$/.test(key)) return `${v.toFixed(1)} MB`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** A field name as words: `p50Ms` -> `p50`, `coldOpenMs` -> `cold open`, `wireBytes` -> `wire`. */
export function words(key: string): string {
  const base = key.replace(/(Ms|Bytes|Seconds|S|GBs|MB)$/, '') || key;
  return base.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

/**
 * One row of a Sextant-only section as (label, value) for the combined table. Rows of the shape
 * `{ metric, value, unit? }` read as they are; any other row is labelled by its string fields and valued by its
 * number fields, each formatted by its name (see `value`).
 */
export function describeRow(row: Row): [string, string] {
  if (typeof row['metric'] === 'string' && typeof row['value'] === 'number') {
    const unit = typeof row['unit'] === 'string' ? row['unit'] : '';
    const v = row['value'];
    const shown = unit === 'ms' || unit === 'bytes' || unit === 'qps' ? value(unit === 'ms' ? 'Ms' : unit === 'bytes' ? 'Bytes' : 'qps', v) : `${Number.isInteger(v) ? v : v.toFixed(2)}${unit ? ` ${unit}` : ''}`;
    return [row['metric'], shown + (typeof row['note'] === 'string' && row['note'] ? ` (${row['note']})` : '')];
  }
  const label: string[] = [];
  const values: string[] = [];
  for (const [k, v] of Object.entries(row)) {
    if (k === 'note') continue;
    if (typeof v === 'string') label.push(v);
    else if (typeof v === 'number') values.push(`${words(k)} ${value(k, v)}`);
    else if (v === true) values.push(words(k));
  }
  const note = typeof row['note'] === 'string' && row['note'] ? ` (${row['note']})` : '';
  return [label.join(', '), values.join(', ') + note];
}

/**
 * A server load row (bench/src/server-load.ts: path, concurrency, threads, qps, p50Ms, p99Ms, overhead, errors)
 * in a few words; other shapes fall back to `describeRow`.
 */
export function describeServerRow(row: Row): [string, string] {
  if (typeof row['path'] !== 'string' || typeof row['qps'] !== 'number') return describeRow(row);
  const clients = typeof row['concurrency'] === 'number' ? `, ${row['concurrency']} client${row['concurrency'] === 1 ? '' : 's'}` : '';
  const threads = typeof row['threads'] === 'string' ? `, search threads ${row['threads']}` : '';
  const size = typeof row['n'] === 'number' && typeof row['dim'] === 'number' ? `${row['n'] / 1000}k x ${row['dim']}, ` : '';
  const parts = [`${rate(row['qps'])} q/s`];
  if (typeof row['p50Ms'] === 'number') parts.push(`p50 ${value('p50Ms', row['p50Ms'])}`);
  if (typeof row['p99Ms'] === 'number') parts.push(`p99 ${value('p99Ms', row['p99Ms'])}`);
  if (typeof row['overhead'] === 'number') parts.push(relativeToInProcess(row['overhead']));
  if (typeof row['ceilingQps'] === 'number' && typeof row['ceilingOverhead'] === 'number') {
    parts.push(`CPU ceiling ${rate(row['ceilingQps'])} q/s (${relativeToInProcess(row['ceilingOverhead']).replace(' in-process', '')})`);
  }
  if (typeof row['errors'] === 'number' && row['errors'] > 0) parts.push(`${row['errors']} errors`);
  return [`${size}${row['path']}${clients}${threads}`, parts.join(', ')];
}

/** An overhead (1 - q/s ÷ in-process q/s) in words: a floor that does no search can answer more than in-process. */
function relativeToInProcess(overhead: number): string {
  const percent = Math.round(overhead * 100);
  return percent < 0 ? `${-percent}% above in-process` : `${percent}% below in-process`;
}

const SEXTANT_ONLY: { section: string; title: string }[] = [
  { section: 'server', title: 'server' },
  { section: 'browser', title: 'browser (Chromium)' },
  { section: 'sync', title: 'sync' },
  { section: 'flush', title: 'incremental flush' },
];

/**
 * The one table of `npm run bench`: a column per engine, a row per figure. Engine rows per dataset (build s,
 * memory, recall@10 / q/s at each ef, exact search), then Sextant's own figures (exact scan GB/s, filtered search,
 * server, browser, sync, flush) in Sextant's column. A section that did not run says so; no number is made up.
 */
export function combinedTable(run: Pick<BenchRun, 'sections'>, engines: string[] = ENGINES): string {
  const rows: string[][] = [];
  const blank = engines.map(() => '');
  const sextantOnly = (label: string, text: string) => rows.push([label, text, ...blank.slice(1)]);
  const hnswSection = section(run.sections, 'hnsw');
  const exactSection = section(run.sections, 'exact');
  const hnsw = (hnswSection?.rows ?? []) as unknown as HnswRow[];
  const datasets = [...new Set(hnsw.map((r) => r.dataset))];
  for (const ds of datasets) {
    const of = (peer: string) => hnsw.filter((r) => r.dataset === ds && r.peer === peer);
    const first = (peer: string) => of(peer)[0];
    const failed = (peer: string) => {
      const r = first(peer);
      return r === undefined ? 'not run' : r.buildS === null ? r.note : undefined;
    };
    const perEngine = (cell: (peer: string) => string) => engines.map((e) => failed(e) ?? cell(e));
    rows.push([`**${ds}** build s`, ...perEngine((e) => fmt(first(e)!.buildS, 1))]);
    // Sextant's graph built by the batch-parallel insert on 2 threads (peer `sextant-threads`), in Sextant's column.
    const threaded = hnsw.find((r) => r.dataset === ds && r.peer.startsWith('sextant, ') && r.buildS !== null);
    if (threaded !== undefined) sextantOnly(`${ds} build s, ${threaded.peer.slice('sextant, '.length)}`, `${fmt(threaded.buildS, 1)} (recall@10 ef 64: ${fmt(hnsw.find((r) => r.dataset === ds && r.peer === threaded.peer && r.ef === 64)?.recall ?? null, 3)})`);
    rows.push([`${ds} memory beyond vectors, MB`, ...perEngine((e) => fmt(first(e)!.memMB, 1))]);
    for (const ef of EFS) {
      rows.push([
        `${ds} recall@10 / q/s, ef ${ef}`,
        ...engines.map((e) => {
          if (failed(e) !== undefined) return '';
          const r = of(e).find((x) => x.ef === ef);
          return r ? `${fmt(r.recall, 3)} / ${rate(r.qps)}` : of(e).some((x) => x.ef === null) ? '(exact)' : '';
        }),
      ]);
    }
    const exactRow = exactSection?.rows.find((r) => r['dataset'] === ds);
    const exactCells = engines.map((e) => {
      if (e === 'sextant' && exactRow) return `1.000 / ${rate(num(exactRow['qps']))}`;
      const r = of(e).find((x) => x.ef === null);
      return r && r.buildS !== null ? `${fmt(r.recall, 3)} / ${rate(r.qps)}` : '';
    });
    if (exactCells.some((c) => c !== '')) rows.push([`${ds} exact search (no ef): recall@10 / q/s`, ...exactCells]);
  }
  if (hnswSection?.error !== undefined) sextantOnly('HNSW and peers', `not run: ${hnswSection.error}`);
  if (exactSection?.error !== undefined) sextantOnly('exact scan', `not run: ${exactSection.error}`);
  for (const r of exactSection?.rows ?? []) {
    const scan = num(r['scanGBs']);
    const mem = num(r['memoryGBs']);
    sextantOnly(
      `${str(r['dataset'])} exact scan GB/s vs machine read GB/s`,
      `${fmt(scan, 2)} of ${fmt(mem, 2)} GB/s${scan !== null && mem ? ` (${((100 * scan) / mem).toFixed(0)}%)` : ''}, ${r['simd'] ? 'wasm SIMD' : 'JS'}`,
    );
  }
  const filtered = section(run.sections, 'filtered');
  if (filtered?.error !== undefined) sextantOnly('filtered search', `not run: ${filtered.error}`);
  const bySelectivity = new Map<string, Row[]>();
  for (const r of filtered?.rows ?? []) bySelectivity.set(`${str(r['dataset'])} filtered ${(Number(r['selectivity']) * 100).toFixed(0)}%`, [...(bySelectivity.get(`${str(r['dataset'])} filtered ${(Number(r['selectivity']) * 100).toFixed(0)}%`) ?? []), r]);
  for (const [label, list] of bySelectivity) {
    sextantOnly(
      `${label}: recall@10 / q/s`,
      list.map((r) => `${r['method'] === 'sextant filter' ? 'filtered' : str(r['method'])} ${fmt(r['recall'], 3)} / ${rate(num(r['qps']))}`).join('; '),
    );
  }
  for (const { section: name, title } of SEXTANT_ONLY) {
    const s = section(run.sections, name);
    if (s === undefined) continue;
    if (s.error !== undefined) sextantOnly(title, `not run: ${s.error}`);
    else if (s.rows.length === 0) sextantOnly(title, 'not run: no rows');
    else for (const r of s.rows) {
      const [label, text] = name === 'server' ? describeServerRow(r) : describeRow(r);
      sextantOnly(`${title}: ${label}`, text);
    }
  }
  return markdownTable(['', ...engines], rows);
}

/** Every section's detailed table, for the full printout below the combined one. */
export function detailTables(run: Pick<BenchRun, 'sections' | 'params'>): string {
  const out: string[] = [];
  for (const s of run.sections) {
    out.push(`### ${s.section}`);
    if (s.error !== undefined) out.push(`not run: ${s.error}`);
    else if (s.section === 'hnsw') out.push(hnswTable(s.rows as unknown as HnswRow[], run.params));
    else if (s.section === 'exact') out.push(exactTable(s.rows));
    else if (s.section === 'filtered') out.push(filteredTable(s.rows));
    else if (s.rows.length === 0) out.push('no rows');
    else out.push(genericTable(s.rows));
    out.push('');
  }
  return out.join('\n');
}

const COLOURS: Record<string, string> = {
  sextant: '#d62728',
  'hnswlib-node': '#1f77b4',
  'hnswlib-wasm': '#2ca02c',
  usearch: '#ff7f0e',
  'voy-search': '#9467bd',
  orama: '#8c564b',
  vectra: '#e377c2',
};
const EXTRA_COLOURS = ['#17becf', '#bcbd22', '#7f7f7f'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Recall@10 (x) against queries/s (y, log scale): one panel per dataset, one line per engine through its ef
 * values (a single marker for exact engines, which have no ef), axes labelled, a legend of the engines.
 */
export function recallPlot(rows: HnswRow[]): string {
  const pts = rows.filter((r) => r.recall !== null && r.qps !== null && r.qps > 0);
  const datasets = [...new Set(pts.map((r) => r.dataset))];
  const engines = [...new Set(pts.map((r) => r.peer))];
  const colour = (peer: string) => COLOURS[peer] ?? EXTRA_COLOURS[engines.indexOf(peer) % EXTRA_COLOURS.length]!;
  const PW = 460; // panel width
  const PH = 360;
  const L = 70;
  const T = 40;
  const B = 50;
  const R = 20;
  const legendW = 150;
  const W = Math.max(1, datasets.length) * (L + PW + R) + legendW;
  const H = T + PH + B;
  const qs = pts.map((r) => Math.log10(r.qps!));
  const minQ = Math.floor(Math.min(...qs, 2));
  const maxQ = Math.ceil(Math.max(...qs, 3));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  if (pts.length === 0) out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no recall / queries-per-second results</text>`);
  datasets.forEach((ds, d) => {
    // Each panel's recall axis spans its own points (from a hundredth below the lowest), so close curves separate.
    const minR = Math.max(0, Math.floor(Math.min(...pts.filter((r) => r.dataset === ds).map((r) => r.recall!)) * 100 - 0.5) / 100);
    const x0 = d * (L + PW + R) + L;
    const x = (rec: number) => x0 + ((rec - minR) / (1 - minR)) * PW;
    const y = (qps: number) => T + PH - ((Math.log10(qps) - minQ) / (maxQ - minQ)) * PH;
    out.push(`<text x="${x0 + PW / 2}" y="${T - 16}" text-anchor="middle" font-weight="bold">${esc(ds)}</text>`);
    for (let e = minQ; e <= maxQ; e++) {
      out.push(`<line x1="${x0}" y1="${y(10 ** e)}" x2="${x0 + PW}" y2="${y(10 ** e)}" stroke="#ddd"/>`);
      out.push(`<text x="${x0 - 6}" y="${y(10 ** e) + 4}" text-anchor="end">${10 ** e >= 1 ? 10 ** e : (10 ** e).toPrecision(1)}</text>`);
    }
    for (let i = 0; i <= 4; i++) {
      const rec = minR + ((1 - minR) * i) / 4;
      out.push(`<line x1="${x(rec)}" y1="${T}" x2="${x(rec)}" y2="${T + PH}" stroke="#eee"/>`);
      out.push(`<text x="${x(rec)}" y="${T + PH + 16}" text-anchor="middle">${rec.toFixed(3)}</text>`);
    }
    out.push(`<line x1="${x0}" y1="${T + PH}" x2="${x0 + PW}" y2="${T + PH}" stroke="black"/><line x1="${x0}" y1="${T}" x2="${x0}" y2="${T + PH}" stroke="black"/>`);
    out.push(`<text x="${x0 + PW / 2}" y="${H - 12}" text-anchor="middle">recall@10</text>`);
    out.push(`<text x="${x0 - 52}" y="${T + PH / 2}" transform="rotate(-90 ${x0 - 52} ${T + PH / 2})" text-anchor="middle">queries/s (log scale)</text>`);
    for (const peer of engines) {
      const list = pts.filter((r) => r.dataset === ds && r.peer === peer).sort((a, b) => (a.ef ?? 0) - (b.ef ?? 0));
      if (list.length === 0) continue;
      const c = colour(peer);
      if (list.length > 1) out.push(`<polyline points="${list.map((r) => `${x(r.recall!).toFixed(1)},${y(r.qps!).toFixed(1)}`).join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`);
      for (const r of list) {
        out.push(`<circle cx="${x(r.recall!).toFixed(1)}" cy="${y(r.qps!).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(`${peer} ${r.ef === null ? 'exact' : `ef ${r.ef}`}: recall ${r.recall!.toFixed(4)}, ${rate(r.qps)} q/s`)}</title></circle>`);
      }
    }
  });
  const lx = W - legendW + 10;
  engines.forEach((peer, i) => {
    const c = colour(peer);
    out.push(`<line x1="${lx}" y1="${T + 10 + 18 * i}" x2="${lx + 20}" y2="${T + 10 + 18 * i}" stroke="${c}" stroke-width="2"/><circle cx="${lx + 10}" cy="${T + 10 + 18 * i}" r="3.5" fill="${c}"/>`);
    out.push(`<text x="${lx + 26}" y="${T + 14 + 18 * i}">${esc(peer)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
