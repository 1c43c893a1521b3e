import type { Clock, Storage } from '../storage.js';
import { systemClock } from '../storage.js';
import type { Schemas } from '../client/sextant-client.js';
import { SextantError, errors } from '../client/errors.js';
import { type CollectionOptions, Collection, collectionPrefix } from './collection.js';
import type { CollectionConfig } from './config.js';
import { SerialQueue } from './serial-queue.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';

const ALIASES = 'aliases';

export interface EngineOptions extends CollectionOptions {
  clock?: Clock;
}

/** Per-collection numbers for telemetry (the server's /telemetry and /metrics read these). */
export interface CollectionStats {
  name: string;
  pointsCount: number;
  /** Internal ids handed out, including retired ones awaiting compaction. */
  internalIds: number;
  /** -1 before the first operation. */
  lastOperationId: number;
  logBytes: number;
}

/**
 * Every collection and alias of one storage. Names map to open `Collection`s; aliases map to collection names and
 * are resolved by every collection-scoped call. Collection-level changes (create, delete, aliases) go through one
 * queue so that they are applied and persisted in order.
 */
export class Engine {
  private readonly queue = new SerialQueue();

  private constructor(
    readonly storage: Storage,
    readonly clock: Clock,
    private readonly collections: Map<string, Collection>,
    private aliases: Map<string, string>,
    private readonly options: CollectionOptions,
  ) {}

  static async open(storage: Storage, options: EngineOptions = {}): Promise<Engine> {
    const collections = new Map<string, Collection>();
    for (const blob of await storage.list('collections/')) {
      const match = /^collections\/([^/]+)\/config$/.exec(blob);
      if (match === null) continue;
      const name = decodeURIComponent(match[1]!);
      collections.set(name, await Collection.open(storage, name, options));
    }
    const aliasBytes = await storage.read(ALIASES);
    const aliases = new Map<string, string>(aliasBytes ? parseAliases(aliasBytes) : []);
    for (const [alias, target] of aliases) if (!collections.has(target)) aliases.delete(alias);
    return new Engine(storage, options.clock ?? systemClock, collections, aliases, options);
  }

  /** The collection a name or alias refers to; 404 in Qdrant's words otherwise. */
  resolve(nameOrAlias: string): Collection {
    const collection = this.collections.get(this.aliases.get(nameOrAlias) ?? nameOrAlias);
    if (collection === undefined) throw errors.collectionNotFound(nameOrAlias);
    return collection;
  }

  exists(nameOrAlias: string): boolean {
    return this.collections.has(this.aliases.get(nameOrAlias) ?? nameOrAlias);
  }

  names(): string[] {
    return [...this.collections.keys()];
  }

  createCollection(name: string, config: CollectionConfig): Promise<void> {
    return this.queue.run(async () => {
      if (this.collections.has(name)) throw errors.collectionExists(name);
      if (this.aliases.has(name)) throw errors.wrongInput(`Alias with the same name \`${name}\` already exists!`);
      this.collections.set(name, await Collection.create(this.storage, name, config, this.options));
    });
  }

  /**
   * Replaces (or creates) collection `name` with a segment that came from elsewhere, as sync's initial download
   * does: the encoded segment is stored as is and decoded, so its HNSW graphs are never rebuilt. Aliases stay.
   */
  installCollection(name: string, config: CollectionConfig, segment: Uint8Array): Promise<Collection> {
    return this.queue.run(async () => {
      const old = this.collections.get(name);
      if (old !== undefined) {
        this.collections.delete(name);
        await old.destroy();
      }
      const prefix = collectionPrefix(name);
      await this.storage.write(`${prefix}segment`, segment);
      await this.storage.write(`${prefix}wal`, new Uint8Array(0));
      // Config last, as in Collection.create: the collection exists on disk once its config blob does.
      await this.storage.write(`${prefix}config`, utf8Encode(JSON.stringify(config)));
      await this.storage.sync();
      const collection = await Collection.open(this.storage, name, this.options);
      this.collections.set(name, collection);
      return collection;
    });
  }

