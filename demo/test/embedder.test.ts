import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SentenceEmbedder } from '../src/embed/sentence-embedder.js';
import { tokenize } from '../src/embed/tokenize.js';
import { completeWord, decodeWordVectors } from '../src/embed/word-vectors.js';

const wv = decodeWordVectors(readFileSync(new URL('../data/glove-100d-50k.bin', import.meta.url)));

function wordCosine(a: string, b: string): number {
  const ra = wv.index.get(a)!;
  const rb = wv.index.get(b)!;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < wv.dims; d++) {
    const x = wv.vectors[ra * wv.dims + d]! * wv.scales[ra]!;
    const y = wv.vectors[rb * wv.dims + d]! * wv.scales[rb]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('word table', () => {
  it('decodes the shipped GloVe subset in frequency order', () => {
    expect(wv.dims).toBe(100);
    expect(wv.count).toBeGreaterThanOrEqual(50_000);
    expect(wv.words[0]).toBe('the');
    expect(wv.index.get('the')).toBe(0);
    // Ranks are positions in the full GloVe list: strictly increasing, as rows keep frequency order.
    let ordered = true;
    for (let r = 1; r < wv.count; r++) ordered &&= wv.ranks[r]! > wv.ranks[r - 1]!;
    expect(ordered).toBe(true);
  });

  it('keeps the meaning of words through int8 quantization', () => {
    expect(wordCosine('king', 'queen')).toBeGreaterThan(0.6);
    expect(wordCosine('telescope', 'astronomy')).toBeGreaterThan(wordCosine('telescope', 'bread'));
    expect(wordCosine('bread', 'baking')).toBeGreaterThan(wordCosine('bread', 'galaxy'));
  });

  it('completes a word being typed to its most frequent continuation', () => {
    const completed = completeWord(wv, 'telesc');
    expect(completed?.startsWith('telesc')).toBe(true);
    expect(completeWord(wv, 'the')).toBe('the');
    expect(completeWord(wv, 'zzzzqx')).toBeUndefined();
  });
});

describe('SentenceEmbedder', () => {
  const embedder = new SentenceEmbedder(wv);

  it('tokenizes like the GloVe vocabulary spells words', () => {
    expect(tokenize('Café au lait, e-mail & 2019!')).toEqual(['cafe', 'au', 'lait', 'e', 'mail', '2019']);
  });

  it('gives deterministic unit vectors and reports unknown words', () => {
    const a = embedder.embed('Stars and galaxies seen through a telescope qqxyzzy');
    const b = embedder.embed('Stars and galaxies seen through a telescope qqxyzzy');
    expect(a.vector).not.toBeNull();
    expect(Array.from(a.vector!)).toEqual(Array.from(b.vector!));
    expect(dot(a.vector!, a.vector!)).toBeCloseTo(1, 5);
    expect(a.unknown).toContain('qqxyzzy');
    expect(embedder.embed('qqxyzzy wwvvqq').vector).toBeNull();
    expect(embedder.embed('').vector).toBeNull();
  });

  it('ranks texts by meaning, not by shared words', () => {
    const query = embedder.embed('planets orbiting distant stars').vector!;
    const space = embedder.embed('The telescope photographed a galaxy and its nebula').vector!;
    const food = embedder.embed('Knead the dough and bake the loaf in a hot oven').vector!;
    expect(dot(query, space)).toBeGreaterThan(dot(query, food));
  });

  it('completes the last word only when asked (typing)', () => {
    const typing = embedder.embed('astronom', { partial: true });
    expect(typing.used[0]?.startsWith('astronom')).toBe(true);
    expect(embedder.embed('astronom').unknown).toEqual(['astronom']);
  });

  it('removes the common direction when given one', () => {
    const common = embedder.embed('the of and in').vector!;
    const withCommon = new SentenceEmbedder(wv, common);
    const v = withCommon.embed('music and songs').vector!;
    expect(Math.abs(dot(v, common))).toBeLessThan(1e-5);
  });
});
