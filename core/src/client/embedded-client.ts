import type { Clock, Storage } from '../storage.js';
import { cloneJson } from '../storage/utf8.js';
import type { Schemas, SextantClient } from './sextant-client.js';
import { errors } from './errors.js';
import { MemoryStorage } from '../storage/memory-storage.js';
import { Engine, type EngineOptions } from '../collection/engine.js';
import type { Collection } from '../collection/collection.js';
import { buildCollectionConfig, checkSettingNumbers } from '../collection/config.js';
import { OpBuilder } from '../collection/point-ops.js';
import { createVectorOp, deleteVectorOp } from '../collection/vector-names.js';
import { checkPayloadIndexCount, checkPointWrites, checkRead, checkWrite, checkWriteFilter } from '../collection/strict-mode.js';
import type { Operation } from '../collection/operations.js';
import type { LocalSegment } from '../collection/local-segment.js';
import { parsePointId } from '../segment/id-tracker.js';
import { type QueryContext, queryContext, shaper, toRecord } from '../query/query-context.js';
import { runQuery, runSearch } from '../query/run-query.js';
import type { SearchExecutor } from '../executor/executor.js';
import { runQueryThreaded, runSearchThreaded } from '../executor/offload-query.js';
import { runCount, runFacet, runScroll } from '../query/scroll.js';
import { checkCollectionName, checkIndexRequest } from './validate-args.js';
import { runQueryGroups } from '../query/query-groups.js';
import { runMatrixOffsets, runMatrixPairs } from '../query/run-matrix.js';
import { discoverAsQuery, recommendAsQuery, recommendGroupsAsQuery, searchGroupsAsQuery } from '../query/legacy-explore.js';
import { planFilterLazy } from '../filter/plan-filter.js';
import type { Filter } from './sextant-client.js';

type Args<M extends keyof SextantClient> = Parameters<SextantClient[M]>;
type Result<M extends keyof SextantClient> = ReturnType<SextantClient[M]>;

export interface EmbeddedClientOptions extends EngineOptions {
  /** Where collections live; omitted = in memory. */
  storage?: Storage;
  clock?: Clock;
}

/**
 * The engine in-process, with exactly the methods, arguments and results of the official `QdrantClient` (each
 * method returns what the official client returns: the `result` of the REST response). The REST and gRPC servers
 * call these methods; the browser worker exposes this object.
 *
 * Writes default to `wait: true` like the official JS client: they resolve after the op is in the synced log.
 */
export class EmbeddedClient implements SextantClient {
  /**
   * Search threads for plain nearest-neighbour walks (see executor/offload-query.ts); none: every search runs on the
   * caller's thread. Set by the platform that owns the threads (the server's worker pool).
   */
  executor: SearchExecutor | undefined;

  constructor(readonly engine: Engine) {}

  // --- collections ---

  async createCollection(name: Args<'createCollection'>[0], args: Args<'createCollection'>[1]): Result<'createCollection'> {
    checkCollectionName(name);
    await this.engine.createCollection(name, buildCollectionConfig(args ?? {}));
    return true;
  }

  async recreateCollection(name: Args<'recreateCollection'>[0], args: Args<'recreateCollection'>[1]): Result<'recreateCollection'> {
    checkCollectionName(name);
    const config = buildCollectionConfig(args ?? {});
    await this.engine.deleteCollection(name);
    await this.engine.createCollection(name, config);
    return true;
  }

  async getCollection(name: string): Result<'getCollection'> {
    const c = this.engine.resolve(name);
    const failure = c.indexingError;
    return {
      // Qdrant: yellow while optimizers (here: background indexing) run, red when one failed.
      status: failure !== undefined ? 'red' : c.indexing ? 'yellow' : 'green',
      optimizer_status: failure !== undefined ? { error: failure } : 'ok',
      indexed_vectors_count: c.segment.indexedVectorsCount(),
      points_count: c.segment.ids.liveCount,
      segments_count: 1,
      config: cloneJson(c.config),
      payload_schema: c.segment.indexes.schema() as Schemas['CollectionInfo']['payload_schema'],
    };
  }

  async getCollections(): Result<'getCollections'> {
    return { collections: this.engine.names().map((name) => ({ name })) };
  }

  async collectionExists(name: string): Result<'collectionExists'> {
    return { exists: this.engine.exists(name) };
  }

  async updateCollection(name: Args<'updateCollection'>[0], args?: Args<'updateCollection'>[1]): Result<'updateCollection'> {
    const { timeout: _t, ...patch } = args ?? {};
    await this.engine.resolve(name).updateConfig(patch);
    return true;
  }

  async deleteCollection(name: string, _args?: Args<'deleteCollection'>[1]): Result<'deleteCollection'> {
    return this.engine.deleteCollection(name);
  }

