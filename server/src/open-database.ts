import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { FileStorage } from './storage/file-storage.js';

export interface OpenDatabaseOptions {
  /** Folder for the op log and segments; created when missing. Omitted: the database lives in memory. */
  path?: string;
}

/**
 * The embedded database for Node: the same `SextantClient` as the official Qdrant client, in-process, persisted to
 * files under `path`. A write resolved with `wait: true` survives a kill -9 of the process.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<EmbeddedClient> {
  return createEmbeddedClient(options.path === undefined ? {} : { storage: new FileStorage(options.path) });
}
