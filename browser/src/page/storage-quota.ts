/** How much this origin stores and may store, as the browser reports it (bytes; estimates by design). */
export interface StorageReport {
  usage: number;
  quota: number;
  /** True when the browser promised not to evict this origin's data under storage pressure. */
  persisted: boolean;
}

/**
 * Reads the origin's usage and quota. Covers every database of the origin, not one: browsers account storage per
 * origin. Values are undefined-free: a browser without the Storage API reports zeros and `persisted: false`.
 */
export async function storageReport(): Promise<StorageReport> {
  const storage = navigator.storage as StorageManager | undefined;
  if (!storage) return { usage: 0, quota: 0, persisted: false };
  const [estimate, persisted] = await Promise.all([storage.estimate(), storage.persisted?.() ?? Promise.resolve(false)]);
  return { usage: estimate.usage ?? 0, quota: estimate.quota ?? 0, persisted };
}

/**
 * Asks the browser to keep this origin's data under storage pressure (best effort: Chromium grants it to sites the
 * user engages with, Firefox asks the user). Resolves to whether storage is now persistent. Page-only: workers
 * cannot ask.
 */
export async function requestPersistence(): Promise<boolean> {
  const storage = navigator.storage as StorageManager | undefined;
  if (!storage?.persist) return false;
  if (await storage.persisted()) return true;
  return storage.persist();
}