  async updateCollectionAliases(args: Args<'updateCollectionAliases'>[0]): Result<'updateCollectionAliases'> {
    if (!Array.isArray(args?.actions)) throw errors.validation('actions: expected a list of alias operations');
    await this.engine.updateAliases(args.actions);
    return true;
  }

  async getCollectionAliases(name: string): Result<'getCollectionAliases'> {
    const target = this.engine.resolve(name).name;
    return { aliases: this.engine.aliasList(target) };
  }

  async getAliases(): Result<'getAliases'> {
    return { aliases: this.engine.aliasList() };
  }

  // --- point writes ---

  async upsert(name: string, args: Args<'upsert'>[1]): Result<'upsert'> {
    const { wait, ordering: _o, timeout: _t, ...body } = args;
    return this.write1(name, wait, (b) => b.upsert(body as Schemas['PointInsertOperations']), args, pointCount(body));
  }

  async delete(name: string, args: Args<'delete'>[1]): Result<'delete'> {
    const { wait, ordering: _o, timeout: _t, ...selector } = args;
    return this.write1(name, wait, (b) => b.deletePoints(selector), args, this.selectorCost(name, selector));
  }

  async updateVectors(name: string, args: Args<'updateVectors'>[1]): Result<'updateVectors'> {
    return this.write1(name, args.wait, (b) => b.updateVectors(args.points, args.update_filter as Schemas['Filter'] | null | undefined), args, args.points?.length);
  }

  async deleteVectors(name: string, args: Args<'deleteVectors'>[1]): Result<'deleteVectors'> {
    return this.write1(name, args.wait, (b) => b.deleteVectors(args, args.vector), args, this.selectorCost(name, args));
  }

  async setPayload(name: string, args: Args<'setPayload'>[1]): Result<'setPayload'> {
    return this.write1(name, args.wait, (b) => b.setPayload(args, false), args, this.selectorCost(name, args));
  }

  async overwritePayload(name: string, args: Args<'overwritePayload'>[1]): Result<'overwritePayload'> {
    return this.write1(name, args.wait, (b) => b.setPayload(args, true), args, this.selectorCost(name, args));
  }

  async deletePayload(name: string, args: Args<'deletePayload'>[1]): Result<'deletePayload'> {
    return this.write1(name, args.wait, (b) => b.deletePayload(args), args, this.selectorCost(name, args));
  }

  async clearPayload(name: string, args: Args<'clearPayload'>[1]): Result<'clearPayload'> {
    const { wait, ordering: _o, timeout: _t, ...selector } = args;
    return this.write1(name, wait, (b) => b.clearPayload(selector), args, this.selectorCost(name, selector));
  }

  async batchUpdate(name: string, args: Args<'batchUpdate'>[1]): Result<'batchUpdate'> {
    const { wait, operations } = args;
    if (!Array.isArray(operations)) throw errors.validation('operations: expected a list of update operations');
    const c = this.engine.resolve(name);
    checkWrite(c, args.timeout, operations.reduce((n, op) => n + ('upsert' in op ? pointCount(op.upsert) : 1), 0));
    return c.write((segment) => {
      const builder = this.builder(c, segment);
      return operations.map((entry) => builder.batchEntry(entry));
    }, wait ?? true);
  }

  async createPayloadIndex(name: string, args: Args<'createPayloadIndex'>[1]): Result<'createPayloadIndex'> {
    checkIndexRequest(args.field_name, args.field_schema);
    checkPayloadIndexCount(this.engine.resolve(name), args.field_name);
    return this.write1(name, args.wait, () => ({ type: 'create_index', field: args.field_name, schema: args.field_schema }), args);
  }

  async deletePayloadIndex(name: string, field: string, args?: Args<'deletePayloadIndex'>[2]): Result<'deletePayloadIndex'> {
    return this.write1(name, args?.wait, () => ({ type: 'delete_index', field }));
  }

  /** Adds a named vector (dense or sparse) to an existing collection; its points have no value for it yet. */
  async createVectorName(
    name: string,
    vectorName: string,
    config: Schemas['VectorNameConfig'],
    args?: { wait?: boolean; ordering?: Schemas['WriteOrdering']; timeout?: number },
  ): Promise<Schemas['UpdateResult']> {
    const c = this.engine.resolve(name);
    checkSettingNumbers(config, 'config');
    const [result] = await c.write(() => [createVectorOp(c.config, vectorName, config)], args?.wait ?? true);
    return result!;
  }

