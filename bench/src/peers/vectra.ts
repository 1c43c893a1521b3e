import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalIndex } from 'vectra';
import type { Peer } from '../peer.js';

/**
 * Vectra: a file-backed index (one index.json) that a process loads whole into memory and scans in full per
 * query (exact, no ef). Used as its README shows: createIndex, one batchInsertItems (one update, one write of
 * index.json), queryItems. The index folder lives in a temp folder; writing index.json is part of its build, as
 * it is for a user. Vectors go in as number[], the type its API takes.
 */
export const vectra: Peer = {
  name: 'vectra',
  async build(ds) {
    const { dim, n } = ds;
    const folder = await mkdtemp(join(tmpdir(), 'sextant-bench-vectra-'));
    try {
      const index = new LocalIndex(folder);
      await index.createIndex({ version: 1 });
      const items = [];
      for (let i = 0; i < n; i++) items.push({ id: String(i), vector: Array.from(ds.points.subarray(i * dim, (i + 1) * dim)), metadata: {} });
      await index.batchInsertItems(items);
      const queries: number[][] = [];
      for (let q = 0; q < ds.queryCount; q++) queries.push(Array.from(ds.queries.subarray(q * dim, (q + 1) * dim)));
      return {
        efAware: false,
        note: 'exact scan, no ef; file-backed',
        async search(q, k) {
          const hits = await index.queryItems(queries[q]!, '', k);
          return hits.map((h) => Number(h.item.id));
        },
        async dispose() {
          await rm(folder, { recursive: true, force: true });
        },
      };
    } catch (e) {
      await rm(folder, { recursive: true, force: true });
      throw e;
    }
  },
};
