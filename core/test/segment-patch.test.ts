import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createEmbeddedClient, MemoryStorage, HnswIndex, type EmbeddedClient } from '@sextant/core';
import { PATCH_BLOCK, applyPatch, blockHashes, changedBlocks, encodePatch } from '../src/segment/segment-patch.js';
import { decodeManifest, manifestBlobs } from '../src/segment/segment-manifest.js';
import { ByteWriter } from '../src/segment/vector-storage-codec.js';
import { SextantError } from '../src/client/errors.js';

const PREFIX = 'collections/docs/';
const corrupt = (why: string) => new SextantError('storage_corrupted', why);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The section a reader rebuilds: the base resized to the new length, the patch laid over. */
function rebuild(base: Uint8Array, length: number, patch: Uint8Array): Uint8Array {
  const out = new Uint8Array(length);
  out.set(base.subarray(0, Math.min(base.length, length)));
  applyPatch(out, patch, corrupt);
  return out;
}

describe('section patches', () => {
  it('rebuild the new bytes from the base for scattered edits, growth and shrinking', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: -700, max: 900 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }),
        fc.integer({ min: 0, max: 3 }),
        (length, grow, edits, offset) => {
          const r = rng(length + 7);
          const base = new Uint8Array(length).map(() => Math.floor(r() * 256));
          const nextLength = Math.max(0, length + grow);
          // An unaligned view too: sections may be subarrays of a larger buffer.
          const holder = new Uint8Array(nextLength + offset);
          const next = holder.subarray(offset);
          next.set(base.subarray(0, Math.min(length, nextLength)));
          for (let i = length; i < nextLength; i++) next[i] = Math.floor(r() * 256);
          for (const [at, value] of edits) if (nextLength > 0) next[at % nextLength] = value;
          const blocks = changedBlocks(blockHashes(base), blockHashes(next), Infinity)!;
          expect(rebuild(base, nextLength, encodePatch(next, blocks))).toEqual(next.slice());
          // Only blocks with an edit, or past the base's whole blocks, are in the patch.
          const touched = new Set(edits.filter(() => nextLength > 0).map(([at]) => Math.floor((at % nextLength) / PATCH_BLOCK)));
          for (const b of blocks) expect(touched.has(b) || (b + 1) * PATCH_BLOCK > Math.min(length, nextLength)).toBe(true);
        },
      ),
      { seed: 21, numRuns: 200 },
    );
  });

  it('gives up once the changed blocks pass the byte budget', () => {
    const a = new Uint8Array(PATCH_BLOCK * 10);
    const b = a.slice().fill(1, 0, PATCH_BLOCK * 4);
    expect(changedBlocks(blockHashes(a), blockHashes(b), PATCH_BLOCK * 4)).toEqual(Uint32Array.from([0, 1, 2, 3]));
    expect(changedBlocks(blockHashes(a), blockHashes(b), PATCH_BLOCK * 3)).toBeUndefined();
  });

  it('refuses a patch whose blocks fall outside the section', () => {
    const bytes = new Uint8Array(PATCH_BLOCK * 3).fill(7);
    const patch = encodePatch(bytes, Uint32Array.from([2]));
    expect(() => applyPatch(new Uint8Array(PATCH_BLOCK * 2), patch, corrupt)).toThrow(/out of range/);
    expect(() => applyPatch(new Uint8Array(PATCH_BLOCK * 3), patch.subarray(0, patch.length - 1), corrupt)).toThrow();
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
