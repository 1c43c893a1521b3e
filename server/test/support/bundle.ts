import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Bundles a TypeScript entry of the tests into one ES module for a child `node` process, resolving the workspace
 * packages to their sources, so a child process runs the same code as the test without a prior build.
 */
export async function bundleForNode(entry: string): Promise<string> {
  const outdir = await mkdtemp(join(tmpdir(), 'sextant-bundle-'));
  const outfile = join(outdir, 'entry.mjs');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: {
      '@sextant/core': join(root, 'core/src/index.ts'),
      '@sextant/proto': join(root, 'proto/src/index.ts'),
      '@sextant/server': join(root, 'server/src/index.ts'),
    },
    logLevel: 'silent',
  });
  return outfile;
}
