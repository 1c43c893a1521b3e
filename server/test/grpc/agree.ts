import { ConnectError } from '@connectrpc/connect';
import { SextantError } from '@sextant/core';
import { expect } from 'vitest';
import { grpcCodeForHttpStatus } from '../../src/grpc/status.js';

/**
 * Runs the same request through gRPC and through the engine's REST-shaped API and asserts they agree: equal
 * projected results, or, when the engine refuses the request, the gRPC call fails with the mapped status and the
 * same message. Returns which of the two happened so a suite can tell features the engine does not serve yet.
 */
export async function agree<G, R>(
  grpc: () => Promise<G>,
  rest: () => Promise<R>,
  project: { grpc: (g: G) => unknown; rest: (r: R) => unknown },
): Promise<'equal' | 'same-error'> {
  let restResult: R;
  try {
    restResult = await rest();
  } catch (error) {
    if (!SextantError.is(error)) throw error;
    const grpcError = await grpc().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(grpcError).toBeInstanceOf(ConnectError);
    expect({ code: (grpcError as ConnectError).code, message: (grpcError as ConnectError).rawMessage }).toEqual({
      code: grpcCodeForHttpStatus(error.status),
      message: error.message,
    });
    return 'same-error';
  }
  expect(project.grpc(await grpc())).toEqual(project.rest(restResult));
  return 'equal';
}
