import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';

// The idf modifier of a sparse vector, as Qdrant's REST test pins it: with idf a rare query word outweighs several
// common ones; patching the modifier to none at once ranks by the raw dot product again.
const C = 'sparse_idf';
const TEXTS = [
  'I must not fear. Fear is the mind-killer.',
  'All animals are equal, but some animals are more equal than others.',
  'It was a pleasure to burn.',
  'The sky above the port was the color of television, tuned to a dead channel.',
  'In the beginning, the universe was created. This has made a lot of people very angry and been widely regarded as a bad move.',
  'War is peace. Freedom is slavery. Ignorance is strength.',
  "We're not in Infinity; we're in the suburbs.",
  'I was a thousand times more evil than thou!',
  'History is merely a list of surprises... It can only prepare us to be surprised yet again.',
  'The a an and or but',
  'A an the',
  'I am you are he she it we they',
  'Is are was were',
  'Do does did',
  'Have has had',
  'Can could',
  'I am is not the you are',
  'I is not the you are',
];
const words = (text: string) => text.toLowerCase().replace(/[.,!;]/g, '').split(' ');
/** A stable index per word (any injective-enough hash will do): 32-bit FNV-1a. */
const index = (word: string) => {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
  return h;
};
const sparse = (ws: string[]) => {
  const unique = [...new Set(ws)];
  return { indices: unique.map(index), values: unique.map(() => 1) };
};

describe('sparse idf modifier', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startServer();
    await s.ok('PUT', `/collections/${C}`, { sparse_vectors: { text: { modifier: 'idf' } } });
    await s.ok('PUT', `/collections/${C}/points?wait=true`, {
      points: TEXTS.map((text, id) => ({ id, vector: { text: sparse(words(text)) }, payload: { text } })),
    });
  });
  afterAll(() => s.close());

  it('ranks the text with the rare words first, until the modifier is patched to none', async () => {
    const query = { query: sparse(['i', 'is', 'not', 'television', 'channel']), using: 'text', limit: 2 };
    let points = (await s.ok('POST', `/collections/${C}/points/query`, query)).points;
    expect(points).toHaveLength(2);
    expect(points[0].id).toBe(3);
    await s.ok('PATCH', `/collections/${C}`, { sparse_vectors: { text: { modifier: 'none' } } });
    points = (await s.ok('POST', `/collections/${C}/points/query`, query)).points;
    expect(points).toHaveLength(2);
    expect(points[0].id).not.toBe(3);
    expect(points[0].score).toBeCloseTo(3, 5); // three plain matches beat two rare ones
  });
});
