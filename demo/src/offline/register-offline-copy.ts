/**
 * Installs the offline page cache (service-worker.ts, built to sw.js next to the page) and reports its state:
 * 'ready' once the page, its assets and the SDK are stored and the worker is active, i.e. a reload works with the
 * server stopped. Resolves with that state; never rejects (the demo runs without it, just not offline).
 */
export async function registerOfflineCopy(show: (state: string) => void): Promise<string> {
  if (!('serviceWorker' in navigator)) {
    show('unavailable (this browser has no service workers)');
    return 'unavailable';
  }
  show('saving\u2026');
  try {
    await navigator.serviceWorker.register(new URL('sw.js', location.href), { scope: './' });
    const registration = await navigator.serviceWorker.ready;
    const state = registration.active ? 'ready: this page also works with the server stopped' : 'saving\u2026';
    show(state);
    return state;
  } catch (error) {
    // Typical causes: a page not served from localhost or https, or private browsing that forbids storage.
    const state = `unavailable (${error instanceof Error ? error.message : String(error)})`;
    show(state);
    return state;
  }
}
