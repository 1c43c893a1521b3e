import { buildOnThreads, createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { SearchPool } from './search/search-pool.js';
import { FileStorage } from './storage/file-storage.js';

export interface OpenDatabaseOptions {
  /** Folder for the op log and segments; created when missing. Omitted: the database lives in memory. */
  path?: string;
  /** Told when stored data fails its checks at open (and what was done about it); default: printed to stderr. */
  onIntegrityIssue?: (message: string) => void;
  /**
   * Walk HNSW graphs on this many worker threads over shared memory (0: one per core) instead of the calling
   * thread; omitted: no threads. Searches other than plain unfiltered nearest-neighbour walks stay in-thread.
   */
  searchThreads?: number;
}

/**
 * The embedded database for Node: the same `SextantClient` as the official Qdrant client, in-process, persisted to
 * files under `path`. A write resolved with `wait: true` survives a kill -9 of the process.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<EmbeddedClient> {
  const onIntegrityIssue = options.onIntegrityIssue ?? ((message: string) => console.error(`sextant: ${message}`));
  // Before the engine opens: arenas and graphs are shared only when made after the threads are announced.
  const pool = options.searchThreads === undefined ? undefined : SearchPool.start(options.searchThreads);
  let client: EmbeddedClient;
  try {
    client = await createEmbeddedClient(
      options.path === undefined ? { onIntegrityIssue } : { storage: new FileStorage(options.path), onIntegrityIssue },
    );
  } catch (error) {
    await pool?.close();
    throw error;
  }
  if (pool !== undefined) {
    client.executor = pool;
    // Background index builds plan their batches on the same threads (core's ThreadedBuild).
    buildOnThreads(pool);
    const close = client.close.bind(client);
    client.close = async () => {
      try {
        await close();
      } finally {
        client.executor = undefined;
        buildOnThreads(undefined);
        await pool.close();
      }
    };
  }
  return client;
}
