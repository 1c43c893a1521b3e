import { realpath, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { relative, isAbsolute, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SextantError, errors } from '@sextant/core';

/**
 * Where `recover from snapshot` may read. Qdrant reads any local path and any URL, and relies on the recover call
 * needing the full key. Sextant is stricter, so that a recover call cannot be turned into a file reader or a request
 * forger (SSRF) against the server's network:
 * - `file://` only inside the snapshots folder, after resolving symlinks (and never with in-memory snapshots);
 * - `http(s)://` to hosts in `allowedHosts` (`SEXTANT_SNAPSHOT_HOSTS`, `host` or `host:port`, `*` for any);
 * - without an allow-list, a loopback host only for a path shaped like a snapshot download of this API, the
 *   usual "recover from this server's own snapshot URL", which reaches no other local service;
 * - no redirects (a redirect could point anywhere), and at most `maxBytes`.
 */
export interface SnapshotSources {
  snapshotsDir?: string | undefined;
  allowedHosts?: readonly string[] | undefined;
  maxBytes?: number | undefined;
}

export const DEFAULT_MAX_DOWNLOAD = 1024 * 1024 * 1024;

const SNAPSHOT_PATH = /^\/(?:collections\/[^/]+\/(?:shards\/\d+\/)?snapshots|snapshots)\/[\w.-]+\.snapshot$/;

function forbidden(message: string): SextantError {
  return new SextantError('unauthorized', `Forbidden: ${message}`);
}

export async function readLocalSnapshot(url: URL, snapshotsDir: string | undefined): Promise<Uint8Array> {
  // Qdrant checks the URI first, then the folder; both answer 400 in its words.
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    throw errors.badRequest('Invalid snapshot URI, file path must be absolute or on localhost');
  }
  if (snapshotsDir === undefined) throw forbidden('this server keeps snapshots in memory and reads no snapshot files');
  const outside = () => errors.badRequest('Snapshot file path must be inside the snapshots directory');
  let real: string;
  let root: string;
  try {
    root = await realpath(snapshotsDir);
    real = await realpath(path);
  } catch {
    // Existence is only reported inside the folder; outside it, a missing file and a present one look alike.
    if (!inside(snapshotsDir, path)) throw outside();
    throw errors.badRequest(`Snapshot file ${JSON.stringify(path)} does not exist`);
  }
  if (!inside(root, real)) throw outside();
  return readFile(real);
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

export function checkRemoteSnapshot(url: URL, allowedHosts: readonly string[]): void {
  if (url.username || url.password) throw errors.badRequest('Snapshot URLs may not carry credentials; pass api_key instead');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const hostPort = `${host}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  if (allowedHosts.includes('*') || allowedHosts.some((allowed) => allowed.toLowerCase() === host || allowed.toLowerCase() === hostPort)) return;
  if (isLoopback(host) && SNAPSHOT_PATH.test(url.pathname)) return;
  throw forbidden(`downloading snapshots from ${url.host} is not allowed; list the host in SEXTANT_SNAPSHOT_HOSTS`);
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export async function download(url: URL, apiKey: string | undefined, maxBytes: number): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'manual', ...(apiKey ? { headers: { 'api-key': apiKey } } : {}) });
  } catch (error) {
    throw errors.badRequest(`Failed to download snapshot from ${url.href}: ${(error as Error).message}`);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw errors.badRequest(`Failed to download snapshot from ${url.href}: redirects are not followed (HTTP ${response.status})`);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw errors.badRequest(`Failed to download snapshot from ${url.href}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body.cancel();
    throw tooLarge(maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function tooLarge(maxBytes: number): SextantError {
  return errors.badRequest(`Snapshot download is larger than the limit of ${maxBytes} bytes`);
}
