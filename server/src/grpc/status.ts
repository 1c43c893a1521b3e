import { SextantError } from '@sextant/core';
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';

/**
 * The gRPC status for an HTTP status, as Qdrant maps its errors (lib/api's `StorageError` -> `tonic::Status`):
 * missing things are NOT_FOUND, bad input INVALID_ARGUMENT, duplicates ALREADY_EXISTS, cluster-only operations
 * UNIMPLEMENTED. Everything unexpected is INTERNAL.
 */
export function grpcCodeForHttpStatus(httpStatus: number): Status {
  switch (httpStatus) {
    case 400:
    case 422:
      return Status.INVALID_ARGUMENT;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.NOT_FOUND;
    case 409:
      return Status.ALREADY_EXISTS;
    case 429:
    case 507:
      return Status.RESOURCE_EXHAUSTED;
    case 501:
      return Status.UNIMPLEMENTED;
    case 503:
      return Status.UNAVAILABLE;
    default:
      return Status.INTERNAL;
  }
}

/** A grpc-js error for any thrown value; non-Sextant errors are bugs and keep their message for the report. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (error instanceof GrpcStatusError) return { code: error.code, details: error.message, metadata: new Metadata() };
  if (SextantError.is(error)) {
    const metadata = new Metadata();
    metadata.set('x-sextant-error-code', error.code);
    return { code: grpcCodeForHttpStatus(error.status), details: error.message, metadata };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: Status.INTERNAL, details: `Service internal error: ${message}`, metadata: new Metadata() };
}

/** An error that already knows its gRPC status (auth, deadlines, malformed messages). */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
  }
}

/** Bad input found while converting a message: INVALID_ARGUMENT with Qdrant's wording. */
export function invalid(message: string): SextantError {
  return new SextantError('bad_request', `Wrong input: ${message}`);
}
