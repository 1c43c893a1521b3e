import { errors } from '@sextant/core';
import { readParams, writeParams, type Handler } from '../route-context.js';

/** Point writes and reads by id: the `points` tag of the spec. */
export const pointHandlers: Record<string, Handler> = {
  get_point: async ({ client, params, query }) => {
    const id = parsePointId(params['id']!);
    const [record] = await client.retrieve(params['collection_name']!, { ids: [id], with_payload: true, with_vector: true, ...readParams(query) });
    if (!record) throw errors.pointNotFound(id);
    return record;
  },
  get_points: ({ client, params, body, query }) => client.retrieve(params['collection_name']!, { ...body, ...readParams(query) }),
  upsert_points: ({ client, params, body, query }) => client.upsert(params['collection_name']!, { ...body, ...writeParams(query) }),
  delete_points: ({ client, params, body, query }) => client.delete(params['collection_name']!, { ...body, ...writeParams(query) }),
  update_vectors: ({ client, params, body, query }) => client.updateVectors(params['collection_name']!, { ...body, ...writeParams(query) }),
  delete_vectors: ({ client, params, body, query }) => client.deleteVectors(params['collection_name']!, { ...body, ...writeParams(query) }),
  set_payload: ({ client, params, body, query }) => client.setPayload(params['collection_name']!, { ...body, ...writeParams(query) }),
  overwrite_payload: ({ client, params, body, query }) =>
    client.overwritePayload(params['collection_name']!, { ...body, ...writeParams(query) }),
  delete_payload: ({ client, params, body, query }) => client.deletePayload(params['collection_name']!, { ...body, ...writeParams(query) }),
  clear_payload: ({ client, params, body, query }) => client.clearPayload(params['collection_name']!, { ...body, ...writeParams(query) }),
  batch_update: ({ client, params, body, query }) => client.batchUpdate(params['collection_name']!, { ...body, ...writeParams(query) }),
};

/** A point id from a URL segment: an unsigned integer, or a UUID (normalized to lowercase hyphenated form). */
export function parsePointId(raw: string): number | string {
  if (/^\d+$/.test(raw)) {
    const id = Number(raw);
    if (Number.isSafeInteger(id)) return id;
  }
  const hex = raw.replaceAll('-', '').toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex) && (raw.length === 32 || raw.length === 36)) {
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  throw errors.badRequest(`Unable to parse point id \`${raw}\`: expected an unsigned integer or a UUID`);
}
