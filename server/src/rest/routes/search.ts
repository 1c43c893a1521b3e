import { readParams, type Handler } from '../route-context.js';

/**
 * Reads over many points: scroll, count, facet, the universal query, distance matrices, and the legacy search /
 * recommend / discover calls that v1.19 still serves though its spec no longer lists them.
 */
export const searchHandlers: Record<string, Handler> = {
  scroll_points: ({ client, params, body, query }) => client.scroll(params['collection_name']!, { ...body, ...readParams(query) }),
  count_points: ({ client, params, body, query }) => client.count(params['collection_name']!, { ...body, ...readParams(query) }),
  facet: ({ client, params, body, query }) => client.facet(params['collection_name']!, { ...body, ...readParams(query) }),

  query_points: ({ client, params, body, query }) => client.query(params['collection_name']!, { ...body, ...readParams(query) }),
  query_batch_points: ({ client, params, body, query }) => client.queryBatch(params['collection_name']!, { ...body, ...readParams(query) }),
  query_points_groups: ({ client, params, body, query }) => client.queryGroups(params['collection_name']!, { ...body, ...readParams(query) }),
  search_matrix_pairs: ({ client, params, body, query }) =>
    client.searchMatrixPairs(params['collection_name']!, { ...body, ...readParams(query) }),
  search_matrix_offsets: ({ client, params, body, query }) =>
    client.searchMatrixOffsets(params['collection_name']!, { ...body, ...readParams(query) }),

  search_points: ({ client, params, body, query }) => client.search(params['collection_name']!, { ...body, ...readParams(query) }),
  search_batch_points: ({ client, params, body, query }) => client.searchBatch(params['collection_name']!, { ...body, ...readParams(query) }),
  search_point_groups: ({ client, params, body, query }) =>
    client.searchPointGroups(params['collection_name']!, { ...body, ...readParams(query) }),
  recommend_points: ({ client, params, body, query }) => client.recommend(params['collection_name']!, { ...body, ...readParams(query) }),
  recommend_batch_points: ({ client, params, body, query }) =>
    client.recommendBatch(params['collection_name']!, { ...body, ...readParams(query) }),
  recommend_point_groups: ({ client, params, body, query }) =>
    client.recommendPointGroups(params['collection_name']!, { ...body, ...readParams(query) }),
  discover_points: ({ client, params, body, query }) => client.discoverPoints(params['collection_name']!, { ...body, ...readParams(query) }),
  discover_batch_points: ({ client, params, body, query }) =>
    client.discoverBatchPoints(params['collection_name']!, { ...body, ...readParams(query) }),
};
