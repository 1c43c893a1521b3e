import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../src/cli.js';
import { installCli } from './support/installed-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let work: string;
let bin: string;
let dispose: () => Promise<void>;

beforeAll(async () => {
  ({ work, bin, dispose } = await installCli('sextant-cli-'));
}, 60_000);
afterAll(async () => {
  await dispose();
});

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

/** Starts `sextant ...args` in `cwd` with only the given SEXTANT variables (the test's own are dropped). */
function sextant(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SEXTANT')));
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? work, env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { child, stdout: '', stderr: '', exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  return run;
}

/** Waits for the start-up line; fails with the output if the process exits first. */
async function listening(run: Run): Promise<{ http: number; grpc: number | undefined }> {
  for (;;) {
    const match = /REST https?:\/\/localhost:(\d+), gRPC (?:localhost:(\d+)|off)/.exec(run.stdout);
    if (match) return { http: Number(match[1]), grpc: match[2] === undefined ? undefined : Number(match[2]) };
    const exited = await Promise.race([run.exit.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 50))]);
    if (exited) throw new Error(`sextant exited before listening:\n${run.stdout}\n${run.stderr}`);
  }
}

async function stop(run: Run): Promise<number | null> {
  run.child.kill('SIGTERM');
  return run.exit;
}

async function folder(name: string, configYaml?: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, 'config'), { recursive: true });
  if (configYaml !== undefined) await writeFile(join(dir, 'config', 'config.yaml'), configYaml);
  return dir;
}

