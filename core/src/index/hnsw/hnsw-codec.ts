import { ByteReader, ByteWriter } from '../../segment/vector-storage-codec.js';
import { HnswGraph } from './hnsw-graph.js';

const MAGIC = 0x53484e57; // "SHNW"
/** Version 1: levels before links0, both cut at the last node (a grown graph shifted every link). Still read. */
const VERSION_1 = 1;
const VERSION = 2;
/** Rows are stored in groups of this many ids, so the layer-0 links start and end at the same bytes until it fills. */
const ROW_GROUP = 1024;

type GraphVectors = ConstructorParameters<typeof HnswGraph>[0];

/**
 * The graph as bytes, laid out so that a flush after a few inserts or deletes changes few bytes where they were
 * (the storage then writes a patch of those blocks, segment-patch.ts, instead of the whole section):
 *
 * `u32 magic | u32 version | u32 m | u32 efConstruct | u32 rngState | i32 entry | i32 maxLevel | u32 nodes |
 *  u32 limit | u32 rows | links0: u32[rows * stride0] | levels: i8[rows] (pad 4) | u32 upperLength | upper`
 *
 * `rows` is `limit` (one past the highest id ever in the graph) rounded up to `ROW_GROUP`: layer-0 links sit at fixed
 * offsets right after the header, a node's row at `40 + id * stride0 * 4`, and new ids fill zeroed rows in place.
 * Levels and the upper layers (about one node in m, each level a block of `1 + m` slots, concatenated in id order)
 * come after, so their changes do not move the links. Vectors are not included (they have their own section), so
 * decoding is a few copies and never a rebuild.
 */
export function encodeGraph(g: HnswGraph): Uint8Array {
  let limit = g.levels.length;
  while (limit > 0 && g.levels[limit - 1]! < 0) limit--;
  const rows = Math.ceil(limit / ROW_GROUP) * ROW_GROUP;
  let upperLen = 0;
  for (let id = 0; id < limit; id++) if (g.levels[id]! > 0) upperLen += g.levels[id]! * g.strideU;
  const upper = new Uint32Array(upperLen);
  let at = 0;
  for (let id = 0; id < limit; id++) {
    const level = g.levels[id]!;
    for (let l = 1; l <= level; l++) {
      const base = g.linkBase(id, l);
      upper.set(g.linkArray(id, l).subarray(base, base + g.strideU), at);
      at += g.strideU;
    }
  }
  const links0 = new Uint32Array(rows * g.stride0);
  links0.set(g.links0.subarray(0, Math.min(rows, g.levels.length) * g.stride0));
  // Rows past the last node keep nothing: a removed tail node's stale links must not reach the bytes.
  links0.fill(0, limit * g.stride0);
  const levels = new Int8Array(rows).fill(-1);
  levels.set(g.levels.subarray(0, limit));
  const w = new ByteWriter(64 + rows * (g.stride0 * 4 + 1) + upperLen * 4);
  w.u32(MAGIC).u32(VERSION).u32(g.m).u32(g.efConstruct).u32(g.rngState);
  w.i32(g.entry).i32(g.maxLevel).u32(g.nodes).u32(limit).u32(rows);
  w.raw(links0).raw(levels);
  w.array(upper);
  return w.finish();
}

export function decodeGraph(bytes: Uint8Array, vectors: GraphVectors): HnswGraph {
  const r = new ByteReader(bytes);
  const magic = r.u32();
  const version = r.u32();
  if (magic !== MAGIC) throw new Error('not a HNSW graph blob');
  if (version !== VERSION && version !== VERSION_1) throw new Error(`unsupported HNSW graph version ${version}`);
  const m = r.u32();
  const efConstruct = r.u32();
  const rngState = r.u32();
  const entry = r.i32();
  const maxLevel = r.i32();
  const nodes = r.u32();
  let levels: Int8Array;
  let links0: Uint32Array;
  if (version === VERSION_1) {
    levels = r.int8Array();
    links0 = r.u32Array();
  } else {
    const limit = r.u32();
    const rows = r.u32();
    if (rows < limit) throw new Error('HNSW graph rows below its limit');
    const stride0 = 1 + 2 * m;
    links0 = new Uint32Array(r.rawBytes(rows * stride0 * 4)).subarray(0, limit * stride0);
    levels = new Int8Array(r.rawBytes(rows)).subarray(0, limit);
  }
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
    if (at + len > upper.length) throw new Error('HNSW graph upper layers are truncated');
    setUpper(g, id, level, upper.subarray(at, at + len));
    at += len;
  }
  return g;
}

/** Gives node `id` its upper blocks in the graph's pool and copies their links in. */
function setUpper(g: HnswGraph, id: number, level: number, blocks: Uint32Array): void {
  g.allocUpper(id, level);
  for (let l = 1; l <= level; l++) g.linkArray(id, l).set(blocks.subarray((l - 1) * g.strideU, l * g.strideU), g.linkBase(id, l));
}
