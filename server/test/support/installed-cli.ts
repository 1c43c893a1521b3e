import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode } from './bundle.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The CLI as an installed package runs it: one bundled module three folders below a package folder (as deep as
 * dist/rest/spec/, which finds the API description in src/ by a relative path), with package.json and node_modules.
 */
export async function installCli(prefix: string): Promise<{ work: string; bin: string; dispose(): Promise<void> }> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  const pkg = join(work, 'pkg');
  await mkdir(join(pkg, 'dist', 'rest', 'spec'), { recursive: true });
  await symlink(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  await symlink(join(root, 'server', 'src'), join(pkg, 'src'), 'dir');
  await copyFile(join(root, 'server', 'package.json'), join(pkg, 'package.json'));
  const bin = join(pkg, 'dist', 'rest', 'spec', 'sextant.mjs');
  await copyFile(await bundleForNode(join(root, 'server', 'src', 'main.ts')), bin);
  return { work, bin, dispose: () => rm(work, { recursive: true, force: true }) };
}

/**
 * Starts the installed CLI's server (REST only, free port, 127.0.0.1) over `storage`, with no SEXTANT_* variable of
 * this process; resolves with its REST port and a kill that waits for the exit (SIGKILL unless told).
 */
export async function serveCli(
  cli: { work: string; bin: string },
  storage: string,
): Promise<{ port: number; kill(signal?: NodeJS.Signals): Promise<void> }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SEXTANT')));
  const child = spawn(process.execPath, [cli.bin, 'serve', '--http-port', '0', '--no-grpc', '--host', '127.0.0.1', '--storage', storage], {
    cwd: cli.work,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /REST https?:\/\/localhost:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', () => reject(new Error(`server exited before listening:\n${out}`)));
  });
  return { port, kill: async (signal = 'SIGKILL') => void (child.kill(signal), await exited) };
}
