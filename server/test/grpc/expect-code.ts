import { ConnectError } from '@connectrpc/connect';
import { expect } from 'vitest';

/** Asserts that a call fails with the given gRPC status code (numbers as in grpc's status.proto). */
export async function expectCode(call: Promise<unknown>, code: number, message?: RegExp): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the call should have failed').toBeInstanceOf(ConnectError);
  const connect = error as ConnectError;
  expect({ code: connect.code, message: connect.rawMessage }).toMatchObject({ code });
  if (message) expect(connect.rawMessage).toMatch(message);
}

/** gRPC status codes used by the suites. */
export const Code = {
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  Unimplemented: 12,
  Unauthenticated: 16,
} as const;
