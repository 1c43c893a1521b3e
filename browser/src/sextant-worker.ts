// The worker script (`/sdk/sextant-worker.js`): the engine over IndexedDB, exposed to the page through comlink.
// Kept at the package root so that `new URL('./sextant-worker.js', import.meta.url)` finds it next to both the
// bundle (`sextant.js`) and the package build (`dist/`); the search workers' script sits beside it likewise.
import { expose } from 'comlink';
import { createEmbeddedClient } from '@sextant/core';
import { createWorkerApi } from './worker/worker-api.js';
import { withSearchThreads } from './worker/search-threads.js';

expose(
  createWorkerApi((storage, options) =>
    withSearchThreads(options.searchThreads, new URL('./sextant-search-worker.js', import.meta.url), () => createEmbeddedClient({ storage })),
  ),
  self,
);
