import type { DenseVectors } from '../../segment/vector-storage.js';
import { ByteReader, ByteWriter } from '../../segment/vector-storage-codec.js';
import { HnswGraph } from './hnsw-graph.js';

const MAGIC = 0x53484e57; // "SHNW"
const VERSION = 1;

/**
 * The graph as bytes: parameters, entry point, level generator state, levels, layer-0 links and the upper
 * blocks concatenated in id order. Vectors are not included (they have their own storage blob), so decoding is
 * a few copies and never a rebuild.
 */
export function encodeGraph(g: HnswGraph): Uint8Array {
  let limit = g.levels.length;
  while (limit > 0 && g.levels[limit - 1]! < 0) limit--;
  let upperLen = 0;
  for (let id = 0; id < limit; id++) if (g.levels[id]! > 0) upperLen += g.levels[id]! * g.strideU;
  const upper = new Uint32Array(upperLen);
  let at = 0;
  for (let id = 0; id < limit; id++) {
    const len = g.levels[id]! * g.strideU;
    if (len <= 0) continue;
    upper.set(g.upperPool.subarray(g.upperAt[id]!, g.upperAt[id]! + len), at);
    at += len;
  }
  const w = new ByteWriter(64 + limit * (g.stride0 * 4 + 1) + upperLen * 4);
  w.u32(MAGIC).u32(VERSION).u32(g.m).u32(g.efConstruct).u32(g.rngState);
  w.i32(g.entry).i32(g.maxLevel).u32(g.nodes);
  w.array(g.levels.subarray(0, limit));
  w.array(g.links0.subarray(0, limit * g.stride0));
  w.array(upper);
  return w.finish();
}

export function decodeGraph(bytes: Uint8Array, vectors: DenseVectors): HnswGraph {
  const r = new ByteReader(bytes);
  r.expectMagic(MAGIC, VERSION, 'HNSW graph');
  const m = r.u32();
  const efConstruct = r.u32();
  const rngState = r.u32();
  const entry = r.i32();
  const maxLevel = r.i32();
  const nodes = r.u32();
  const levels = r.int8Array();
  const links0 = r.u32Array();
  const upper = r.u32Array();
  const g = new HnswGraph(vectors, { m, efConstruct }, Math.max(levels.length, vectors.capacity));
  g.rngState = rngState;
  g.entry = entry;
  g.maxLevel = maxLevel;
  g.nodes = nodes;
  g.levels.set(levels);
  g.links0.set(links0);
  let at = 0;
  for (let id = 0; id < levels.length; id++) {
    const level = levels[id]!;
    if (level <= 0) continue;
    const len = level * g.strideU;
    g.allocUpper(id, level); // may replace upperPool: read it after
    g.upperPool.set(upper.subarray(at, at + len), g.upperAt[id]!);
    at += len;
  }
  return g;
}
