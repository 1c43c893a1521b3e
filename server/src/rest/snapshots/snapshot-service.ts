import { createHash } from 'node:crypto';
import { SextantError, errors, type Schemas } from '@sextant/core';
import type { RestClient } from '../route-context.js';
import { decodeArchive, encodeArchive, type Archive, type ArchiveCollection } from './archive.js';
import type { SnapshotStore } from './snapshot-store.js';
import { checkRemoteSnapshot, DEFAULT_MAX_DOWNLOAD, download, readLocalSnapshot, type SnapshotSources } from './snapshot-sources.js';

type SnapshotDescription = Schemas['SnapshotDescription'];

const PAGE = 1000;
const UPSERT_BATCH = 500;
/** The only shard of a Sextant collection; Qdrant numbers shards from 0. */
export const LOCAL_SHARD_ID = 0;

/**
 * Collection, shard and full snapshots over the public client API (see archive.ts for the format). A snapshot is
 * read point by point while writes may continue, so it holds every write acknowledged before it started and maybe
 * some made during it: the same guarantee as Qdrant's snapshot of a live collection.
 */
export class SnapshotService {
  constructor(
    private readonly client: RestClient,
    private readonly store: SnapshotStore,
    private readonly sources: SnapshotSources = {},
  ) {}

  async createCollectionSnapshot(collection: string, shard?: number): Promise<SnapshotDescription> {
    const archive: Archive = { kind: 'collection', created: new Date().toISOString(), collections: [await this.dump(collection)], aliases: [] };
    return this.save(scopeOf(collection, shard), `${collection}${shard === undefined ? '' : `-shard-${shard}`}`, encodeArchive(archive));
  }

  async createFullSnapshot(): Promise<SnapshotDescription> {
    const { collections } = await this.client.getCollections();
    const dumped: ArchiveCollection[] = [];
    for (const { name } of collections) dumped.push(await this.dump(name));
    const { aliases } = await this.client.getAliases();
    const archive: Archive = { kind: 'full', created: new Date().toISOString(), collections: dumped, aliases };
    return this.save('', 'full-snapshot', encodeArchive(archive));
  }

  /** A fresh snapshot of the one shard, not stored: `GET .../shards/{id}/snapshot` streams it. */
  async streamShardSnapshot(collection: string): Promise<Uint8Array> {
    return encodeArchive({ kind: 'collection', created: new Date().toISOString(), collections: [await this.dump(collection)], aliases: [] });
  }