  /** Drops a named vector and every point's value for it; the points stay. */
  async deleteVectorName(
    name: string,
    vectorName: string,
    args?: { wait?: boolean; ordering?: Schemas['WriteOrdering']; timeout?: number },
  ): Promise<Schemas['UpdateResult']> {
    const c = this.engine.resolve(name);
    const [result] = await c.write(() => [deleteVectorOp(c.config, vectorName)], args?.wait ?? true);
    return result!;
  }

  /**
   * Qdrant 1.19's optimization progress. The optimizers here are background HNSW linking (`indexing`) and the
   * compaction a flush runs (`vacuum`); see OptimizationTracker.
   */
  async getOptimizations(name: string, args?: { with?: string; completed_limit?: number }): Promise<Schemas['OptimizationsResponse']> {
    const c = this.engine.resolve(name);
    const limit = args?.completed_limit;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw errors.validation(`completed_limit: value ${limit} invalid, must be 0 or more`);
    return c.optimizations.report(c.segment.ids.liveCount, args);
  }

  // --- reads ---

  async retrieve(name: string, args: Args<'retrieve'>[1]): Result<'retrieve'> {
    const ctx = queryContext(this.engine.resolve(name));
    if (!Array.isArray(args.ids)) throw errors.validation('ids: expected a list of point ids');
    // `with_vectors` is Qdrant's alias of `with_vector` on retrieve and scroll
    const shape = shaper(ctx, args.with_payload, args.with_vector ?? (args as { with_vectors?: Schemas['WithVector'] }).with_vectors, true);
    const seen = new Set<number>();
    const out: Schemas['Record'][] = [];
    for (const raw of args.ids) {
      const id = ctx.segment.ids.internalOf(parsePointId(raw));
      if (id === undefined || seen.has(id)) continue;
      seen.add(id);
      out.push(toRecord(ctx, id, shape));
    }
    return out;
  }

  async query(name: string, args: Args<'query'>[1]): Result<'query'> {
    const ctx = this.readCtx(name, args, 'query');
    const x = this.executor;
    return { points: x === undefined ? runQuery(ctx, args ?? {}) : await runQueryThreaded(x, ctx, () => this.ctx(name), args ?? {}) };
  }

  async queryBatch(name: string, args: Args<'queryBatch'>[1]): Result<'queryBatch'> {
    if (!Array.isArray(args.searches)) throw errors.validation('searches: expected a list of queries');
    const ctx = this.readCtx(name, args, 'batch');
    const x = this.executor;
    if (x === undefined) return args.searches.map((q) => ({ points: runQuery(ctx, q) }));
    return Promise.all(args.searches.map(async (q) => ({ points: await runQueryThreaded(x, ctx, () => this.ctx(name), q) })));
  }

  async search(name: string, args: Args<'search'>[1]): Result<'search'> {
    const ctx = this.readCtx(name, args, 'query');
    const x = this.executor;
    return x === undefined ? runSearch(ctx, args) : runSearchThreaded(x, ctx, () => this.ctx(name), args);
  }

  async searchBatch(name: string, args: Args<'searchBatch'>[1]): Result<'searchBatch'> {
    if (!Array.isArray(args.searches)) throw errors.validation('searches: expected a list of searches');
    const ctx = this.readCtx(name, args, 'batch');
    const x = this.executor;
    if (x === undefined) return args.searches.map((s) => runSearch(ctx, s));
    return Promise.all(args.searches.map((s) => runSearchThreaded(x, ctx, () => this.ctx(name), s)));
  }

  async scroll(name: string, args?: Args<'scroll'>[1]): Result<'scroll'> {
    return runScroll(this.readCtx(name, args, 'scroll'), args ?? {});
  }

  async count(name: string, args?: Args<'count'>[1]): Result<'count'> {
    return runCount(this.readCtx(name, args, 'count'), args ?? {});
  }

  async facet(name: string, args: Args<'facet'>[1]): Result<'facet'> {
    return runFacet(this.readCtx(name, args, 'facet'), args);
  }

  // --- explore: groups, recommend, discover, distance matrix (the 1.18 calls run as the queries 1.19 makes of them) ---

