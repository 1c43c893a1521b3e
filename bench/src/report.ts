import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExactScanResult } from './exact-scan.js';
import type { FilteredRow } from './filtered.js';

export interface HnswRow {
  dataset: string;
  peer: string;
  buildS: number | null;
  memMB: number | null;
  /** 'graph': exact bytes of the index beyond the vectors; 'RSS+': resident growth during the build. */
  memKind: 'graph' | 'RSS+' | null;
  ef: number | null;
  recall: number | null;
  qps: number | null;
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

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

const fmt = (v: number | null, digits: number): string => (v === null ? 'n/a' : v.toFixed(digits));

/**
 * The HNSW table carries each peer's q/s as a share of hnswlib-node's at the same dataset and ef (the issue's
 * targets are ratios, and ratios from one run survive a loaded machine far better than absolute numbers).
 */
export function printTable(hnsw: HnswRow[], exact: (ExactScanResult & { dataset: string }) | undefined, filtered: (FilteredRow & { dataset: string })[], p: Params): void {
  if (hnsw.length > 0) {
    const ref = new Map<string, number>();
    for (const r of hnsw) if (r.peer === 'hnswlib-node' && r.qps !== null) ref.set(`${r.dataset}/${r.ef}`, r.qps);
    table(
      ['dataset', 'peer', 'build s', 'mem MB', 'ef', 'recall@10', 'QPS', 'vs hnswlib-node', 'note'],
      hnsw.map((r) => {
        const base = ref.get(`${r.dataset}/${r.ef}`);
        return [
          r.dataset,
          r.peer,
          fmt(r.buildS, 1),
          r.memMB === null ? 'n/a' : `${r.memMB.toFixed(1)} ${r.memKind}`,
          r.ef === null ? 'n/a' : String(r.ef),
          fmt(r.recall, 4),
          fmt(r.qps, 0),
          base === undefined || r.qps === null ? '' : `${((100 * r.qps) / base).toFixed(0)}%`,
          r.note,
        ];
      }),
    );
    console.log(
      `\nsingle thread, k=${p.k}, m=${p.m}, ef_construct=${p.efConstruct}, cosine; QPS over up to ${p.q} queries ` +
        `(${p.budgetS} s budget per row, best chunk of 25); mem = exact graph bytes beyond the vectors where known, else RSS growth during build.`,
    );
  }
  if (exact !== undefined) {
    console.log('');
    table(
      ['dataset', 'exact scans/s', 'scanned GB/s', 'memory read GB/s', 'share', 'kernels'],
      [[exact.dataset, exact.qps.toFixed(1), exact.scanGBs.toFixed(2), exact.memoryGBs.toFixed(2), `${((100 * exact.scanGBs) / exact.memoryGBs).toFixed(0)}%`, exact.simd ? 'wasm SIMD' : 'JS']],
    );
  }
  if (filtered.length > 0) {
    console.log('');
    table(
      ['dataset', 'selectivity', 'matching', 'method', 'recall@10', 'QPS', 'note'],
      filtered.map((r) => [r.dataset, `${r.selectivity * 100}%`, String(r.matching), r.method, r.recall.toFixed(4), r.qps.toFixed(0), r.note]),
    );
  }
}

/** Writes `<dir>/bench-<time>.json` and `<dir>/latest.json`, plus `latest.svg` (recall vs q/s); returns the JSON path. */
export async function writeResults(dir: string, results: { params: Params; hnsw: HnswRow[]; exact: unknown; filtered: unknown }): Promise<string> {
  await mkdir(dir, { recursive: true });
  const body = JSON.stringify({ when: new Date().toISOString(), node: process.version, ...results }, null, 2);
  const file = join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, body);
  await writeFile(join(dir, 'latest.json'), body);
  await writeFile(join(dir, 'latest.svg'), recallPlot(results.hnsw));
  return file;
}

const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];

/** Recall@10 (x) against log q/s (y), one polyline per (dataset, peer) over its ef values. */
export function recallPlot(rows: HnswRow[]): string {
  const pts = rows.filter((r) => r.recall !== null && r.qps !== null && r.qps > 0);
  const W = 720;
  const H = 440;
  const L = 70;
  const B = 50;
  const minR = Math.min(0.9, ...pts.map((r) => r.recall!));
  const qs = pts.map((r) => Math.log10(r.qps!));
  const minQ = Math.floor(Math.min(...qs, 2));
  const maxQ = Math.ceil(Math.max(...qs, 3));
  const x = (rec: number) => L + ((rec - minR) / (1 - minR)) * (W - L - 20);
  const y = (qps: number) => H - B - ((Math.log10(qps) - minQ) / (maxQ - minQ)) * (H - B - 20);
  const series = new Map<string, HnswRow[]>();
  for (const r of pts) series.set(`${r.peer} (${r.dataset})`, [...(series.get(`${r.peer} (${r.dataset})`) ?? []), r]);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - 20}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="20" x2="${L}" y2="${H - B}" stroke="black"/>`,
    `<text x="${(W + L) / 2}" y="${H - 12}" text-anchor="middle">recall@10</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">queries/s (log)</text>`,
  ];
  for (let e = minQ; e <= maxQ; e++) out.push(`<text x="${L - 6}" y="${y(10 ** e) + 4}" text-anchor="end">${10 ** e}</text>`);
  for (let i = 0; i <= 4; i++) {
    const rec = minR + ((1 - minR) * i) / 4;
    out.push(`<text x="${x(rec)}" y="${H - B + 16}" text-anchor="middle">${rec.toFixed(3)}</text>`);
  }
  let i = 0;
  for (const [name, list] of series) {
    const c = COLOURS[i % COLOURS.length]!;
    const path = list.map((r) => `${x(r.recall!).toFixed(1)},${y(r.qps!).toFixed(1)}`).join(' ');
    out.push(`<polyline points="${path}" fill="none" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${W - 200}" y="${30 + 16 * i}" fill="${c}">${name}</text>`);
    i++;
  }
  out.push('</svg>');
  return out.join('\n');
}
