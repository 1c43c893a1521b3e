import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sendError } from './envelope.js';
import { SextantError } from '@sextant/core';

/**
 * Bounded work in flight: past `maxInFlight` requests being handled at once, a new one is answered 429 at once
 * (with `Retry-After`), before its body is read, instead of queueing without bound until memory runs out. Health
 * probes are never refused, so a busy server is not mistaken for a dead one.
 *
 * Invariant: every admitted request releases its slot exactly once, whether it completes or its client goes away
 * (`onResponse` does not fire for an aborted request; `onRequestAbort` does).
 */
export const DEFAULT_MAX_IN_FLIGHT = 512;

const PROBES = new Set(['/healthz', '/livez', '/readyz']);

interface AdmittedRequest extends FastifyRequest {
  sextantSlot?: boolean;
}

export interface BackPressure {
  /** Requests being handled now. */
  readonly inFlight: number;
  /** Requests refused with 429 since the start. */
  readonly refused: number;
}

/** The counters themselves, for a path that admits requests beside fastify's hooks (direct-queries.ts). */
export interface BackPressureGate extends BackPressure {
  inFlight: number;
  refused: number;
  readonly max: number;
}

export function registerBackPressure(app: FastifyInstance, maxInFlight = DEFAULT_MAX_IN_FLIGHT): BackPressureGate {
  const state: BackPressureGate = { inFlight: 0, refused: 0, max: maxInFlight };
  // Callback-style hooks: an async one costs a promise and a microtask turn per request, for a few lines of work.
  const release = (request: FastifyRequest, done: () => void) => {
    if ((request as AdmittedRequest).sextantSlot) {
      (request as AdmittedRequest).sextantSlot = false;
      state.inFlight--;
    }
    done();
  };
  app.addHook('onRequest', (request, reply, done) => {
    if (PROBES.has(pathOf(request.url))) return done();
    if (state.inFlight >= maxInFlight) {
      state.refused++;
      reply.header('retry-after', '1');
      const error = new SextantError('too_many_requests', `Too many requests: the server is handling ${maxInFlight} requests already; retry later`);
      sendError(reply, error); // answered here: `done` is not called
      return;
    }
    state.inFlight++;
    (request as AdmittedRequest).sextantSlot = true;
    done();
  });
  app.addHook('onResponse', (request, _reply, done) => release(request, done));
  app.addHook('onRequestAbort', release);
  app.decorate('sextantBackPressure', state as BackPressure);
  return state;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