describe('parseCommand', () => {
  it('serves by default and with `serve`, turning flags into settings by long name', () => {
    expect(parseCommand([])).toEqual({ kind: 'serve', flags: {}, configPath: undefined });
    expect(parseCommand(['serve', '--http-port', '1', '--no-grpc', '--config', 'c.yaml', '--api-key=k'])).toEqual({
      kind: 'serve',
      flags: { 'http-port': '1', 'grpc-port': 'null', 'api-key': 'k' },
      configPath: 'c.yaml',
    });
    expect(parseCommand(['-h'])).toEqual({ kind: 'help' });
    expect(parseCommand(['help'])).toEqual({ kind: 'help' });
    expect(parseCommand(['serve', '--version'])).toEqual({ kind: 'version' });
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--storage'], "Option '--storage <value>' argument missing"],
    [['start'], 'unknown command "start"'],
    [['serve', 'extra'], 'unexpected argument "extra"'],
    [['--no-grpc', '--grpc-port', '1'], '--no-grpc and --grpc-port contradict each other'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(new UsageError(message));
  });
});

describe('the sextant process', () => {
  it('--help and --version print and exit 0', async () => {
    const help = sextant(['--help']);
    expect(await help.exit).toBe(0);
    for (const flag of ['--http-port', '--grpc-port', '--no-grpc', '--host', '--storage', '--snapshots', '--api-key', '--read-only-api-key', '--config', '--tls-cert', '--tls-key']) {
      expect(help.stdout).toContain(flag);
    }
    const version = sextant(['--version']);
    expect(await version.exit).toBe(0);
    const { version: expected } = JSON.parse(await readFile(join(root, 'server', 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(`sextant ${expected} (Qdrant API 1.19)`);
  });

  it('a bad flag exits 1 with a pointer to --help and no stack trace', async () => {
    const run = sextant(['serve', '--htp-port', '1']);
    expect(await run.exit).toBe(1);
    expect(run.stderr).toBe(`sextant: Unknown option '--htp-port'\nRun "sextant --help" for the options.\n`);
  });

  it('invalid settings from every source are named together; exit 1, nothing listens, no stack trace', async () => {
    const cwd = await folder('invalid', 'service:\n  http_port: 0\n  grpc_prot: 6334\nstorage:\n  wal:\n    wal_capacity_mb: 32\n');
    const run = sextant(['--grpc-port', 'x'], { cwd, env: { SEXTANT__SERVICE__API_KEYS: 'k', SEXTANT_MAX_IN_FLIGHT: '0' } });
    expect(await run.exit).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('sextant: invalid configuration:');
    expect(run.stderr).toContain('  - service.grpc_prot (in config/config.yaml): unknown setting');
    expect(run.stderr).toContain('  - SEXTANT__SERVICE__API_KEYS: unknown setting (service.api_keys)');
    expect(run.stderr).toContain('  - service.max_in_flight (from SEXTANT_MAX_IN_FLIGHT): must be a positive integer, got "0"');
    expect(run.stderr).toContain('  - service.grpc_port (from --grpc-port): must be a port number');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a REST or gRPC port in use exits 1 with the reason, without a stack trace', async () => {
    const first = sextant(['--http-port', '0', '--grpc-port', '0', '--host', '127.0.0.1', '--storage', join(work, 'busy-a')]);
    const { http, grpc } = await listening(first);
    const restTaken = sextant(['--http-port', String(http), '--no-grpc', '--host', '127.0.0.1', '--storage', join(work, 'busy-b')]);
    expect(await restTaken.exit).toBe(1);
    expect(restTaken.stderr).toMatch(/^sextant: could not start: .*EADDRINUSE/m);
    expect(restTaken.stderr).not.toMatch(/\n\s+at /);
    const grpcTaken = sextant(['--http-port', '0', '--grpc-port', String(grpc), '--host', '127.0.0.1', '--storage', join(work, 'busy-c')]);
    expect(await grpcTaken.exit).toBe(1);
    expect(grpcTaken.stderr).toMatch(new RegExp(`^sextant: could not start: gRPC port ${grpc}: .*EADDRINUSE`, 'm'));
    expect(grpcTaken.stderr).not.toMatch(/\n\s+at /);
    expect(await stop(first)).toBe(0);
  }, 30_000);

  it('serves with file < Qdrant-style env < short env < flags, stops on SIGTERM with data kept', async () => {
    // 1. The file sets everything; each later layer overrides one piece of it.
    const cwd = await folder(
      'layered',
      'log_level: INFO\nservice:\n  host: 127.0.0.1\n  http_port: 0\n  grpc_port: 0\n  api_key: from-file\n  read_only_api_key: reader-from-file\nstorage:\n  storage_path: ./file-storage\n  optimizers:\n    deleted_threshold: 0.2\n',
    );
    const env = { SEXTANT__SERVICE__API_KEY: 'from-qdrant-env', SEXTANT__STORAGE__STORAGE_PATH: './env-storage', SEXTANT_READ_ONLY_API_KEY: 'reader' };
    const args = ['serve', '--api-key', 'from-flag', '--no-grpc'];
    const run = sextant(args, { cwd, env });
    const { http, grpc } = await listening(run);
    expect(grpc).toBeUndefined();
    expect(run.stdout).toContain(`sextant: settings from ${join(cwd, 'config', 'config.yaml')}`);
    expect(run.stdout).toContain('ignoring Qdrant settings that do not apply to Sextant: log_level, storage.optimizers');
    expect(run.stdout).toContain('data in ./env-storage, api key required');

    // 2. The flag's key writes, the short variable's read-only key reads, the file's and env's keys are refused.
    const url = `http://127.0.0.1:${http}`;
    const client = new QdrantClient({ url, apiKey: 'from-flag', checkCompatibility: false });
    await client.createCollection('docs', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('docs', { wait: true, points: [1, 2, 3].map((id) => ({ id, vector: [id, 1], payload: { id } })) });
    const reader = new QdrantClient({ url, apiKey: 'reader', checkCompatibility: false });
    expect((await reader.count('docs', { exact: true })).count).toBe(3);
    await expect(reader.upsert('docs', { wait: true, points: [{ id: 4, vector: [4, 1] }] })).rejects.toMatchObject({ status: 403 });
    for (const apiKey of ['from-file', 'from-qdrant-env', 'reader-from-file']) {
      await expect(new QdrantClient({ url, apiKey, checkCompatibility: false }).getCollections()).rejects.toMatchObject({ status: 401 });
    }
    expect(await stop(run)).toBe(0);

    // 3. A new process on the same storage, now with gRPC on, finds the points through both APIs.
    const again = sextant(['--api-key', 'from-flag'], { cwd, env });
    const ports = await listening(again);
    expect(ports.grpc).toBeGreaterThan(0);
    const restAgain = new QdrantClient({ url: `http://127.0.0.1:${ports.http}`, apiKey: 'from-flag', checkCompatibility: false });
    expect((await restAgain.count('docs', { exact: true })).count).toBe(3);
    const grpcClient = new GrpcClient({ host: '127.0.0.1', port: ports.grpc!, apiKey: 'from-flag', https: false, checkCompatibility: false });
    expect((await grpcClient.api('points').count({ collectionName: 'docs', exact: true })).result?.count).toBe(3n);
    expect(await stop(again)).toBe(0);
  }, 60_000);
});
