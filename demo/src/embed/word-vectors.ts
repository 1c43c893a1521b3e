/**
 * The word-vector table of the demo's embedder: GloVe 6B 100-d vectors for the 50,000 most frequent plain words,
 * int8-quantized with one scale per word (written by scripts/extract-word-vectors.mjs).
 *
 * Layout (little endian): 'SXWV' | u32 version | u32 count | u32 dims | f32 scale[count] | u32 rank[count]
 * | i8 vector[count*dims] | utf-8 words joined by '\n'. Words keep corpus-frequency order, so `rank` (position in
 * the full 400k-word GloVe list) doubles as a Zipf frequency estimate for the SIF weights.
 */
export interface WordVectors {
  readonly dims: number;
  readonly count: number;
  /** Rows are in frequency order (row 0 = most frequent). */
  readonly words: readonly string[];
  /** word -> row. */
  readonly index: ReadonlyMap<string, number>;
  /** Words sorted alphabetically with their rows, for prefix completion of a word still being typed. */
  readonly sorted: readonly string[];
  readonly sortedRows: Uint32Array;
  readonly scales: Float32Array;
  readonly ranks: Uint32Array;
  /** row r occupies vectors[r*dims .. r*dims+dims); multiply by scales[r] to get the GloVe value. */
  readonly vectors: Int8Array;
}

const MAGIC = 0x56575853; // 'SXWV' read as little-endian u32

export function decodeWordVectors(bytes: ArrayBuffer | Uint8Array): WordVectors {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('word vectors: bad magic, not an SXWV file');
  if (view.getUint32(4, true) !== 1) throw new Error(`word vectors: unsupported version ${view.getUint32(4, true)}`);
  const count = view.getUint32(8, true);
  const dims = view.getUint32(12, true);
  const scalesAt = 16;
  const ranksAt = scalesAt + count * 4;
  const vectorsAt = ranksAt + count * 4;
  const wordsAt = vectorsAt + count * dims;
  // Copy into fresh aligned arrays: the source may sit at any byte offset inside a larger buffer.
  const scales = new Float32Array(count);
  const ranks = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    scales[i] = view.getFloat32(scalesAt + i * 4, true);
    ranks[i] = view.getUint32(ranksAt + i * 4, true);
  }
  const vectors = new Int8Array(u8.buffer.slice(u8.byteOffset + vectorsAt, u8.byteOffset + wordsAt));
  const words = new TextDecoder().decode(u8.subarray(wordsAt)).split('\n');
  if (words.length !== count) throw new Error(`word vectors: ${words.length} words for ${count} rows`);
  const index = new Map<string, number>();
  for (let i = 0; i < count; i++) index.set(words[i]!, i);
  const order = Array.from(words.keys()).sort((a, b) => (words[a]! < words[b]! ? -1 : words[a]! > words[b]! ? 1 : 0));
  return {
    dims,
    count,
    words,
    index,
    sorted: order.map((i) => words[i]!),
    sortedRows: Uint32Array.from(order),
    scales,
    ranks,
    vectors,
  };
}

/** The most frequent word that starts with `prefix`, or undefined. Used for the last, unfinished word of a query. */
export function completeWord(wv: WordVectors, prefix: string): string | undefined {
  let lo = 0;
  let hi = wv.sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (wv.sorted[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  let best = -1;
  for (let i = lo; i < wv.sorted.length && wv.sorted[i]!.startsWith(prefix); i++) {
    const row = wv.sortedRows[i]!;
    if (best < 0 || row < best) best = row;
  }
  return best < 0 ? undefined : wv.words[best];
}
