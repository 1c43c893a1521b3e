/**
 * One script of client calls, run twice: against the embedded client in Node and against `openDatabase` in
 * Chromium. The browser client must be a transparent pass-through (same values, same errors), so the two runs must
 * answer identically, call by call. Vectors of 64 dimensions and long numeric payload arrays take the packed,
 * transferred path across the worker boundary.
 */
export type Call = [method: string, ...args: unknown[]];

export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; error: { isClass: boolean; name: string; code: string; status: number; message: string } };

function vector(i: number, dim: number): number[] {
  const out: number[] = [];
  let x = (i + 7) * 2654435761;
  for (let k = 0; k < dim; k++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out.push(Math.round(((x / 0xffffffff) * 2 - 1) * 1000) / 1000);
  }
  return out;
}

export function conformanceScript(): Call[] {
  const dim = 64;
  const points = Array.from({ length: 120 }, (_, i) => ({
    id: i % 10 === 0 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : i,
    vector: vector(i, dim),
    payload: { city: ['Oslo', 'Rome', 'Nice', 'Lima'][i % 4], pop: i * 10, ratio: i / 7, history: Array.from({ length: 40 }, (_, k) => i + k / 3) },
  }));
  return [
    ['collectionExists', 'c'],
    ['createCollection', 'c', { vectors: { size: dim, distance: 'Cosine' } }],
    ['createCollection', 'c', { vectors: { size: dim, distance: 'Cosine' } }],
    ['createCollection', 'd', { vectors: { size: dim, distance: 'Euclid' } }],
    ['getCollections'],
    ['upsert', 'c', { wait: true, points }],
    ['upsert', 'd', { wait: true, points: points.slice(0, 50) }],
    ['upsert', 'c', { wait: true, points: [{ id: 1000, vector: [1, 2, 3] }] }],
    ['upsert', 'missing', { wait: true, points: [{ id: 1, vector: vector(1, dim) }] }],
    ['count', 'c', { exact: true }],
    ['retrieve', 'c', { ids: [1, 2, points[10]!.id, 999], with_payload: true, with_vector: true }],
    ['query', 'c', { query: vector(3, dim), limit: 7, with_payload: ['city'], params: { exact: true } }],
    ['query', 'd', { query: vector(3, dim), limit: 5, with_vector: true, params: { exact: true } }],
    ['query', 'c', { query: vector(5, dim), limit: 5, filter: { must: [{ key: 'city', match: { value: 'Rome' } }] }, params: { exact: true } }],
    ['query', 'c', { query: 4, limit: 3, params: { exact: true } }],
    ['search', 'c', { vector: vector(8, dim), limit: 3, with_payload: true, params: { exact: true } }],
    ['scroll', 'c', { limit: 5, with_payload: ['pop'], filter: { must: [{ key: 'pop', range: { gte: 100, lt: 300 } }] } }],
    ['createPayloadIndex', 'c', { field_name: 'city', field_schema: 'keyword', wait: true }],
    ['facet', 'c', { key: 'city', exact: true }],
    ['setPayload', 'c', { payload: { tag: 'x' }, points: [1, 2, 3], wait: true }],
    ['deletePayload', 'c', { keys: ['history'], points: [2], wait: true }],
    ['overwritePayload', 'c', { payload: { only: true }, points: [3], wait: true }],
    ['clearPayload', 'c', { points: [4], wait: true }],
    ['retrieve', 'c', { ids: [1, 2, 3, 4], with_payload: true }],
    ['delete', 'c', { points: [5, 6], wait: true }],
    ['delete', 'c', { filter: { must: [{ key: 'city', match: { value: 'Lima' } }] }, wait: true }],
    ['count', 'c', { exact: true }],
    ['count', 'c', { exact: true, filter: { must: [{ key: 'tag', match: { value: 'x' } }] } }],
    ['updateCollectionAliases', { actions: [{ create_alias: { collection_name: 'c', alias_name: 'cc' } }] }],
    ['getAliases'],
    ['count', 'cc', { exact: true }],
    ['getCollection', 'nope'],
    ['deleteCollection', 'd'],
    ['collectionExists', 'd'],
  ];
}
