import type { DocPayload } from '../src/data/dataset-format.js';
import { TITLE_TEMPLATES, TOPICS, type Topic } from './topics.js';

/**
 * Writes the demo's documents from the topic word banks with a seeded generator, so every build ships the same
 * data set (ids, texts and therefore vectors are reproducible).
 */
export const YEARS = { min: 2005, max: 2025 } as const;

const FIRST = ['Ada', 'Bruno', 'Chen', 'Dara', 'Elena', 'Farid', 'Grace', 'Hugo', 'Ines', 'Jonas', 'Kenji', 'Lena',
  'Maya', 'Nils', 'Omar', 'Priya', 'Rosa', 'Sami', 'Tomas', 'Uma', 'Vera', 'Wen', 'Yusuf', 'Zoe'];
const LAST = ['Almeida', 'Berg', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ito', 'Jensen',
  'Kowalski', 'Larsen', 'Moreau', 'Novak', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Sato', 'Tanaka', 'Varga', 'Weber'];

/** mulberry32: small, fast, and good enough to pick words; the seed fixes the whole data set. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateDocuments(perTopic: number, seed = 7): DocPayload[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const docs: DocPayload[] = [];
  for (let i = 0; i < perTopic; i++) {
    // Interleave topics so that any prefix of the data set (e.g. the first upsert batches) covers all of them.
    for (const topic of TOPICS) docs.push(writeDocument(topic, pick, random));
  }
  return docs;
}

function writeDocument(topic: Topic, pick: <T>(items: readonly T[]) => T, random: () => number): DocPayload {
  const s = pick(topic.subjects);
  let t = pick(topic.subjects);
  while (t === s) t = pick(topic.subjects);
  const fill = (template: string, main = s, other = t) =>
    template.replaceAll('{S}', capitalise(main)).replaceAll('{s}', main).replaceAll('{t}', other);
  const sentences = new Set<string>();
  const wanted = 2 + Math.floor(random() * 3);
  // The first sentence is about the title's subject; later ones wander to neighbouring subjects of the same topic,
  // as real articles do, so that bodies do not repeat one phrase four times.
  sentences.add(capitalise(fill(pick(topic.sentences))));
  while (sentences.size < wanted) {
    const main = random() < 0.4 ? s : pick(topic.subjects);
    sentences.add(capitalise(fill(pick(topic.sentences), main, main === t ? s : t)));
  }
  return {
    title: capitalise(fill(pick(TITLE_TEMPLATES))),
    text: [...sentences].join(' '),
    category: topic.category,
    year: YEARS.min + Math.floor(random() * (YEARS.max - YEARS.min + 1)),
    author: `${pick(FIRST)} ${pick(LAST)}`,
    source: 'dataset',
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
