import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { seededRandom as rng } from '../src/query/advanced/sample-random.js';

/** Seeded generator (core's mulberry32) so every run builds the same data. */
export { rng };

export const DIM = 6;
export const N = 240;

export interface FixturePoint {
  id: number;
  d: number[];
  e: number[];
  s: { indices: number[]; values: number[] };
  payload: { group: number; n: number; color: string; rank: number };
}

/** 240 points: a Cosine vector `d`, an Euclid vector `e`, a sparse `s`, and payload to filter, group and order by. */
export function fixturePoints(seed = 7): FixturePoint[] {
  const r = rng(seed);
  const vec = () => Array.from({ length: DIM }, () => Math.round((r() * 2 - 1) * 1000) / 1000);
  const colors = ['red', 'green', 'blue'];
  return Array.from({ length: N }, (_, i) => {
    const dims = new Set<number>();
    while (dims.size < 3) dims.add(Math.floor(r() * 20));
    const indices = [...dims];
    return {
      id: i + 1,
      d: vec(),
      e: vec(),
      s: { indices, values: indices.map(() => Math.round(r() * 1000) / 1000 + 0.01) },
      // rank: distinct values in a scrambled order, so ordering by it never ties.
      payload: { group: i % 7, n: i, color: colors[i % 3]!, rank: (i * 7919) % 10007 },
    };
  });
}

export async function fixtureClient(points = fixturePoints()): Promise<EmbeddedClient> {
  const client = await createEmbeddedClient();
  await client.createCollection('c', {
    vectors: { d: { size: DIM, distance: 'Cosine' }, e: { size: DIM, distance: 'Euclid' } },
    sparse_vectors: { s: {}, si: { modifier: 'idf' } },
  });
  await client.upsert('c', {
    points: points.map((p) => ({ id: p.id, vector: { d: p.d, e: p.e, s: p.s, si: p.s }, payload: p.payload })),
  });
  await client.createPayloadIndex('c', { field_name: 'rank', field_schema: 'integer' });
  return client;
}

export const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
export const norm = (a: number[]) => {
  const l = Math.sqrt(dot(a, a));
  return l === 0 ? a : a.map((x) => x / l);
};
export const cosine = (a: number[], b: number[]) => dot(norm(a), norm(b));
export const l2 = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0));
export const sparseDotOf = (a: { indices: number[]; values: number[] }, b: { indices: number[]; values: number[] }) => {
  let s = 0;
  a.indices.forEach((ix, i) => {
    const j = b.indices.indexOf(ix);
    if (j >= 0) s += a.values[i]! * b.values[j]!;
  });
  return s;
};

/** Best-first ids by `score` (higher first unless `asc`), ties by id. */
export function rank<T extends { id: number }>(items: T[], score: (t: T) => number, asc = false): { id: number; score: number }[] {
  return items
    .map((t) => ({ id: t.id, score: score(t) }))
    .sort((a, b) => (asc ? a.score - b.score : b.score - a.score) || a.id - b.id);
}
