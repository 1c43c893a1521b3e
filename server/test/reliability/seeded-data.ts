import { createHash } from 'node:crypto';
import type { SextantClient } from '@sextant/core';
import { Rng } from './hostile-values.js';

/**
 * The data the reliability suites guard: collections of every vector kind, mixed id kinds and indexed payloads,
 * written from a seed so a run is repeatable. `PROTECTED` collections must come out of a test byte-identical.
 */
export const PROTECTED = ['docs', 'named'] as const;
export const SCRATCH = 'scratch';

export async function seedCollections(client: SextantClient, seed = 7, points = 60): Promise<void> {
  const rng = new Rng(seed);
  for (const name of ['docs', SCRATCH]) {
    await client.createCollection(name, { vectors: { size: 4, distance: 'Cosine' } });
    await client.createPayloadIndex(name, { field_name: 'tag', field_schema: 'keyword', wait: true });
    await client.createPayloadIndex(name, { field_name: 'n', field_schema: 'integer', wait: true });
    await client.upsert(name, {
      wait: true,
      points: Array.from({ length: points }, (_, i) => ({
        id: i % 3 === 0 ? uuidFor(i) : i,
        vector: Array.from({ length: 4 }, () => rng.next() * 2 - 1),
        payload: { tag: rng.pick(['a', 'b', 'c']), n: i, city: { name: rng.pick(['Oslo', 'Lima']) }, tags: ['x', `t${i % 5}`] },
      })),
    });
  }
  await client.createCollection('named', {
    vectors: { a: { size: 3, distance: 'Dot' }, b: { size: 2, distance: 'Euclid' } },
    sparse_vectors: { s: {} },
  });
  await client.upsert('named', {
    wait: true,
    points: Array.from({ length: points / 2 }, (_, i) => ({
      id: i + 1000,
      vector: {
        a: [rng.next(), rng.next(), rng.next()],
        b: [rng.next() * 10, rng.next() * 10],
        s: { indices: [i % 7, 10 + (i % 3)], values: [rng.next(), rng.next()] },
      },
      payload: { n: i, text: `point number ${i}` },
    })),
  });
  await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: 'docs', alias_name: 'docs-alias' } }] });
}

export function uuidFor(i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `6ba7b810-9dad-11d1-80b4-${hex}`;
}

/**
 * SHA-256 over everything a user can read back from the protected collections: configuration, index schema, point
 * count, and every point with its exact vectors and payload in id order. Equal digests = nothing changed.
 */
export async function dataChecksum(client: SextantClient, names: readonly string[] = PROTECTED): Promise<string> {
  const hash = createHash('sha256');
  for (const name of names) {
    const info = await client.getCollection(name);
    hash.update(JSON.stringify({ name, config: info.config.params, schema: info.payload_schema, count: info.points_count }));
    let offset: string | number | null | undefined;
    do {
      const page = await client.scroll(name, { limit: 250, with_payload: true, with_vector: true, ...(offset != null ? { offset } : {}) });
      for (const point of page.points) hash.update(JSON.stringify([point.id, point.vector, point.payload]));
      offset = page.next_page_offset as string | number | null | undefined;
    } while (offset !== null && offset !== undefined);
  }
  return hash.digest('hex');
}
