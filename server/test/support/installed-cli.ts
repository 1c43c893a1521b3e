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
