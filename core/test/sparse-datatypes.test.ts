import { describe, expect, it } from 'vitest';
import { createEmbeddedClient, MemoryStorage, seededRandom } from '@sextant/core';
import { roundF16 } from '../src/distance/half-float.js';
import { SparseVectorStorage } from '../src/segment/sparse-vector-storage.js';
import { ByteWriter } from '../src/segment/vector-storage-codec.js';

const random = seededRandom(17);
/** Seeded sparse vectors: 5-30 non-zeros over 200 dimensions, weights in (0, 4). */
const vectors = Array.from({ length: 300 }, () => {
  const indices = [...new Set(Array.from({ length: 5 + Math.floor(random() * 25) }, () => Math.floor(random() * 200)))];
  return { indices, values: indices.map(() => Math.fround(random() * 4)) };
});

describe('sparse vector datatypes', () => {
  it('keeps weights at 4 / 2 / 1 bytes: float16 rounded to nearest even, uint8 as lo + code x (max - min) / 255', () => {
    for (const datatype of ['float32', 'float16', 'uint8'] as const) {
      const s = new SparseVectorStorage(datatype);
      vectors.forEach((v, id) => s.set(id, v));
      expect(s.bytesPerWeight).toBe({ float32: 4, float16: 2, uint8: 1 }[datatype]);
      vectors.forEach((v, id) => {
        const got = s.get(id)!;
        expect(got.indices).toEqual([...v.indices].sort((a, b) => a - b));
        const want = got.indices.map((i) => v.values[v.indices.indexOf(i)]!);
        const max = Math.max(...v.values);
        const min = Math.min(...v.values);
        got.values.forEach((w, k) => {
          if (datatype === 'float32') expect(w).toBe(want[k]);
          else if (datatype === 'float16') expect(w).toBe(roundF16(want[k]!));
          else expect(Math.abs(w - want[k]!)).toBeLessThanOrEqual((max - min) / 510 + 1e-6);
        });
        if (datatype === 'uint8') {
          // The ends of the range come back (to float32 rounding of lo + 255 step).
          expect(Math.min(...got.values)).toBeCloseTo(min, 6);
          expect(Math.max(...got.values)).toBeCloseTo(max, 5);
        }
        // score() decodes in the merge and agrees with the decoded vector's dot product.
        const q = s.prepareQuery({ indices: [got.indices[0]!, 199], values: [2, 1] });
        const dot = 2 * got.values[0]! + (got.indices.includes(199) ? got.values[got.indices.indexOf(199)]! : 0);
        expect(s.score(q, id)).toBeCloseTo(dot, 5);
      });
      // The segment blob carries the datatype and the exact stored weights.
      const back = SparseVectorStorage.decode(s.encode());
      expect(back.datatype).toBe(datatype);
      vectors.forEach((_, id) => expect(back.get(id)).toEqual(s.get(id)));
    }
  });

  it('reads segments written before datatypes (version 1, float32 weights)', () => {
    const counts = Uint32Array.of(3, 0, 1);
    const blob = new ByteWriter(64).u32(0x53505653).u32(1).array(counts).array(Uint32Array.of(2, 9)).array(Float32Array.of(0.5, 1.5)).finish();
    const s = SparseVectorStorage.decode(blob);
    expect(s.datatype).toBe('float32');
    expect(s.get(0)).toEqual({ indices: [2, 9], values: [0.5, 1.5] });
    expect(s.has(1)).toBe(false);
    expect(s.get(2)).toEqual({ indices: [], values: [] });
  });

  it('through the client: uint8 / float16 weights are what searches score and what reads return, across a reopen', async () => {
    const storage = new MemoryStorage();
    const client = await createEmbeddedClient({ storage });
    for (const datatype of ['float16', 'uint8'] as const) {
      await client.createCollection(datatype, { sparse_vectors: { s: { index: { datatype } } } });
      await client.upsert(datatype, { wait: true, points: vectors.map((v, id) => ({ id, vector: { s: v } })) });
    }
    const query = { indices: [1, 5, 17, 40, 100], values: [1, 2, 0.5, 1, 3] };
    const ask = async (c: typeof client, name: string) => (await c.query(name, { query, using: 's', limit: 10 })).points;
    const before: Record<string, Awaited<ReturnType<typeof ask>>> = {};
    for (const name of ['float16', 'uint8']) {
      before[name] = await ask(client, name);
      // Scores are dot products of the stored (decoded) weights: recompute them from what retrieve returns.
      const stored = await client.retrieve(name, { ids: before[name]!.map((p) => p.id), with_vector: true });
      for (const p of before[name]!) {
        const v = (stored.find((s) => s.id === p.id)!.vector as Record<string, { indices: number[]; values: number[] }>).s!;
        let dot = 0;
        query.indices.forEach((i, k) => {
          const at = v.indices.indexOf(i);
          if (at >= 0) dot += query.values[k]! * v.values[at]!;
        });
        expect(p.score).toBeCloseTo(dot, 4);
      }
      // Stored weights differ from the float32 ones the way the datatype rounds.
      const original = vectors[before[name]![0]!.id as number]!;
      const back = (stored.find((s) => s.id === before[name]![0]!.id)!.vector as Record<string, { values: number[] }>).s!.values;
      expect(back).not.toEqual([...original.values]);
    }
    await client.close();
    const reopened = await createEmbeddedClient({ storage });
    for (const name of ['float16', 'uint8']) expect(await ask(reopened, name)).toEqual(before[name]);
    await reopened.close();
  });
});
