/**
 * The one error class of Sextant. Every failure that reaches a caller is a `SextantError`: the embedded client
 * throws it, the worker rebuilds it from its fields, the REST and gRPC servers map its `status` to the wire.
 *
 * `status` is the HTTP status Qdrant answers with for the same failure; `message` is Qdrant's wording where
 * Qdrant has one, so that code which matches on Qdrant's messages keeps working.
 */
export class SextantError extends Error {
  override readonly name = 'SextantError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: ErrorStatus = ERROR_CATALOGUE[code].status,
  ) {
    super(message);
  }

  /** The plain fields, for crossing a worker or process boundary; `fromJSON` rebuilds the class. */
  toJSON(): SerializedError {
    return { name: this.name, code: this.code, status: this.status, message: this.message };
  }

  static fromJSON(data: SerializedError): SextantError {
    return new SextantError(data.code, data.message, data.status);
  }

  static is(value: unknown): value is SextantError {
    return value instanceof SextantError;
  }
}

/** The name the style guide uses for the error class; the same class. */
export { SextantError as VectorDbError };

export type ErrorStatus = 400 | 403 | 404 | 409 | 422 | 429 | 500 | 501 | 503 | 507;

export interface SerializedError {
  name: 'SextantError';
  code: ErrorCode;
  status: ErrorStatus;
  message: string;
}

/**
 * Every error code, its status and what it means. A test checks that each code is documented here; add new ones
 * here first. Codes are stable: clients may match on them.
 */
export const ERROR_CATALOGUE = {
  bad_request: { status: 400, doc: 'The request is malformed or inconsistent; the message says which field.' },
  validation: { status: 422, doc: 'A field has a value outside its allowed range or of the wrong type.' },
  wrong_vector_dimension: { status: 400, doc: 'A vector has a different number of dimensions than its collection expects.' },
  vector_name_not_found: { status: 400, doc: 'The request names a vector that the collection does not define.' },
  bad_filter: { status: 400, doc: 'A filter condition is malformed or uses an index-only feature without the index.' },
  bad_point_id: { status: 400, doc: 'A point id is neither an unsigned integer nor a UUID.' },
  collection_not_found: { status: 404, doc: 'No collection or alias has that name.' },
  point_not_found: { status: 404, doc: 'No point has that id in the collection.' },
  collection_exists: { status: 409, doc: 'A collection with that name already exists; delete it first or pick another name.' },
  alias_not_found: { status: 404, doc: 'No alias has that name.' },
  index_not_found: { status: 404, doc: 'No payload index exists for that field.' },
  snapshot_not_found: { status: 404, doc: 'No snapshot has that name.' },
  shard_not_found: { status: 404, doc: 'No shard has that id; a Sextant collection has one shard, number 0.' },
  unauthorized: { status: 403, doc: 'The request carries no API key, or a wrong one, or a read-only key for a write.' },
  strict_mode: { status: 403, doc: "The request breaks a limit of the collection's strict_mode_config; the message says which and how to fix it." },
  too_many_requests: { status: 429, doc: 'The server is at capacity; retry later.' },
  storage_full: { status: 507, doc: 'The storage device is full; the write was not applied.' },
  storage_corrupted: { status: 500, doc: 'Stored data failed its checksum; the collection was recovered or needs recovery.' },
  not_implemented: { status: 501, doc: 'The operation needs a distributed deployment, which Sextant does not run.' },
  unavailable: { status: 503, doc: 'The service is starting or shutting down.' },
  internal: { status: 500, doc: 'A bug in Sextant; please report it with the request that caused it.' },
} as const satisfies Record<string, { status: ErrorStatus; doc: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Qdrant's wording for the common failures, in one place so every boundary says the same. */
export const errors = {
  collectionNotFound: (name: string) =>
    new SextantError('collection_not_found', `Not found: Collection \`${name}\` doesn't exist!`),
  collectionExists: (name: string) =>
    new SextantError('collection_exists', `Wrong input: Collection \`${name}\` already exists!`),
  pointNotFound: (id: string | number) => new SextantError('point_not_found', `Not found: No point with id ${id} found`),
  wrongDimension: (expected: number, got: number) =>
    new SextantError('wrong_vector_dimension', `Wrong input: Vector dimension error: expected dim: ${expected}, got ${got}`),
  vectorNameNotFound: (name: string) =>
    new SextantError('vector_name_not_found', `Wrong input: Not existing vector name error: ${name}`),
  badRequest: (message: string) => new SextantError('bad_request', `Bad request: ${message}`),
  wrongInput: (message: string) => new SextantError('bad_request', `Wrong input: ${message}`),
  validation: (message: string) => new SextantError('validation', `Validation error in JSON body: ${message}`),
} as const;
