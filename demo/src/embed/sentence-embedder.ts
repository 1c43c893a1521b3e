import { tokenize } from './tokenize.js';
import { completeWord, type WordVectors } from './word-vectors.js';

/**
 * The demo's text embedder: "smooth inverse frequency" sentence vectors (Arora, Liang & Ma, ICLR 2017) over GloVe
 * word vectors. A text's vector is the mean of its words' GloVe vectors, each weighted a / (a + p(word)) so that
 * frequent words ("the", "of") barely count, minus its projection on the corpus' common direction, then
 * L2-normalised for Cosine distance. Deterministic and identical in Node (build time, shipped vectors) and in the
 * browser (queries and new documents), since both run this same code on the same quantized table.
 */
export interface EmbedResult {
  /** Unit length, `dims` long; null when no word of the text is in the vocabulary. */
  readonly vector: Float32Array | null;
  /** The vocabulary words that made the vector (after completing an unfinished last word). */
  readonly used: readonly string[];
  /** Tokens that are not in the vocabulary and so did not count. */
  readonly unknown: readonly string[];
}

export interface EmbedOptions {
  /** The last token is a word still being typed: complete it to the most frequent vocabulary word it starts. */
  readonly partial?: boolean;
}

/** SIF's `a`: the paper's recommended range is 1e-3 .. 1e-4. */
const SIF_A = 1e-3;
/** Zipf normaliser for GloVe 6B's 400k-word vocabulary: H(400000) = ln(400000) + Euler-Mascheroni. */
const ZIPF_H = Math.log(400_000) + 0.5772156649;

export class SentenceEmbedder {
  readonly dims: number;
  readonly name = 'SIF over GloVe 6B 100-d (50k words, int8)';
  private readonly weights: Float32Array;
  private readonly acc: Float64Array;

  /**
   * @param common unit vector of the corpus' first principal direction (computed at build time with
   *   `commonDirection`), removed from every vector; omit while computing that direction itself.
   */
  constructor(
    private readonly wv: WordVectors,
    private readonly common?: Float32Array,
  ) {
    this.dims = wv.dims;
    this.acc = new Float64Array(wv.dims);
    this.weights = new Float32Array(wv.count);
    for (let r = 0; r < wv.count; r++) {
      const p = 1 / ((wv.ranks[r]! + 1) * ZIPF_H);
      this.weights[r] = SIF_A / (SIF_A + p);
    }
    if (common && common.length !== wv.dims) throw new Error(`common direction has ${common.length} dims, not ${wv.dims}`);
  }

  embed(text: string, options: EmbedOptions = {}): EmbedResult {
    const tokens = tokenize(text);
    const { dims, vectors, scales, index } = this.wv;
    const acc = this.acc.fill(0);
    const used: string[] = [];
    const unknown: string[] = [];
    for (let t = 0; t < tokens.length; t++) {
      let word = tokens[t]!;
      let row = index.get(word);
      if (row === undefined && options.partial && t === tokens.length - 1 && word.length >= 2) {
        const completed = completeWord(this.wv, word);
        if (completed !== undefined) {
          word = completed;
          row = index.get(word);
        }
      }
      if (row === undefined) {
        // The word table has no single letters ("a", "s" of "it's"); they would weigh ~0 under SIF anyway, so
        // they are not worth reporting as unknown.
        if (word.length > 1) unknown.push(word);
        continue;
      }
      used.push(word);
      const w = this.weights[row]! * scales[row]!;
      const base = row * dims;
      for (let d = 0; d < dims; d++) acc[d]! += w * vectors[base + d]!;
    }
    if (used.length === 0) return { vector: null, used, unknown };
    if (this.common) {
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += acc[d]! * this.common[d]!;
      for (let d = 0; d < dims; d++) acc[d]! -= dot * this.common[d]!;
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += acc[d]! * acc[d]!;
    norm = Math.sqrt(norm);
    const vector = new Float32Array(dims);
    // A text made only of words whose vectors cancel exactly has no direction; treat it like "no known words".
    if (norm === 0) return { vector: null, used, unknown };
    for (let d = 0; d < dims; d++) vector[d] = acc[d]! / norm;
    return { vector, used, unknown };
  }
}

/**
 * The first principal direction (uncentred, as in SIF) of `rows` vectors laid out back to back in `matrix`, by power
 * iteration from a fixed start, so the build is deterministic. Returns a unit vector.
 */
export function commonDirection(matrix: Float32Array, dims: number, iterations = 100): Float32Array {
  const rows = matrix.length / dims;
  let u = new Float64Array(dims).fill(1 / Math.sqrt(dims));
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(dims);
    for (let r = 0; r < rows; r++) {
      const base = r * dims;
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += matrix[base + d]! * u[d]!;
      for (let d = 0; d < dims; d++) next[d]! += dot * matrix[base + d]!;
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += next[d]! * next[d]!;
    norm = Math.sqrt(norm);
    for (let d = 0; d < dims; d++) next[d]! /= norm;
    u = next;
  }
  return Float32Array.from(u);
}
