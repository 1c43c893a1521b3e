/// <reference lib="webworker" />
/**
 * The demo's offline page cache: once installed, the page, its assets, its data set and the Sextant SDK (/sdk/)
 * load with the server stopped or the network off. The documents themselves live in IndexedDB (the browser
 * database), so with this cache the whole demo keeps working offline.
 *
 * Network first, cache second: while the server answers, every load gets its current files (and refreshes the
 * cache), so a rebuilt demo or SDK is never hidden behind a stale copy; only when the fetch fails does the cache
 * answer. The Qdrant API, sync and everything else pass through untouched: never cache data that is live.
 *
 * Scope: registered from /demo/, it controls the demo's pages; their requests for /sdk/ files (the SDK module and
 * the dedicated worker it starts, which inherits the page's service worker) come through here too.
 *
 * Cross-origin isolation offline: the server sends the demo's pages with COOP/COEP and the SDK's files with
 * CORP/COEP (static-files.ts), and a cached response keeps the headers it was fetched with, so answering from the
 * cache keeps the page isolated and its workers (the engine's, and the search workers it starts) loadable in it.
 * Responses are therefore stored and returned whole, never rebuilt from their bodies.
 */
declare const self: ServiceWorkerGlobalScope;
/** Filled in by scripts/build.mjs: a hash of the build, and the files to store at install. */
declare const BUILD_ID: string;
declare const PRECACHE: string[];

const CACHE = `sextant-demo-${BUILD_ID}`;
const PREFIX = 'sextant-demo-';

self.addEventListener('install', (event) => {
  // All or nothing: `addAll` rejects if any file fails, and a failed install leaves the previous worker in charge.
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE.map((path) => new Request(new URL(path, self.registration.scope), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      // Take the open demo tabs over now, so the first visit is already covered without a reload.
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith(new URL(self.registration.scope).pathname) && !url.pathname.startsWith('/sdk/')) return;
  event.respondWith(networkFirst(request, event));
});

async function networkFirst(request: Request, event: FetchEvent): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') {
      const copy = response.clone();
      event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
    }
    return response;
  } catch (error) {
    // The query string of a page URL (e.g. ?sdk=...) selects options, not content: any cached copy of the page will
    // do. `ignoreVary`: the server answers with `Vary: Origin` (CORS), and a module script's request carries an
    // Origin header the install's request did not, so a Vary-respecting match would miss app.js and the SDK.
    const cached = await caches.match(request, { cacheName: CACHE, ignoreSearch: request.mode === 'navigate', ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}
