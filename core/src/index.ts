export { SextantError, VectorDbError, ERROR_CATALOGUE, errors } from './client/errors.js';
export type { ErrorCode, ErrorStatus, SerializedError } from './client/errors.js';
export type { SextantClient, Schemas, Schemas118, PointId, Payload, Filter, Condition } from './client/sextant-client.js';
export type { Storage, Clock } from './storage.js';
export { systemClock } from './storage.js';
