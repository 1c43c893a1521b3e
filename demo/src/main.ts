import { fetchShippedData } from './data/load-dataset.js';
import { openCollection } from './data/open-collection.js';
import { SentenceEmbedder } from './embed/sentence-embedder.js';
import { decodeWordVectors } from './embed/word-vectors.js';
import { registerOfflineCopy } from './offline/register-offline-copy.js';
import { loadSdk, offlineWorkerUrl, type DemoDatabase } from './sdk.js';
import { DocForm } from './ui/doc-form.js';
import { byId } from './ui/dom.js';
import { SearchView } from './ui/search-view.js';
import { ServerPanel } from './ui/server-panel.js';
import { SyncPanel } from './ui/sync-panel.js';

/** The browser database's name; one per origin, shared by every tab of the demo. */
const DB_NAME = 'sextant-demo';

async function main(): Promise<void> {
  const banner = byId('banner');
  const progress = byId<HTMLProgressElement>('load-progress');
  const say = (text: string) => (banner.textContent = text);

  say('Loading the data set and the Sextant SDK\u2026');
  const base = new URL('.', location.href);
  const [data, { sdk, url }] = await Promise.all([fetchShippedData(base), loadSdk()]);
  const { manifest } = data;
  const serverPanel = new ServerPanel(manifest.collection);
  serverPanel.start();

  const embedder = new SentenceEmbedder(decodeWordVectors(data.wordVectors), Float32Array.from(manifest.commonDirection));
  byId('embedder').textContent = manifest.embedder;
  byId('collection-name').textContent = manifest.collection;

  say(`Opening the browser database with ${url}\u2026`);
  const db: DemoDatabase = await sdk.openDatabase({ name: DB_NAME, workerUrl: offlineWorkerUrl(url) });
  const syncPanel = new SyncPanel();
  const { sync, message } = await openCollection(db, DB_NAME, data, {
    say,
    progress: (p) => {
      progress.hidden = p === null;
      if (p) {
        progress.max = p.total;
        progress.value = p.loaded;
      }
    },
    syncing: (handle) => syncPanel.follow(handle, () => serverPanel.poke()),
  });

  const localCount = byId('local-count');
  const refreshCount = async () => {
    const { count } = await db.count(manifest.collection, { exact: true });
    localCount.textContent = `${count} points`;
  };
  await refreshCount();

  const form: { current?: DocForm } = {};
  const search = new SearchView(db, manifest.collection, embedder, manifest.categories, manifest.years, {
    edit: (id, payload) => form.current?.edit(id, payload),
    remove: (id) => {
      db.delete(manifest.collection, { wait: true, points: [id] })
        .then(() => {
          search.refresh();
          return refreshCount();
        })
        .catch((error: unknown) => say(`Delete failed: ${error instanceof Error ? error.message : error}`));
    },
  });
  form.current = new DocForm(db, manifest.collection, embedder, manifest.categories, () => {
    search.refresh();
    void refreshCount();
  });

  if (db.role) byId('worker-role').textContent = await db.role();
  // Writes from other tabs (and, once sync lands, from the server) show up without a reload. Coalesced to one
  // refresh per frame: a batch of writes must not trigger a burst of searches.
  let scheduled = false;
  db.onChange?.(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      search.refresh();
      void refreshCount();
    });
  });

  if (!sync) syncPanel.show(null);
  say(message);
  search.refresh();
  byId<HTMLInputElement>('q').focus();
  // After the first load, not during it: installing the cache downloads the page's files once more.
  const offline = byId('offline-copy');
  void registerOfflineCopy((state) => (offline.textContent = state));
}

main().catch((error: unknown) => {
  const banner = document.getElementById('banner');
  if (banner) {
    banner.textContent = `The demo could not start: ${error instanceof Error ? error.message : String(error)}`;
    banner.classList.add('error');
  }
  console.error(error);
});
