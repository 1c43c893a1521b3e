import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEmbeddedClient, MemoryStorage, HnswIndex, type EmbeddedClient } from '@sextant/core';
import { BYTE_SCAN_MAX, PATCH_BLOCK, applyPatch, decodeBaseIndex, diffAgainstBase, encodeBaseIndex, indexBase } from '../src/segment/segment-patch.js';
import { decodeManifest, manifestBlobs } from '../src/segment/segment-manifest.js';
import { ByteWriter } from '../src/segment/vector-storage-codec.js';
import { SextantError } from '../src/client/errors.js';

const PREFIX = 'collections/docs/';
const corrupt = (why: string) => new SextantError('storage_corrupted', why);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const random = (r: () => number, n: number) => new Uint8Array(n).map(() => Math.floor(r() * 256));

describe('section patches', () => {
  it('rebuild the new bytes from the base after edits, insertions and removals anywhere, of any size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6000 }),
        fc.array(
          fc.record({ at: fc.nat(), kind: fc.constantFrom('edit', 'insert', 'remove'), size: fc.integer({ min: 1, max: 700 }) }),
          { maxLength: 8 },
        ),
        fc.integer({ min: 0, max: 3 }),
        (length, changes, offset) => {
          const r = rng(length + 7);
          const base = random(r, length);
          let next = base.slice();
          for (const { at, kind, size } of changes) {
            const i = next.length === 0 ? 0 : at % next.length;
            if (kind === 'edit') next.fill(Math.floor(r() * 256), i, i + size);
            else if (kind === 'insert') next = Uint8Array.from([...next.subarray(0, i), ...random(r, size), ...next.subarray(i)]);
            else next = Uint8Array.from([...next.subarray(0, i), ...next.subarray(i + size)]);
          }
          // An unaligned view too: sections may be subarrays of a larger buffer.
          const holder = new Uint8Array(next.length + offset);
          holder.set(next, offset);
          const patch = diffAgainstBase(indexBase(base), holder.subarray(offset), Infinity);
          if (patch === null) expect(next).toEqual(base);
          else {
            expect(applyPatch(base, patch!, next.length, corrupt)).toEqual(next);
            // The base as the chunks it is stored in, cut anywhere: copies cross their boundaries.
            const cut = [0, Math.floor(base.length / 3), Math.floor(base.length / 3) + 1, Math.floor((base.length * 2) / 3), base.length];
            const parts = cut.slice(1).map((end, i) => base.subarray(cut[i]!, end));
            expect(applyPatch(parts, patch!, next.length, corrupt)).toEqual(next);
          }
        },
      ),
      { seed: 21, numRuns: 300 },
    );
  });

  it('copies what moved (by any number of bytes in small sections, by multiples of 4 in large ones) and stores only what changed', () => {
    const r = rng(5);
    for (const [size, shift] of [
      [1 << 20, 37],
      [BYTE_SCAN_MAX + (1 << 20), 40],
    ] as const) {
      const base = random(r, size);
      // Bytes grown at the front (a presence array ahead of an arena), 30 rows of 128 bytes changed, 4 KB appended.
      const next = new Uint8Array(base.length + shift + 4096);
      next.set(base, shift);
      for (let k = 0; k < 30; k++) next.set(random(r, 128), shift + k * 33_000);
      next.set(random(r, 4096), shift + base.length);
      const patch = diffAgainstBase(indexBase(base), next, Infinity)!;
      expect(patch.length).toBeLessThan(shift + 30 * 2 * PATCH_BLOCK + 4096 + PATCH_BLOCK + 2000);
      // Byte comparison through Buffer: a deep equality over a megabyte of elements is slow.
      expect(Buffer.from(applyPatch(base, patch, next.length, corrupt)).equals(Buffer.from(next))).toBe(true);
    }
  }, 60_000);

  it('says when the bytes are the base itself, down to the bytes after the last whole block', () => {
    const r = rng(6);
    const base = random(r, PATCH_BLOCK * 300 + 17);
    expect(diffAgainstBase(indexBase(base), base.slice(), Infinity)).toBeNull();
    const tail = base.slice();
    tail[tail.length - 3] ^= 1;
    const patch = diffAgainstBase(indexBase(base), tail, Infinity)!;
    expect(patch).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(applyPatch(base, patch, tail.length, corrupt)).equals(Buffer.from(tail))).toBe(true);
  });

  it('gives up once the literal bytes pass the budget', () => {
    const r = rng(8);
    const base = random(r, PATCH_BLOCK * 10);
    const next = base.slice();
    next.set(random(r, PATCH_BLOCK * 4));
    expect(diffAgainstBase(indexBase(base), next, PATCH_BLOCK * 4)).toBeDefined();
    expect(diffAgainstBase(indexBase(base), next, PATCH_BLOCK * 3)).toBeUndefined();
  });

  it('stores a base index and reads it back, refusing bytes that are not one', () => {
    const r = rng(10);
    for (const size of [PATCH_BLOCK * 40 + 3, BYTE_SCAN_MAX + PATCH_BLOCK * 2]) {
      const index = indexBase(random(r, size));
      const back = decodeBaseIndex(encodeBaseIndex(index))!;
      expect(back).toEqual(index);
    }
    expect(decodeBaseIndex(new Uint8Array(20))).toBeUndefined();
  });

  it('refuses a patch that does not fit its base or its section', () => {
    const r = rng(9);
    const base = random(r, PATCH_BLOCK * 3);
    const next = base.slice();
    next[5] ^= 1;
    const patch = diffAgainstBase(indexBase(base), next, Infinity)!;
    expect(() => applyPatch(base.subarray(0, PATCH_BLOCK), patch, next.length, corrupt)).toThrow(/out of range/);
    expect(() => applyPatch(base, patch, next.length - 1, corrupt)).toThrow();
    expect(() => applyPatch(base, patch.subarray(0, patch.length - 1), next.length, corrupt)).toThrow();
  });
});

