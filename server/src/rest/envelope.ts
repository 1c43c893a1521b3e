import type { FastifyReply } from 'fastify';
import { SextantError } from '@sextant/core';

/**
 * Qdrant's answer shapes. Success: `{result, status: "ok", time}`; failure: `{status: {error}, time}` with the HTTP
 * status of the error. `time` is seconds spent on the request, as a float: fastify's clock for the reply, started
 * before the first onRequest hook, or for a request no route took (a malformed URL), since `startedMs`.
 */
export function elapsedSeconds(reply: FastifyReply, startedMs?: number): number {
  return startedMs === undefined ? toSeconds(reply.elapsedTime) : secondsSince(startedMs);
}

/** `time` for an answer whose request started at `startedMs` (a `performance.now()`). */
export function secondsSince(startedMs: number): number {
  return toSeconds(performance.now() - startedMs);
}

function toSeconds(ms: number): number {
  // Whole nanoseconds over 1e9, as Qdrant's Duration::as_secs_f64 (0.000136304); milliseconds over 1e3 would print
  // the clock's binary fraction (0.00013630399997532368).
  return Math.round(ms * 1e6) / 1e9;
}

export function sendResult(reply: FastifyReply, result: unknown): FastifyReply {
  return reply.code(200).send({ result: result === undefined ? null : result, status: 'ok', time: elapsedSeconds(reply) });
}

/** `startedMs` (a `performance.now()`) for answers outside a route, whose reply has no clock. */
export function sendError(reply: FastifyReply, error: unknown, startedMs?: number): FastifyReply {
  const { status, message } = toHttpError(error);
  return reply.code(status).send({ status: { error: message }, time: elapsedSeconds(reply, startedMs) });
}

/** The HTTP status and message for any thrown value; only a `SextantError` says something to the user. */
export function toHttpError(error: unknown): { status: number; message: string } {
  if (SextantError.is(error)) return { status: error.status, message: error.message };
  if (error instanceof HttpStatusError) return { status: error.statusCode, message: error.message };
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (fastifyError?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, message: `Payload too large: ${fastifyError.message ?? ''}`.trim() };
  }
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, message: `Bad request: ${fastifyError.message ?? 'invalid request'}` };
  }
  return { status: 500, message: `Service internal error: ${error instanceof Error ? error.message : String(error)}` };
}

/** A failure whose HTTP status has no engine error code (405 for cluster changes, 401 for a missing key). */
export class HttpStatusError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}
