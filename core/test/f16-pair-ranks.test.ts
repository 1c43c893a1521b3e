import { describe, expect, it } from 'vitest';
import type { Distance } from '../src/distance/distance.js';
import { f16Table } from '../src/distance/half-float.js';
import { WasmF16Arena } from '../src/distance/wasm-f16-arena.js';
import { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import { createDenseVectors } from '../src/segment/vector-storage.js';
import { seededRandom } from '../src/query/advanced/sample-random.js';
import { crc32 } from '../src/wal/crc32.js';

// A graph compares stored rows pairwise (neighbour selection, pruning): the float16 storage ranks such a pair with
// one row as the query. These tests pin those ranks and the graphs built from them, so a faster pair path must give
// the same float32 ranks bit for bit and so the same graph.
const DIM = 36; // padded to 40 halves: the rows' zero tail is part of what is decoded
const DISTANCES: Distance[] = ['Cosine', 'Euclid', 'Dot'];

function filled(distance: Distance, n: number, simd: boolean, seed: number) {
  const vs = createDenseVectors(DIM, distance, 'float16', n, { simd });
  expect(vs.simdActive).toBe(simd);
  const r = seededRandom(seed);
  const centers = Array.from({ length: 12 }, () => Array.from({ length: DIM }, () => r() * 4 - 2));
  for (let id = 0; id < n; id++) vs.set(id, centers[id % 12]!.map((x) => x + r() - 0.5));
  return { vs, r };
}

describe('float16 SIMD row decode', () => {
  it('gives the table value of every finite half, zeros and subnormals with their sign', () => {
    // 1. Every bit pattern but infinities and NaN (exponent 31), 8 a row.
    const finite = Array.from({ length: 65536 }, (_, h) => h).filter((h) => ((h >>> 10) & 0x1f) !== 0x1f);
    const rows = finite.length / 8;
    const w = WasmF16Arena.create(8, 'dot', rows)!;
    expect(w).toBeDefined();
    w.rows.set(finite);
    // 2. Row by row into the handle scratch, against the JS table.
    const t = f16Table();
    const wrong: number[] = [];
    for (let r = 0; r < rows; r++) {
      w.decode(w.base + r * w.rowBytes, w.handlePtr, 8);
      for (let i = 0; i < 8; i++) if (!Object.is(w.handle[i], t[finite[r * 8 + i]!])) wrong.push(finite[r * 8 + i]!);
    }
    expect(wrong).toEqual([]);
  });
});

describe.each([true, false])('float16 pair ranks (simd: %s)', (simd) => {
  it.each(DISTANCES)('%s: a stored row as the query ranks exactly as its float values loaded as the query', (distance) => {
    const n = 400;
    const { vs, r } = filled(distance, n, simd, 3);
    // 1. Handles in an order that revisits some (the decoded row is cached by id), with writes in between that
    //    rewrite a cached handle's row.
    for (let round = 0; round < 300; round++) {
      const h = round % 7 === 0 ? 5 : Math.floor(r() * n);
      if (round % 50 === 49) vs.set(5, Array.from({ length: DIM }, () => r() * 4 - 2));
      const count = 1 + Math.floor(r() * 40);
      const ids = Array.from({ length: count }, () => Math.floor(r() * n));
      ids.forEach((id, i) => (vs.batchIds[i] = id));
      vs.rankBatch(h, count);
      const pair = Array.from(vs.batchOut.subarray(0, count));
      // 2. The reference: the row's float values (get decodes through the table) as a loaded query.
      const q = vs.loadQuery(vs.get(h));
      ids.forEach((id, i) => (vs.batchIds[i] = id));
      vs.rankBatch(q, count);
      expect(pair).toEqual(Array.from(vs.batchOut.subarray(0, count)));
    }
  });
});

describe('float16 serial build', () => {
  // crc32 of the encoded graph of the serial build before the float16 pair path changed (computed then): the
  // same ranks give the same links, level by level.
  const GRAPHS: Record<Distance, number> = { Cosine: 2323330758, Euclid: 1468178607, Dot: 3886136913, Manhattan: 0 };
  it.each(DISTANCES)('%s: gives the same graph as before (SIMD ranks)', (distance) => {
    const { vs } = filled(distance, 2000, true, 9);
    const index = new HnswIndex(vs, { m: 8, efConstruct: 64, seed: 4 });
    for (let id = 0; id < 2000; id++) index.insert(id);
    expect(crc32(index.encode()) >>> 0).toBe(GRAPHS[distance]);
  });
});
