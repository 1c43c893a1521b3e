import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./${pkg}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources of the workspace packages, so a test never sees a stale build.
export default defineConfig({
  resolve: {
    alias: {
      '@sextant/core': src('core'),
      '@sextant/proto': src('proto'),
      '@sextant/server': src('server'),
      '@sextant/browser': src('browser'),
    },
  },
  test: {
    include: ['{core,server,proto,browser,demo,bench}/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
