import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The demo's Node-side tests (embedder, data set, filters). Run with `npm test -w demo`.
export default defineConfig({
  resolve: {
    alias: { '@sextant/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
  },
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
