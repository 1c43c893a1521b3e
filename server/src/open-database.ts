import { createEmbeddedClient, type EmbeddedClient } from '@sextant/core';
import { FileStorage } from './storage/file-storage.js';

export interface OpenDatabaseOptions {
  /** Folder for the op log and segments; created when missing. Omitted: the database lives in memory. */
  path?: string;
  /** Told when stored data fails its checks at open (and what was done about it); default: printed to stderr. */
  onIntegrityIssue?: (message: string) => void;
}

/**
 * The embedded database for Node: the same `SextantClient` as the official Qdrant client, in-process, persisted to
 * files under `path`. A write resolved with `wait: true` survives a kill -9 of the process.
 */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<EmbeddedClient> {
  const onIntegrityIssue = options.onIntegrityIssue ?? ((message: string) => console.error(`sextant: ${message}`));
  return createEmbeddedClient(options.path === undefined ? { onIntegrityIssue } : { storage: new FileStorage(options.path), onIntegrityIssue });
}
