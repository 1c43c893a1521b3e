import { spawn, type ChildProcess } from 'node:child_process';
import type { Row, SectionResult } from './report.js';

/**
 * The contract between `npm run bench` and its section scripts: run with `--json`, a script prints on stdout's
 * last non-empty line one JSON object `{ "section": "<name>", "rows": [ { ...flat string/number fields } ] }`
 * (a script measuring several sections may print `{ "sections": [ ...such objects ] }`). Everything before that
 * line, and all of stderr, is the script's own progress and detail for people.
 */
export function parseSectionOutput(stdout: string): SectionResult[] {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const last = lines[lines.length - 1];
  if (last === undefined) throw new Error('printed nothing on stdout');
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`last line of stdout is not JSON: ${last.length > 80 ? `${last.slice(0, 80)}...` : last}`);
  }
  const list = isObject(parsed) && Array.isArray(parsed['sections']) ? parsed['sections'] : [parsed];
  return list.map((s) => {
    if (!isObject(s) || typeof s['section'] !== 'string' || !Array.isArray(s['rows'])) throw new Error('last line is not { "section": string, "rows": [...] }');
    const rows = s['rows'].map((r, i) => {
      if (!isObject(r)) throw new Error(`${String(s['section'])}: row ${i} is not an object`);
      const row: Row = {};
      for (const [k, v] of Object.entries(r)) {
        if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') row[k] = v;
        else throw new Error(`${String(s['section'])}: row ${i} field ${k} is not flat`);
      }
      return row;
    });
    return { section: s['section'], rows };
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface SectionRun {
  /** The sections the script is expected to report; each missing one is marked not run. */
  sections: string[];
  command: string;
  args: string[];
  timeoutMs: number;
  env?: Record<string, string>;
}

const running = new Set<ChildProcess>();

/** Ends the section scripts still running (the runner calls it when it is stopped, so none is left behind). */
export function stopSections(): void {
  for (const child of running) child.kill('SIGTERM');
}

/**
 * Runs one section script as a child process (its stderr passes through as progress) and returns its sections,
 * or for each expected section the reason it did not run: the script missing, failing, timing out, or printing
 * no JSON line. Never throws.
 */
export async function runSection(run: SectionRun, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<SectionResult[]> {
  const fail = (reason: string) => run.sections.map((section) => ({ section, rows: [], error: reason }));
  const started = performance.now();
  const outcome = await new Promise<{ code: number | null; signal: string | null; stdout: string; spawnError?: string; timedOut: boolean; lastError: string }>((resolve) => {
    const child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...run.env } });
    running.add(child);
    let stdout = '';
    let timedOut = false;
    let pending = '';
    let lastError = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) {
        log(`  ${l}`);
        if (/error/i.test(l) && !/^\s+at /.test(l)) lastError = l.trim();
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, run.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code: null, signal: null, stdout, spawnError: e.message, timedOut, lastError });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (pending) log(`  ${pending}`);
      resolve({ code, signal, stdout, timedOut, lastError });
    });
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  if (outcome.spawnError !== undefined) return fail(`could not start: ${outcome.spawnError}`);
  if (outcome.timedOut) return fail(`stopped after the ${(run.timeoutMs / 1000).toFixed(run.timeoutMs < 10_000 ? 1 : 0)} s time limit`);
  if (outcome.code !== 0) {
    // The last error line of stderr says why, better than a stack's top.
    const why = outcome.lastError || (outcome.stdout.trim().split('\n').pop() ?? '');
    return fail(`exited with ${outcome.code ?? outcome.signal} after ${seconds} s${why ? `: ${why.slice(0, 160)}` : ''}`);
  }
  let got: SectionResult[];
  try {
    got = parseSectionOutput(outcome.stdout);
  } catch (e) {
    return fail((e as Error).message);
  }
  const missing = run.sections.filter((s) => !got.some((g) => g.section === s)).map((section) => ({ section, rows: [], error: 'the script reported no such section' }));
  return [...got, ...missing];
}

/** Joins the results of several runs of one section (the HNSW section runs once per peer and dataset). */
export function mergeSections(results: SectionResult[]): SectionResult[] {
  const out: SectionResult[] = [];
  for (const r of results) {
    const have = out.find((o) => o.section === r.section);
    if (have === undefined) out.push({ section: r.section, rows: [...r.rows], ...(r.error !== undefined ? { error: r.error } : {}) });
    else {
      have.rows.push(...r.rows);
      if (r.error !== undefined) have.error = have.error === undefined ? r.error : `${have.error}; ${r.error}`;
    }
  }
  return out;
}
