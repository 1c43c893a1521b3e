import type { Schemas } from '@sextant/core';
import { seededRandom as rng } from '@sextant/core';

/** Seeded generator (core's mulberry32) so every run builds the same data. */
export { rng };

const cities = ['Berlin', 'Paris', 'Rome', 'Oslo'];

/**
 * `count` points with a named dense vector `v` (dim 4), a sparse vector `sp` on every third point, and a payload
 * that exercises every filter kind: keyword, integer, float, bool, text, arrays, geo, datetime, nested objects,
 * nulls and empty arrays.
 */
export function seededPoints(count: number, seed = 7): Schemas['PointStruct'][] {
  const random = rng(seed);
  const points: Schemas['PointStruct'][] = [];
  for (let i = 0; i < count; i++) {
    const v = [random(), random(), random(), random()].map((x) => Math.round((x * 2 - 1) * 1000) / 1000);
    const vector: Record<string, unknown> = { v };
    if (i % 3 === 0) vector.sp = { indices: [i % 7, 10 + (i % 5)], values: [1 + (i % 4), 0.5] };
    points.push({
      id: i % 10 === 9 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : i,
      vector: vector as Schemas['PointStruct']['vector'],
      payload: {
        city: cities[i % cities.length],
        n: i,
        price: Math.round(random() * 10000) / 100,
        ok: i % 2 === 0,
        text: i % 4 === 0 ? 'the quick brown fox' : 'lazy dogs sleep',
        tags: i % 5 === 0 ? [] : ['a', i % 2 ? 'odd' : 'even'],
        loc: { lon: 10 + (i % 10), lat: 50 + (i % 5) },
        created: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(),
        maybe: i % 6 === 0 ? null : i,
        nested: [{ k: i % 3, name: `x${i % 3}` }],
      },
    });
  }
  return points;
}
