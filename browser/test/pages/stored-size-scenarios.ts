// Runs inside Chromium (bundled by the harness): what a collection leaves in IndexedDB, by blob name.
import { openDatabase } from '@sextant/browser';

function vector(i: number, dim: number): number[] {
  const out = new Array<number>(dim);
  let x = (i + 1) * 2654435761;
  for (let k = 0; k < dim; k++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    out[k] = (x / 0xffffffff) * 2 - 1;
  }
  return out;
}

/** Loads `count` points in batches (the last with wait), optionally changes a few, and closes the database. */
export async function load(name: string, count: number, dim: number, changed: number) {
  const db = await openDatabase({ name });
  if (!(await db.collectionExists('docs')).exists) {
    await db.createCollection('docs', { vectors: { size: dim, distance: 'Cosine' }, optimizers_config: { indexing_threshold: 1_000_000 } });
  }
  for (let at = 0; at < count; at += 1000) {
    const points = [];
    for (let i = at; i < Math.min(count, at + 1000); i++) points.push({ id: i, vector: vector(i, dim), payload: { i } });
    await db.upsert('docs', { wait: at + 1000 >= count, points });
  }
  if (changed > 0) {
    await db.upsert('docs', { wait: true, points: Array.from({ length: changed }, (_, k) => ({ id: k * 97, vector: vector(1e6 + k, dim), payload: { k } })) });
  }
  await db.close();
  return true;
}

/** Bytes of every record in the database's object store, summed by blob name (chunk blobs together). */
export async function storedBytes(name: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(`sextant/${name}`);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const idb = req.result;
      const out: Record<string, number> = {};
      const cursor = idb.transaction('chunks').objectStore('chunks').openCursor();
      cursor.onerror = () => reject(cursor.error);
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) {
          idb.close();
          resolve(out);
          return;
        }
        const key = (c.key as [string, number])[0].replace(/\/blobs\/.*/, '/blobs/*').replace(/^collections\/docs\//, '');
        out[key] = (out[key] ?? 0) + (c.value as Uint8Array).byteLength;
        c.continue();
      };
    };
  });
}

export async function count(name: string) {
  const db = await openDatabase({ name });
  const n = (await db.count('docs', { exact: true })).count;
  const hit = (await db.query('docs', { query: vector(5, 64), limit: 1 })).points[0]?.id;
  await db.close();
  return { n, hit };
}