  async list(collection: string | undefined, shard?: number): Promise<SnapshotDescription[]> {
    if (collection !== undefined) await this.client.getCollection(collection);
    const files = await this.store.list(collection === undefined ? '' : scopeOf(collection, shard));
    const out: SnapshotDescription[] = [];
    for (const file of files) {
      const bytes = await this.store.get(collection === undefined ? '' : scopeOf(collection, shard), file.name);
      if (!bytes) continue;
      out.push({ name: file.name, creation_time: file.modified.toISOString().slice(0, 19), size: file.size, checksum: sha256(bytes) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async read(collection: string | undefined, name: string, shard?: number): Promise<Uint8Array> {
    checkName(name);
    const bytes = await this.store.get(collection === undefined ? '' : scopeOf(collection, shard), name);
    if (!bytes) throw new SextantError('snapshot_not_found', `Not found: Snapshot ${name} not found`);
    return bytes;
  }

  async delete(collection: string | undefined, name: string, shard?: number): Promise<boolean> {
    checkName(name);
    if (collection !== undefined) await this.client.getCollection(collection);
    const deleted = await this.store.delete(collection === undefined ? '' : scopeOf(collection, shard), name);
    if (!deleted) throw new SextantError('snapshot_not_found', `Not found: Snapshot ${name} not found`);
    return true;
  }

  /** Reads a snapshot to recover from: see `SnapshotSources` for which locations are allowed. */
  async fetchLocation(location: string, apiKey?: string): Promise<Uint8Array> {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      throw errors.badRequest(`Invalid snapshot location: ${location}`);
    }
    if (url.protocol === 'file:') return readLocalSnapshot(url, this.sources.snapshotsDir);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw errors.badRequest(`Unsupported snapshot location scheme: ${url.protocol}`);
    checkRemoteSnapshot(url, this.sources.allowedHosts ?? []);
    return download(url, apiKey, this.sources.maxBytes ?? DEFAULT_MAX_DOWNLOAD);
  }

  /**
   * Replaces `collection` with the archive's (first) collection. The checksum, when given, is the SHA-256 of the
   * file in hex, as Qdrant's `checksum` parameter.
   */
  async recoverCollection(collection: string, bytes: Uint8Array, checksum?: string): Promise<boolean> {
    if (checksum !== undefined && checksum.toLowerCase() !== sha256(bytes)) {
      throw errors.badRequest(`Snapshot checksum mismatch: expected ${checksum}, got ${sha256(bytes)}`);
    }
    const archive = decodeArchive(bytes);
    const source = archive.collections[0];
    if (!source) throw errors.badRequest('Invalid snapshot: it holds no collection');
    await this.restore(collection, source);
    return true;
  }

  /** Restores every collection and alias of a full snapshot (for start-up recovery; Qdrant has no REST call). */
  async recoverFull(bytes: Uint8Array): Promise<void> {
    const archive = decodeArchive(bytes);
    for (const c of archive.collections) await this.restore(c.name, c);
    const actions = archive.aliases.map((alias) => ({ create_alias: alias }));
    if (actions.length > 0) await this.client.updateCollectionAliases({ actions });
  }

  private async restore(collection: string, source: ArchiveCollection): Promise<void> {
    if ((await this.client.collectionExists(collection)).exists) await this.client.deleteCollection(collection);
    await this.client.createCollection(collection, source.config as Parameters<RestClient['createCollection']>[1]);
    for (const [field, schema] of Object.entries(source.payloadSchema)) {
      await this.client.createPayloadIndex(collection, { field_name: field, field_schema: schema as Schemas['PayloadFieldSchema'], wait: true });
    }
    for (let i = 0; i < source.points.length; i += UPSERT_BATCH) {
      const points = source.points.slice(i, i + UPSERT_BATCH) as Schemas['PointStruct'][];
      await this.client.upsert(collection, { points, wait: true });
    }
  }

  private async dump(collection: string): Promise<ArchiveCollection> {
    const info = await this.client.getCollection(collection);
    const points: ArchiveCollection['points'] = [];
    let offset: Schemas['ExtendedPointId'] | null | undefined;
    do {
      const page = await this.client.scroll(collection, { limit: PAGE, with_payload: true, with_vector: true, ...(offset != null ? { offset } : {}) });
      for (const p of page.points) points.push({ id: p.id, vector: p.vector ?? {}, payload: p.payload ?? {} });
      offset = page.next_page_offset as Schemas['ExtendedPointId'] | null | undefined;
    } while (offset !== null && offset !== undefined);
    return { name: collection, config: createParams(info.config), payloadSchema: indexParams(info.payload_schema), points };
  }

  private async save(scope: string, prefix: string, bytes: Uint8Array): Promise<SnapshotDescription> {
    const created = new Date();
    let name = `${prefix}-${LOCAL_SHARD_ID}-${stamp(created)}.snapshot`;
    // Qdrant's names have second resolution; two snapshots in one second keep both files apart.
    if (await this.store.get(scope, name)) name = `${prefix}-${LOCAL_SHARD_ID}-${stamp(created)}-${created.getMilliseconds()}.snapshot`;
    await this.store.put(scope, name, bytes);
    return { name, creation_time: created.toISOString().slice(0, 19), size: bytes.byteLength, checksum: sha256(bytes) };
  }
}

/** `CollectionInfo.config` → the `CreateCollection` body that recreates it. */
function createParams(config: Schemas['CollectionConfig']): Record<string, unknown> {
  const { params } = config;
  const out: Record<string, unknown> = {
    vectors: params.vectors,
    sparse_vectors: params.sparse_vectors,
    shard_number: params.shard_number,
    replication_factor: params.replication_factor,
    write_consistency_factor: params.write_consistency_factor,
    on_disk_payload: params.on_disk_payload,
    hnsw_config: config.hnsw_config,
    optimizers_config: config.optimizer_config,
    wal_config: config.wal_config,
    quantization_config: config.quantization_config,
    strict_mode_config: config.strict_mode_config,
    metadata: config.metadata,
  };
  for (const key of Object.keys(out)) if (out[key] === undefined || out[key] === null) delete out[key];
  return out;
}

/** `payload_schema` of `CollectionInfo` → the `field_schema` of `createPayloadIndex` for each field. */
function indexParams(schema: Schemas['CollectionInfo']['payload_schema']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, info] of Object.entries(schema ?? {})) if (info) out[field] = info.params ?? info.data_type;
  return out;
}

function scopeOf(collection: string, shard: number | undefined): string {
  checkName(collection);
  return shard === undefined ? collection : `${collection}/shards/${shard}`;
}

/** Names become file names: nothing that could leave the snapshot folder. */
/** A name that could leave the snapshots folder names no snapshot: 404, as Qdrant answers a traversal attempt. */
function checkName(name: string): void {
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) throw new SextantError('snapshot_not_found', `Not found: Snapshot ${name} not found`);
}

function stamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', '-').replaceAll(':', '-');
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
