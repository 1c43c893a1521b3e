import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Server } from './live-server.js';

// Full-text matching through a text index, as Qdrant answers it (its test_fts.py, on a subset of its titles that
// keeps every title holding the words it asks for): text_any matches any non-stopword token; a prefix-tokenized
// index matches a query token as a prefix of a lowercased title word.
const TITLES = [
  'The Bicentennial Man', 'Big Game', 'Catch That Rabbit', 'Each an Explorer', 'First Law', 'Liar!',
  'Little Lost Robot', 'A Loint of Paw', 'Mirror Image', 'The Portable Star', 'Reason', 'Ring Around the Sun',
  'Robot AL-76 Goes Astray', 'Robot Dreams', 'Runaround', 'Satisfaction Guaranteed', 'Star Light',
  'A Statue for Father', 'Strikebreaker', 'The Talking Stone', 'The Up-to-Date Sorcerer', 'The Weapon',
];

describe('full-text match as Qdrant answers it', () => {
  let s: Server;
  const scroll = async (filter: object) =>
    new Set<number>((await s.ok('POST', '/collections/t/points/scroll', { offset: null, limit: 10, with_payload: true, with_vector: false, filter })).points.map((p: { id: number }) => p.id));

  beforeAll(async () => {
    s = await startServer();
    await s.ok('PUT', '/collections/t', { vectors: { size: 4, distance: 'Dot' } });
    await s.ok('PUT', '/collections/t/points?wait=true', {
      points: TITLES.map((title, id) => ({ id, vector: [((id * 7) % 5) / 5, 0.5, ((id * 3) % 7) / 7, 0.1], payload: { title } })),
    });
  });
  afterAll(() => s.close());

  it('text_any over a word index with English stopwords equals a should of its content words', async () => {
    await s.ok('PUT', '/collections/t/index?wait=true', { field_name: 'title', field_schema: { type: 'text', tokenizer: 'word', lowercase: true, stopwords: 'english' } });
    const any = await scroll({ must: { key: 'title', match: { text_any: 'robot of the star' } } });
    const split = await scroll({ should: [{ key: 'title', match: { text: 'robot' } }, { key: 'title', match: { text: 'star' } }] });
    expect(any).toEqual(split);
    expect(any.size).toBe(5);
  });

  it('a prefix-tokenized index matches an upper-case prefix, in scroll and in search', async () => {
    await s.ok('PUT', '/collections/t/index?wait=true', { field_name: 'title', field_schema: { type: 'text', tokenizer: 'prefix' } });
    const robo = { should: [{ key: 'title', match: { text: 'ROBO' } }] };
    const scrolled = await scroll(robo);
    expect([...scrolled].map((id) => TITLES[id]).sort()).toEqual(['Little Lost Robot', 'Robot AL-76 Goes Astray', 'Robot Dreams']);
    const found = await s.ok('POST', '/collections/t/points/search', { vector: [1, 1, 1, 1], limit: 10, with_payload: true, with_vector: false, filter: robo });
    expect(found).toHaveLength(3);
  });
});