  /** Deletes a collection and the aliases that point at it. Resolves false when there was nothing to delete. */
  deleteCollection(name: string): Promise<boolean> {
    return this.queue.run(async () => {
      const collection = this.collections.get(name);
      if (collection === undefined) return false;
      this.collections.delete(name);
      let aliasesChanged = false;
      for (const [alias, target] of this.aliases) {
        if (target === name) {
          this.aliases.delete(alias);
          aliasesChanged = true;
        }
      }
      if (aliasesChanged) await this.saveAliases();
      await collection.destroy();
      return true;
    });
  }

  /** Applies alias actions all or nothing: every action is checked against the state left by the ones before it. */
  updateAliases(actions: Schemas['AliasOperations'][]): Promise<void> {
    return this.queue.run(async () => {
      const next = new Map(this.aliases);
      for (const action of actions) {
        if ('create_alias' in action) {
          const { alias_name, collection_name } = action.create_alias;
          if (!this.collections.has(collection_name)) throw errors.collectionNotFound(collection_name);
          if (this.collections.has(alias_name)) throw errors.collectionExists(alias_name);
          next.set(alias_name, collection_name);
        } else if ('delete_alias' in action) {
          const { alias_name } = action.delete_alias;
          if (!next.delete(alias_name)) throw aliasNotFound(alias_name);
        } else if ('rename_alias' in action) {
          const { old_alias_name, new_alias_name } = action.rename_alias;
          const target = next.get(old_alias_name);
          if (target === undefined) throw aliasNotFound(old_alias_name);
          if (this.collections.has(new_alias_name)) throw errors.collectionExists(new_alias_name);
          next.delete(old_alias_name);
          next.set(new_alias_name, target);
        } else {
          throw errors.validation('actions: unknown alias operation');
        }
      }
      this.aliases = next;
      await this.saveAliases();
    });
  }

  aliasList(collection?: string): Schemas['AliasDescription'][] {
    const out: Schemas['AliasDescription'][] = [];
    for (const [alias_name, collection_name] of this.aliases) {
      if (collection === undefined || collection === collection_name) out.push({ alias_name, collection_name });
    }
    return out;
  }

  stats(): CollectionStats[] {
    return [...this.collections.values()].map((c) => ({
      name: c.name,
      pointsCount: c.segment.ids.liveCount,
      internalIds: c.segment.ids.capacity,
      lastOperationId: c.lastSeq,
      logBytes: c.logBytes,
    }));
  }

  async flush(): Promise<void> {
    for (const collection of this.collections.values()) await collection.flush();
  }

  /** Flushes every collection and closes the storage. */
  close(): Promise<void> {
    return this.queue.run(async () => {
      for (const collection of this.collections.values()) await collection.close();
      await this.storage.sync();
      await this.storage.close();
    });
  }

  private async saveAliases(): Promise<void> {
    await this.storage.write(ALIASES, utf8Encode(JSON.stringify([...this.aliases])));
    await this.storage.sync();
  }
}

function aliasNotFound(name: string): SextantError {
  return new SextantError('alias_not_found', `Not found: Alias ${name} does not exists!`);
}

/** The aliases blob (written atomically, as JSON); damage is reported as such rather than as a JSON syntax error. */
function parseAliases(bytes: Uint8Array): [string, string][] {
  try {
    const pairs = JSON.parse(utf8Decode(bytes)) as unknown;
    if (Array.isArray(pairs) && pairs.every((p) => Array.isArray(p) && p.length === 2 && p.every((s) => typeof s === 'string'))) {
      return pairs as [string, string][];
    }
  } catch {
    // reported below
  }
  throw new SextantError('storage_corrupted', `Service internal error: the aliases file (${ALIASES}) is corrupted: it is not a list of alias pairs`);
}
