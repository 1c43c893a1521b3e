import type { FastifyInstance } from 'fastify';
import { createEmbeddedClient } from '@sextant/core';
import { buildRestApp } from '../../src/rest/app.js';

// A real REST server on a free loopback port, spoken to with raw HTTP through fetch, so status codes and bodies are
// checked exactly as a client sees them.

export interface Answer {
  status: number;
  /** Parsed JSON; the text when it is not JSON (kept so an assertion shows it); bytes for a binary answer. */
  body: any;
}

export interface Server {
  app: FastifyInstance;
  url: string;
  /** Sends `body` as JSON (a string goes as it is, for malformed-body checks) and returns status and body. */
  call(method: string, path: string, body?: unknown): Promise<Answer>;
  /** A call that must succeed: returns `result`, throws with the answer's body otherwise, so a failing setup names its cause. */
  ok(method: string, path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startServer(options: Omit<Parameters<typeof buildRestApp>[0], 'client'> = {}): Promise<Server> {
  const app = await buildRestApp({ client: await createEmbeddedClient(), ...options });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(url + path, {
      method,
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    // Snapshot downloads are octet streams: hand back the bytes, not a mangled string.
    if (!/json|text/.test(response.headers.get('content-type') ?? '')) {
      return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  };
  const ok = (method: string, path: string, body?: unknown) => resultOf(call(method, path, body), `${method} ${path}`);
  return { app, url, call, ok, close: () => app.close() };
}

/**
 * The `result` of an answer that must be a 200, for a suite's own request wrappers (`resultOf(recommend(body))`);
 * `Server.ok` is this over `call`. Throws with the answer's body otherwise.
 */
export async function resultOf(pending: Promise<Answer>, what = 'request'): Promise<any> {
  const answer = await pending;
  if (answer.status !== 200) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.result;
}
