import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { specOperations, type Operation } from '../../src/rest/spec/load-spec.js';
import { specValidator } from '../../src/rest/validation/ajv-instance.js';

/** A client for suites whose requests must be refused before the engine is reached: any call fails the test. */
export const unreachableClient = new Proxy({} as never, {
  get: (_target, method) =>
    method === 'then' ? undefined : () => Promise.reject(new Error(`the engine was called (${String(method)}) but must not be`)),
});

export function operation(id: string): Operation {
  const op = specOperations().find((candidate) => candidate.id === id);
  if (!op) throw new Error(`no operation ${id}`);
  return op;
}

/** Asserts a 200 envelope whose `result` matches the response schema Qdrant publishes for the operation. */
export function expectResult(response: LightMyRequestResponse, operationId: string): any {
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json() as { result: unknown; status: unknown; time: unknown };
  expect(body.status).toBe('ok');
  expect(typeof body.time).toBe('number');
  const schema = operation(operationId).result;
  if (schema) {
    const validate = specValidator(schema);
    const valid = validate(body.result);
    expect(valid, `${operationId}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
  }
  return body.result;
}

/** Asserts Qdrant's error envelope with the status, and returns the message. */
export function expectError(response: LightMyRequestResponse, status: number): string {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json() as { status: { error: string }; time: number };
  expect(typeof body.status.error).toBe('string');
  expect(typeof body.time).toBe('number');
  return body.status.error;
}

export async function call(app: FastifyInstance, method: string, url: string, payload?: unknown, headers?: Record<string, string>) {
  return app.inject({ method: method as 'GET', url, ...(payload === undefined ? {} : { payload: payload as object }), ...(headers ? { headers } : {}) });
}
