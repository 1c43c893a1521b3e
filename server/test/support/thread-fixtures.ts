import type { EmbeddedClient, ScoredIds, SearchExecutor } from '@sextant/core';
import type { SearchPool } from '../../src/search/search-pool.js';

/**
 * What the search-thread tests share: seeded vectors, a batched fill, and an executor that counts the walks its
 * threads answered. 96 dimensions: 3,000 of them reach WebAssembly memory (1 MB), where arenas become shared.
 */
export const THREAD_DIM = 96;

/** Seeded clustered vectors: mulberry32 around 20 centres, so graphs and answers repeat run to run. */
export function seededRows(seed: number, count: number, dim = THREAD_DIM): number[][] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const centres = Array.from({ length: 20 }, () => Array.from({ length: dim }, () => rand() * 2 - 1));
  return Array.from({ length: count }, (_, i) => centres[i % 20]!.map((c) => c + (rand() - 0.5) * 0.6));
}

/** Upserts `rows` as ids from `from` on, 500 a request with `wait`; `payload` of each id if given. */
export async function fillRows(client: EmbeddedClient, name: string, from: number, rows: number[][], payload?: (id: number) => Record<string, unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const points = rows.slice(i, i + 500).map((vector, j) => ({ id: from + i + j, vector, ...(payload === undefined ? {} : { payload: payload(from + i + j) }) }));
    await client.upsert(name, { wait: true, points });
  }
}

/** The executor, counting the walks and the exact scans that a thread answered (undefined answers fall back in-thread). */
export function counting(executor: SearchExecutor): SearchExecutor & { walked: number; scanned: number; lastScan: ScoredIds | undefined; pool: SearchPool } {
  const counted = {
    walked: 0,
    scanned: 0,
    /** The last answer a thread's scan gave (internal ids), to check that the owner kept it. */
    lastScan: undefined as ScoredIds | undefined,
    pool: executor as SearchPool,
    threads: executor.threads,
    close: () => executor.close(),
    offloadNow: () => executor.offloadNow?.() ?? true,
    offloadFiltered: () => executor.offloadFiltered?.() ?? false,
    searchGraph: async (...args: Parameters<SearchExecutor['searchGraph']>) => {
      const found = await executor.searchGraph(...args);
      if (found !== undefined) counted.walked++;
      return found;
    },
    scanRows: async (...args: Parameters<NonNullable<SearchExecutor['scanRows']>>) => {
      const found = await executor.scanRows!(...args);
      if (found !== undefined) counted.scanned++;
      counted.lastScan = found;
      return found;
    },
  };
  return counted;
}
