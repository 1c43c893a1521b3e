import { status as Status } from '@grpc/grpc-js';
import { health } from '@sextant/proto';
import type { Qdrant } from '@sextant/proto';
import { GrpcStatusError } from './status.js';

const { HealthCheckResponse_ServingStatus } = health;
import type { Handlers } from './unary.js';

/** The Qdrant API version Sextant speaks; the official clients compare it with their own on connect. */
export const COMPATIBLE_VERSION = '1.19.0';
const TITLE = 'sextant - vector search engine (Qdrant-compatible)';

export function qdrantHandlers(): Handlers<(typeof Qdrant)['method']> {
  return {
    healthCheck: async () => ({ title: TITLE, version: COMPATIBLE_VERSION, commit: 'sextant' }),
  };
}

/**
 * grpc.health.v1: SERVING for the whole server ("") and for each service Sextant serves; an unknown service name
 * is NOT_FOUND, as the health protocol asks, so probes that name a wrong service fail loudly.
 */
export function healthHandlers(services: ReadonlySet<string>): Handlers<(typeof health.Health)['method']> {
  return {
    check: async (request) => {
      if (request.service !== '' && !services.has(request.service)) {
        throw new GrpcStatusError(Status.NOT_FOUND, `unknown service ${request.service}`);
      }
      return { status: HealthCheckResponse_ServingStatus.SERVING };
    },
  };
}