async function indexed(storage: MemoryStorage, n: number): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient({ storage });
  await client.createCollection('docs', {
    vectors: { size: 8, distance: 'Cosine' },
    hnsw_config: { full_scan_threshold: 0, m: 8 },
    optimizers_config: { indexing_threshold: 1 },
  });
  const r = rng(3);
  for (let start = 0; start < n; start += 1000) {
    const points = Array.from({ length: Math.min(1000, n - start) }, (_, i) => ({ id: start + i, vector: Array.from({ length: 8 }, () => r() - 0.5) }));
    await client.upsert('docs', { points });
  }
  await client.engine.resolve('docs').whenIndexed();
  return client;
}

const probe = (client: EmbeddedClient, seed: number) => {
  const r = rng(seed);
  return client.query('docs', { query: Array.from({ length: 8 }, () => r() - 0.5), limit: 10, with_vector: true });
};

describe('graph written as a patch', () => {
  it('writes the changed blocks of the HNSW graph after a few changed points, reopens to the same graph, collects old patches', async () => {
    const storage = new MemoryStorage();
    const a = await indexed(storage, 10_000);
    const docs = a.engine.resolve('docs');
    await a.flush();
    const graphBytes = docs.segment.encode().sections.get('hnsw/')!.length;
    const r = rng(11);
    for (let round = 0; round < 3; round++) {
      await a.upsert('docs', { points: Array.from({ length: 4 }, (_, i) => ({ id: (round * 4 + i) * 577, vector: Array.from({ length: 8 }, () => r() - 0.5) })) });
      await a.delete('docs', { points: [round * 3 + 1] });
      await docs.whenIndexed();
      await a.flush();
      const manifest = decodeManifest((await storage.read(`${PREFIX}manifest`))!);
      const graph = manifest.sections.find((s) => s.name === 'hnsw/')!;
      expect(graph.patch).toBeDefined();
      expect(docs.lastFlush!.sections['hnsw/']).toBeLessThan(graphBytes * 0.25);
      // Chunks and patches that no kept manifest names are gone.
      const kept = manifestBlobs(manifest);
      for (const blob of manifestBlobs(decodeManifest((await storage.read(`${PREFIX}manifest.prev`))!))) kept.add(blob);
      expect((await storage.list(`${PREFIX}blobs/`)).map((n) => n.slice(`${PREFIX}blobs/`.length)).sort()).toEqual([...kept].sort());
    }
    // Ids and vectors, not scores: a reopened arena may rank with another float kernel (last-bit differences).
    const hits = async (client: EmbeddedClient) => [...(await probe(client, 1)).points, ...(await probe(client, 2)).points].map((p) => [p.id, p.vector]);
    const before = [await hits(a), await a.count('docs')];
    const encoded = docs.segment.encode().sections.get('hnsw/')!;
    const b = await createEmbeddedClient({ storage });
    expect(b.engine.resolve('docs').segment.encode().sections.get('hnsw/')).toEqual(encoded);
    expect([await hits(b), await b.count('docs')]).toEqual(before);
    // Reopened, the writer patches against the stored block hashes of the base instead of writing the graph anew.
    const reopened = b.engine.resolve('docs');
    await b.upsert('docs', { points: [{ id: 3, vector: [1, 0, 1, 0, 1, 0, 1, 0] }] });
    await reopened.whenIndexed();
    await b.flush();
    expect(decodeManifest((await storage.read(`${PREFIX}manifest`))!).sections.find((s) => s.name === 'hnsw/')!.patch).toBeDefined();
    expect(reopened.lastFlush!.sections['hnsw/']).toBeLessThan(graphBytes * 0.25);
    const c = await createEmbeddedClient({ storage });
    expect(await c.count('docs')).toEqual(await b.count('docs'));
    expect(c.engine.resolve('docs').segment.encode().sections.get('hnsw/')).toEqual(reopened.segment.encode().sections.get('hnsw/'));
  }, 120_000);

  it('recovers through the previous generation when the live patch is damaged', async () => {
    const storage = new MemoryStorage();
    const a = await indexed(storage, 10_000);
    const docs = a.engine.resolve('docs');
    await a.flush();
    await a.upsert('docs', { points: [{ id: 5, vector: [1, 2, 3, 4, 5, 6, 7, 8] }] });
    await docs.whenIndexed();
    await a.flush();
    await a.upsert('docs', { points: [{ id: 6, vector: [8, 7, 6, 5, 4, 3, 2, 1] }] });
    await docs.whenIndexed();
    await a.flush();
    const before = await a.scroll('docs', { limit: 100, with_vector: true });
    const patch = decodeManifest((await storage.read(`${PREFIX}manifest`))!).sections.find((s) => s.name === 'hnsw/')!.patch!;
    const previous = manifestBlobs(decodeManifest((await storage.read(`${PREFIX}manifest.prev`))!));
    expect(previous.has(patch.blob)).toBe(false);
    const bytes = (await storage.read(`${PREFIX}blobs/${patch.blob}`))!.slice();
    bytes[bytes.length - 1] ^= 0xff;
    await storage.write(`${PREFIX}blobs/${patch.blob}`, bytes);
    const issues: string[] = [];
    const b = await createEmbeddedClient({ storage, onIntegrityIssue: (m) => issues.push(m) });
    expect(issues.join('\n')).toMatch(/section hnsw\/ fails its checksum; recovered/);
    expect(await b.scroll('docs', { limit: 100, with_vector: true })).toEqual(before);
  }, 120_000);

  it('decodes a graph stored in the version-1 layout (levels before links, cut at the last node)', async () => {
    const storage = new MemoryStorage();
    const a = await indexed(storage, 3000);
    const slot = a.engine.resolve('docs').segment.slots.get('')!;
    if (slot.kind !== 'dense' || slot.index.graph === undefined) throw new Error('no graph');
    const index = slot.index.graph as HnswIndex;
    const g = (index as unknown as { g: import('../src/index/hnsw/hnsw-graph.js').HnswGraph }).g;
    let limit = g.levels.length;
    while (limit > 0 && g.levels[limit - 1]! < 0) limit--;
    const upper: number[] = [];
    for (let id = 0; id < limit; id++) {
      for (let l = 1; l <= g.levels[id]!; l++) upper.push(...g.linkArray(id, l).subarray(g.linkBase(id, l), g.linkBase(id, l) + g.strideU));
    }
    const w = new ByteWriter();
    w.u32(0x53484e57).u32(1).u32(g.m).u32(g.efConstruct).u32(g.rngState).i32(g.entry).i32(g.maxLevel).u32(g.nodes);
    w.array(g.levels.subarray(0, limit)).array(g.links0.subarray(0, limit * g.stride0)).array(Uint32Array.from(upper));
    const decoded = HnswIndex.decode(w.finish(), slot.storage);
    expect(decoded.encode()).toEqual(index.encode());
  }, 60_000);
});
