/** What one load cell measured: completed queries over the measured window, and their latencies. */
export interface LoadResult {
  /** Queries answered successfully inside the measured window. */
  queries: number;
  /** Failed calls (non-2xx, transport errors); a run with failures is reported, not hidden. */
  errors: number;
  seconds: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * CPU time of the process that produced this result per query, microseconds (user + system, warm-up included
   * on both sides of the division). Unlike q/s it barely moves when other processes share the cores.
   */
  cpuUsPerQuery?: number;
}

/**
 * Latencies are collected into one growable Float64Array (no per-sample objects) and summarized by sorting: a
 * few hundred thousand samples sort in milliseconds, and exact percentiles beat a histogram's 1 ms buckets
 * (autocannon's own) when a query takes a fraction of a millisecond.
 */
export class LatencyLog {
  private samples = new Float64Array(1 << 16);
  private size = 0;

  add(ms: number): void {
    if (this.size === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.size++] = ms;
  }

  get count(): number {
    return this.size;
  }

  summarize(seconds: number, errors: number): LoadResult {
    const sorted = this.samples.slice(0, this.size).sort();
    const at = (q: number) => (this.size === 0 ? NaN : sorted[Math.min(this.size - 1, Math.floor(q * this.size))]!);
    return { queries: this.size, errors, seconds, qps: this.size / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
  }
}

/**
 * Runs `concurrency` loops that each await `call(i)` back to back; samples only after `warmupMs` (JIT, connection
 * set-up and the server's caches settle) and stops issuing calls at the end of `durationMs`.
 */
export async function closedLoop(
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  call: (i: number) => Promise<void>,
): Promise<LoadResult> {
  const log = new LatencyLog();
  let errors = 0;
  let next = 0;
  const warmEnd = performance.now() + warmupMs;
  const end = warmEnd + durationMs;
  const worker = async () => {
    for (;;) {
      const started = performance.now();
      if (started >= end) return;
      const i = next++;
      let ok = true;
      try {
        await call(i);
      } catch {
        ok = false;
      }
      const finished = performance.now();
      if (started < warmEnd || finished > end) continue;
      if (ok) log.add(finished - started);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return log.summarize(durationMs / 1000, errors);
}
