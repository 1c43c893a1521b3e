import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Cross-origin isolation, which browsers require before they give a page SharedArrayBuffer (the browser SDK's search
 * workers share the engine's vectors and graphs through it; without it they stay off and searches run in the
 * engine's worker):
 * - the demo's pages are isolated: COOP same-origin and COEP require-corp (the demo loads only same-origin files);
 * - the SDK's files may be loaded by isolated pages of any origin (CORP cross-origin), and its worker scripts run
 *   isolated in them: Chromium refuses a dedicated worker's script that lacks COEP require-corp in an isolated page.
 *   COEP on a script changes nothing for a page that is not isolated.
 * A service worker's cached copies keep these headers, so the demo stays isolated offline.
 */
const ISOLATION: Record<string, Record<string, string>> = {
  '/demo/': { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
  '/sdk/': { 'cross-origin-resource-policy': 'cross-origin', 'cross-origin-embedder-policy': 'require-corp' },
};

/**
 * Serves the files of `dir` under `prefix` (`/sdk/`, `/demo/`). A path that resolves outside `dir` is a 404, so
 * `..` cannot read the rest of the disk; a folder serves its `index.html`.
 */
export function serveDirectory(app: FastifyInstance, prefix: string, dir: string): void {
  const root = resolve(dir);
  const headers = ISOLATION[prefix] ?? {};
  const handler = async (request: { params: unknown }, reply: import('fastify').FastifyReply) => {
    const rest = decodeURIComponent((request.params as { '*'?: string })['*'] ?? '');
    let path = resolve(join(root, rest));
    if (path !== root && !path.startsWith(root + sep)) return reply.code(404).send({ status: { error: 'Not found' }, time: 0 });
    try {
      if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
      const bytes = await readFile(path);
      return reply.code(200).headers(headers).header('content-type', TYPES[extname(path)] ?? 'application/octet-stream').send(bytes);
    } catch {
      return reply.code(404).send({ status: { error: `Not found: ${prefix}${rest}` }, time: 0 });
    }
  };
  app.get(`${prefix}*`, handler);
  app.get(prefix.slice(0, -1), async (_request, reply) => reply.redirect(prefix));
}
