import type { Server } from './live-server.js';

// The small collections Qdrant's own REST tests are written against (tests/openapi/helpers/collection_setup.py),
// rebuilt here as data (points, vectors, payloads), so expected ids, counts and scores carry over.

/** Drops the collection if present and creates it with `config`. */
export async function recreate(server: Server, name: string, config: unknown): Promise<void> {
  await server.call('DELETE', `/collections/${name}`);
  await server.ok('PUT', `/collections/${name}`, config);
}

export async function upsert(server: Server, name: string, points: unknown[]): Promise<void> {
  await server.ok('PUT', `/collections/${name}/points?wait=true`, { points });
}

/**
 * The everyday test collection: ten points, 4-d Dot vectors plus a sparse vector, payloads with a keyword that is a
 * string for some points and an array for others, a float, null, empty arrays, and points without payload.
 */
export async function basicCollection(server: Server, name: string): Promise<void> {
  await recreate(server, name, { vectors: { size: 4, distance: 'Dot' }, sparse_vectors: { 'sparse-text': {} } });
  await upsert(server, name, [
    { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin', price: 10.0 } },
    { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'], price: 11.0 } },
    { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: ['Berlin', 'Moscow'], price: 9.5 } },
    { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: ['London', 'Moscow'], price: 9 } },
    { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { count: 0 } },
    { id: 6, vector: [0.35, 0.08, 0.11, 0.44] },
    { id: 7, vector: [0.25, 0.98, 0.14, 0.43], payload: { city: null, price: null } },
    { id: 8, vector: [0.79, 0.53, 0.72, 0.15], payload: { city: [], price: [] } },
    { id: 9, vector: { 'sparse-text': { indices: [66, 12], values: [0.5, 0.5] } } },
    { id: 10, vector: { 'sparse-text': { indices: [1, 2, 3], values: [0.1, 0.2, 0.3] } }, payload: { city: [], price: [] } },
  ]);
}

/**
 * Named vectors `image` (4-d) and `text` (8-d, the image vector twice) plus sparse `sparse-image` / `sparse-text`:
 * points 1-6 carry the dense pair, 7 and 8 only the sparse pair.
 */
export async function multivecCollection(server: Server, name: string, distance?: string): Promise<void> {
  await recreate(server, name, {
    vectors: { image: { size: 4, distance: distance ?? 'Dot' }, text: { size: 8, distance: distance ?? 'Cosine' } },
    sparse_vectors: { 'sparse-image': {}, 'sparse-text': {} },
  });
  const images = [
    [0.05, 0.61, 0.76, 0.74],
    [0.19, 0.81, 0.75, 0.11],
    [0.36, 0.55, 0.47, 0.94],
    [0.18, 0.01, 0.85, 0.8],
    [0.24, 0.18, 0.22, 0.44],
    [0.35, 0.08, 0.11, 0.44],
  ];
  const payloads: unknown[] = [{ city: 'Berlin' }, { city: ['Berlin', 'London'] }, { city: ['Berlin', 'Moscow'] }, { city: ['London', 'Moscow'] }, { count: 0 }, undefined];
  await upsert(server, name, [
    ...images.map((image, i) => ({ id: i + 1, vector: { image, text: [...image, ...image] }, ...(payloads[i] ? { payload: payloads[i] } : {}) })),
    {
      id: 7,
      vector: { 'sparse-image': { indices: [1, 2, 4, 8], values: [1.5, 1.5, 1.5, 1.5] }, 'sparse-text': { indices: [66, 12], values: [0.5, 0.5] } },
    },
    {
      id: 8,
      vector: { 'sparse-image': { indices: [2, 8], values: [2.5, 2.5] }, 'sparse-text': { indices: [1, 2, 3], values: [0.1, 0.2, 0.3] } },
      payload: { count: 0 },
    },
  ]);
}

/** Eight points, every one with `city` and `color`; `count` and `price` on some. */
export async function multipayloadCollection(server: Server, name: string): Promise<void> {
  await recreate(server, name, { vectors: { size: 4, distance: 'Dot' }, sparse_vectors: { 'sparse-text': {} } });
  await upsert(server, name, [
    { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin', color: 'red' } },
    { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'], color: 'green' } },
    { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: ['Berlin', 'Moscow'], color: 'blue' } },
    { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: ['London', 'Moscow'], color: 'red' } },
    { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { city: 'Seoul', color: 'red', count: 0 } },
    { id: 6, vector: [0.35, 0.08, 0.11, 0.44], payload: { city: 'Berlin', color: 'red', count: 1, price: 10.0 } },
    { id: 7, vector: [0.25, 0.98, 0.14, 0.43], payload: { city: 'London', color: 'red', count: 0, price: 50.0 } },
    { id: 8, vector: [0.19, 0.53, 0.72, 0.15], payload: { city: 'Moscow', color: 'red', count: 1, price: 100.0 } },
  ]);
}

const city = (name: string, population: number, lon: number, lat: number, sightseeing: string[]) => ({
  name,
  population,
  location: { lon, lat },
  sightseeing,
});

