import type { SextantClient } from '@sextant/core';
import type { Points } from '@sextant/proto';
import { pointsReadHandlers } from './points-read-handlers.js';
import { pointsWriteHandlers } from './points-write-handlers.js';
import type { Handlers } from './unary.js';

/** rpcs a read-only key may call: everything that does not change points, payloads or indexes. */
export const pointsReadOnly = new Set([
  'Get', 'Search', 'SearchBatch', 'SearchGroups', 'Scroll', 'Recommend', 'RecommendBatch', 'RecommendGroups', 'Discover',
  'DiscoverBatch', 'Count', 'Query', 'QueryBatch', 'QueryGroups', 'Facet', 'SearchMatrixPairs', 'SearchMatrixOffsets',
]);

export function pointsHandlers(client: SextantClient): Handlers<(typeof Points)['method']> {
  return { ...pointsReadHandlers(client), ...pointsWriteHandlers(client) };
}
