import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import type { QdrantClient as QdrantClient118, Schemas as Schemas118 } from 'qdrant-rest-118';

/**
 * The methods of the official `QdrantClient` (`@qdrant/js-client-rest` 1.19) that Sextant serves, with exactly its
 * names, arguments and return values: code written for the official client runs unchanged against any
 * `SextantClient` (embedded, browser worker, or our server through the official client itself).
 *
 * Contract shared by every implementation:
 * - collection names resolve aliases;
 * - failures reject with `SextantError` carrying Qdrant's HTTP status and message;
 * - a write with `wait: true` (the default here, as in Qdrant's JS client) resolves after it is durable.
 */
export type SextantClient = Pick<QdrantClient, CurrentMethod> & Pick<QdrantClient118, LegacyMethod>;

type CurrentMethod =
  | 'createCollection'
  | 'recreateCollection'
  | 'getCollection'
  | 'getCollections'
  | 'collectionExists'
  | 'updateCollection'
  | 'deleteCollection'
  | 'updateCollectionAliases'
  | 'getCollectionAliases'
  | 'getAliases'
  | 'upsert'
  | 'retrieve'
  | 'delete'
  | 'updateVectors'
  | 'deleteVectors'
  | 'setPayload'
  | 'overwritePayload'
  | 'deletePayload'
  | 'clearPayload'
  | 'batchUpdate'
  | 'createPayloadIndex'
  | 'deletePayloadIndex'
  | 'query'
  | 'queryBatch'
  | 'queryGroups'
  | 'scroll'
  | 'count'
  | 'facet'
  | 'searchMatrixPairs'
  | 'searchMatrixOffsets';

/** Calls that v1.19 dropped from its client and spec but that Qdrant still serves; older apps use them. */
type LegacyMethod =
  | 'search'
  | 'searchBatch'
  | 'searchPointGroups'
  | 'recommend'
  | 'recommendBatch'
  | 'recommendPointGroups'
  | 'discoverPoints'
  | 'discoverBatchPoints';

export type { Schemas, Schemas118 };
export type PointId = Schemas['ExtendedPointId'];
export type Payload = Schemas['Payload'];
export type Filter = Schemas['Filter'];
export type Condition = Schemas['Condition'];