/** The Germany payload of the nested collection, whole, for payload-selector checks. */
export const germany = {
  name: 'Germany',
  capital: 'Berlin',
  cities: [
    city('Berlin', 3.7, 13.76116, 52.33826, ['Brandenburg Gate', 'Reichstag']),
    city('Munich', 1.5, 11.57549, 48.13743, ['Marienplatz', 'Olympiapark']),
    city('Hamburg', 1.8, 9.99368, 53.55108, ['Reeperbahn', 'Elbphilharmonie']),
  ],
};

/** Six points whose payload is a country object holding an array of city objects; point 6 has no payload. */
export async function nestedCollection(server: Server, name: string): Promise<void> {
  await recreate(server, name, { vectors: { size: 4, distance: 'Dot' } });
  await upsert(server, name, [
    { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { country: germany } },
    {
      id: 2,
      vector: [0.19, 0.81, 0.75, 0.11],
      payload: {
        country: {
          name: 'England',
          capital: 'London',
          cities: [
            city('London', 8.9, -0.12755, 51.50722, ['Big Ben', 'London Eye', 'Buckingham Palace']),
            city('Manchester', 2.5, -2.23743, 53.48095, ['Manchester United', 'Manchester City']),
            city('Liverpool', 0.5, -2.97794, 53.41058, ['Anfield', 'Albert Dock']),
          ],
        },
      },
    },
    {
      id: 3,
      vector: [0.36, 0.55, 0.47, 0.94],
      payload: {
        country: {
          name: 'France',
          capital: 'Paris',
          cities: [
            city('Paris', 2.2, 2.35222, 48.85661, ['Eiffel Tower', 'Louvre', 'Notre Dame', 'Arc de Triomphe']),
            city('Marseille', 0.9, 5.36978, 43.29648, ['Vieux Port', 'Notre Dame de la Garde']),
            city('Lyon', 0.5, 4.83565, 45.76404, ['Place Bellecour', 'Fourvière Basilica']),
          ],
        },
      },
    },
    {
      id: 4,
      vector: [0.18, 0.01, 0.85, 0.8],
      payload: {
        country: {
          name: 'Japan',
          capital: 'Tokyo',
          cities: [
            city('Tokyo', 9.3, 139.69171, 35.6895, ['Tokyo Tower', 'Tokyo Skytree']),
            city('Osaka', 2.7, 135.50217, 34.69374, ['Osaka Castle', 'Universal Studios Japan']),
            city('Kyoto', 1.5, 135.76803, 35.01163, ['Kiyomizu-dera', 'Fushimi Inari-taisha']),
          ],
        },
      },
    },
    { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { country: { name: 'Nauru', cities: [{ name: null }] } } },
    { id: 6, vector: [0.35, 0.08, 0.11, 0.44] },
  ]);
}

/**
 * The many-vector collection of Qdrant's query tests: dense-image (4, Dot), dense-text (8, Cosine), dense-multi
 * (4, Dot, max_sim), sparse-image and sparse-text; each point carries only some of them.
 */
export async function fullCollection(server: Server, name: string): Promise<void> {
  await recreate(server, name, {
    vectors: {
      'dense-image': { size: 4, distance: 'Dot' },
      'dense-text': { size: 8, distance: 'Cosine' },
      'dense-multi': { size: 4, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
    },
    sparse_vectors: { 'sparse-image': {}, 'sparse-text': {} },
  });
  const twice = (v: number[]) => [...v, ...v];
  const multi = (...starts: number[]) => starts.map((s) => [s + 0.05, s + 0.61, s + 0.76, s + 0.74]);
  const sparse = (image: number, text: number) => ({
    'sparse-image': { indices: [1, 2, 4, 8], values: [image, image, image, image] },
    'sparse-text': { indices: [66, 12], values: [text, text] },
  });
  const img = [[0.05, 0.61, 0.76, 0.74], [0.19, 0.81, 0.75, 0.11], [0.36, 0.55, 0.47, 0.94], [0.18, 0.01, 0.85, 0.8], [0.24, 0.18, 0.22, 0.44], [0.35, 0.08, 0.11, 0.44]];
  const dense = (i: number) => ({ 'dense-image': img[i - 1]!, 'dense-text': twice(img[i - 1]!) });
  await upsert(server, name, [
    { id: 1, vector: { ...dense(1), 'dense-multi': multi(1, 2, 3), ...sparse(1.5, 1.5) }, payload: { city: 'Berlin' } },
    { id: 2, vector: { ...dense(2), 'dense-multi': multi(2, 3, 4), ...sparse(2.5, 2.5) }, payload: { city: ['Berlin', 'London'] } },
    { id: 3, vector: { ...dense(3), ...sparse(3.5, 3.5) }, payload: { city: ['Berlin', 'Moscow'] } },
    { id: 4, vector: dense(4), payload: { city: ['London', 'Moscow'] } },
    { id: 5, vector: { ...dense(5), 'dense-multi': multi(5, 6, 7) }, payload: { count: 0 } },
    { id: 6, vector: dense(6), payload: { count: 1 } },
    { id: 7, vector: sparse(7.5, 7.5) },
    { id: 8, vector: { 'dense-multi': multi(8, 9, 3) }, payload: { count: 2 } },
  ]);
}