  async queryGroups(name: string, args: Args<'queryGroups'>[1]): Result<'queryGroups'> {
    return runQueryGroups(this.readCtx(name, args, 'groups'), args);
  }
  async searchMatrixPairs(name: string, args?: Args<'searchMatrixPairs'>[1]): Result<'searchMatrixPairs'> {
    return runMatrixPairs(this.readCtx(name, args, 'matrix'), args ?? {});
  }
  async searchMatrixOffsets(name: string, args?: Args<'searchMatrixOffsets'>[1]): Result<'searchMatrixOffsets'> {
    return runMatrixOffsets(this.readCtx(name, args, 'matrix'), args ?? {});
  }
  async searchPointGroups(name: string, args: Args<'searchPointGroups'>[1]): Result<'searchPointGroups'> {
    return runQueryGroups(this.readCtx(name, args, 'groups'), searchGroupsAsQuery(args)) as Awaited<Result<'searchPointGroups'>>;
  }
  async recommend(name: string, args: Args<'recommend'>[1]): Result<'recommend'> {
    return runQuery(this.readCtx(name, args, 'query'), recommendAsQuery(args));
  }
  async recommendBatch(name: string, args: Args<'recommendBatch'>[1]): Result<'recommendBatch'> {
    if (!Array.isArray(args?.searches)) throw errors.validation('searches: expected a list of recommend requests');
    const ctx = this.readCtx(name, args, 'batch');
    return args.searches.map((r) => runQuery(ctx, recommendAsQuery(r)));
  }
  async recommendPointGroups(name: string, args: Args<'recommendPointGroups'>[1]): Result<'recommendPointGroups'> {
    return runQueryGroups(this.readCtx(name, args, 'groups'), recommendGroupsAsQuery(args)) as Awaited<Result<'recommendPointGroups'>>;
  }
  async discoverPoints(name: string, args: Args<'discoverPoints'>[1]): Result<'discoverPoints'> {
    return runQuery(this.readCtx(name, args, 'query'), discoverAsQuery(args));
  }
  async discoverBatchPoints(name: string, args: Args<'discoverBatchPoints'>[1]): Result<'discoverBatchPoints'> {
    if (!Array.isArray(args?.searches)) throw errors.validation('searches: expected a list of discover requests');
    const ctx = this.readCtx(name, args, 'batch');
    return args.searches.map((r) => runQuery(ctx, discoverAsQuery(r)));
  }

  // --- beyond the official client ---

  /** Writes every collection's segment and empties its log. */
  flush(): Promise<void> {
    return this.engine.flush();
  }

  /** Flushes everything and closes the storage; the client is unusable afterwards. */
  close(): Promise<void> {
    return this.engine.close();
  }

  /** A read context that can also reach the database's other collections (`lookup_from`, `with_lookup`). */
  private ctx(name: string): QueryContext {
    return queryContext(this.engine.resolve(name), (other) => this.engine.resolve(other));
  }

  private builder(c: Collection, segment: LocalSegment): OpBuilder {
    return new OpBuilder(segment, new Map(c.specs.map((s) => [s.name, s])), {
      points: (points, kind) => checkPointWrites(c, points, kind),
      filter: (filter) => checkWriteFilter(c, filter),
    });
  }

  /**
   * What a write by selector costs against `write_rate_limit`, as Qdrant prices it: the ids it names, or the
   * expected number of points its filter matches (half the collection for a condition no index can estimate).
   */
  private selectorCost(name: string, selector: { points?: unknown; filter?: unknown }): () => number {
    return () => {
      if (Array.isArray(selector.points)) return selector.points.length;
      const filter = (selector.points !== null && typeof selector.points === 'object' ? (selector.points as { filter?: unknown }).filter : selector.filter) as Filter | undefined;
      if (filter === undefined || filter === null) return 1;
      const segment = this.engine.resolve(name).segment;
      return planFilterLazy(filter, segment, segment.indexes, segment.ids.liveCount).estimate.exp;
    };
  }

  /** A read's collection, after strict mode's checks of the request. */
  private readCtx(name: string, args: unknown, kind: ReadKind): QueryContext {
    checkRead(this.engine.resolve(name), args, kind, (args as { timeout?: number } | undefined)?.timeout);
    return this.ctx(name);
  }

  private async write1(
    name: string,
    wait: boolean | undefined,
    make: (b: OpBuilder) => Operation,
    args?: { timeout?: number },
    cost: number | (() => number) = 1,
  ): Promise<Schemas['UpdateResult']> {
    const c = this.engine.resolve(name);
    checkWrite(c, args?.timeout, cost);
    const [result] = await c.write((segment) => [make(this.builder(c, segment))], wait ?? true);
    return result!;
  }
}

type ReadKind = Parameters<typeof checkRead>[2];

/** Points in an upsert body (list or column form): the write's cost against `write_rate_limit`. */
function pointCount(body: unknown): number {
  const b = body as { points?: unknown[]; batch?: { ids?: unknown[] } };
  return Array.isArray(b.points) ? b.points.length : Array.isArray(b.batch?.ids) ? b.batch.ids.length : 1;
}

/** Opens (or starts) a database on `storage` (in memory when omitted): collections, aliases, replay of the logs. */
export async function createEmbeddedClient(options: EmbeddedClientOptions = {}): Promise<EmbeddedClient> {
  const { storage = new MemoryStorage(), ...rest } = options;
  return new EmbeddedClient(await Engine.open(storage, rest));
}
