/**
 * Starts the engine worker. By default the worker file is `sextant-worker.js` next to the module that contains this
 * code: in the /sdk/ bundle that is `sextant.js`, in the package build `dist/`. The `new Worker(new URL(...,
 * import.meta.url))` form is the one bundlers (Vite, esbuild with plugins, webpack 5) recognise and rewrite.
 *
 * Browsers refuse a worker script from another origin, which is the case of a page that imports
 * `http://host:6333/sdk/sextant.js` from its own origin; then a same-origin blob module imports the real worker
 * (the server sends /sdk/ with CORS headers for that).
 */
export function spawnWorker(workerUrl?: string | URL): Worker {
  const url = workerUrl === undefined ? new URL('./sextant-worker.js', import.meta.url) : new URL(workerUrl, location.href);
  if (url.origin !== location.origin) {
    const shim = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
    return new Worker(URL.createObjectURL(shim), { type: 'module', name: 'sextant' });
  }
  if (workerUrl === undefined) {
    return new Worker(new URL('./sextant-worker.js', import.meta.url), { type: 'module', name: 'sextant' });
  }
  return new Worker(url, { type: 'module', name: 'sextant' });
}
