import type { Schemas } from '../client/sextant-client.js';
import type { CollectionConfig } from '../collection/config.js';
import { vectorSpecs } from '../collection/config.js';
import { LocalSegment } from '../collection/local-segment.js';
import type { PointWrite } from '../collection/operations.js';
import type { PointKey } from '../segment/id-tracker.js';
import { encodeSegment } from '../segment/segment-format.js';
import { type Clock, systemClock } from '../storage.js';
import { pageLimit } from './change-feed.js';
import type { AbortSignalLike, ProgressListener, SyncTransport } from './http-transport.js';
import { QdrantRoutesPusher } from './qdrant-routes-push.js';
import { collectionPath, restCaller, restPointState, stampOf, type QdrantRestOptions, type RestPoint } from './qdrant-rest.js';
import type { ScrollDownloadStore } from './scroll-download.js';
import type { ChangesPage, Checkpoint, PointState, PullPage, PullRequest, Removal, SnapshotPage } from './sync-protocol.js';

export interface QdrantRoutesOptions extends QdrantRestOptions {
  /**
   * The payload field every writer stamps with its write time in milliseconds (a number; default `updated_at`),
   * with an `integer` or `float` payload index so that `order_by` can read it. Pushes from this transport stamp it;
   * the server's other writers must too: a write that leaves it unchanged is only seen by the next full id scan if
   * the point is new, and not at all if it edits an existing one.
   */
  versionField?: string;
  /** Stamps for pushes; must not run behind the other writers' clocks by more than `skewMs`. */
  clock?: Clock;
  /** Deltas re-read this far behind the checkpoint, so a write stamped by a slightly slower clock is not missed. */
  skewMs?: number;
  /** Compare the server's id set with the replica's every this many pulls (finds deletions and points leaving the filter). */
  idScanEvery?: number;
  /** Wait between polls when the replica long-polls (Qdrant has no change stream). */
  pollMs?: number;
  /**
   * Keeps a first copy in progress across restarts (`storageScrollDownloads(engine.storage, name)`), so a broken one
   * continues from its last scroll offset; without it, only for this transport's life.
   */
  downloads?: ScrollDownloadStore;
}

/** A first copy under way: the segment built so far and where the scroll goes on. */
interface CopyInProgress {
  key: string;
  segment: LocalSegment;
  known: Map<PointKey, number>;
  offset: unknown;
  high: number;
  /** Highest stamp read before the first interruption; undefined while never interrupted. */
  resumedAt: number | undefined;
}

const ID_PAGE = 1000;

/**
 * Sync through Qdrant's standard routes alone, for servers without Sextant's sync endpoints (a Qdrant cluster).
 * A point's version is its timestamp field; a checkpoint is the highest stamp seen (its epoch names the field).
 * - First copy: `GET /collections/{name}` for the config and payload indexes, `count` for the progress total, then
 *   `scroll` page by page, built into one segment here (the replica installs it as it would a server snapshot).
 *   Progress is reported in points. A copy that breaks off continues from its last scroll offset at the next pull
 *   (kept in `downloads` when given, so across restarts too).
 * - Deltas: `scroll` with `order_by` on the field from the checkpoint (less `skewMs`), ascending.
 * - Deletions and points that left the filter: every `idScanEvery` pulls, the server's ids (filtered, no payload)
 *   are compared with the ids this transport has delivered; ids it never delivered are fetched.
 * - Pushes: see `QdrantRoutesPusher` (`update_filter` and filtered point operations as the conflict check).
 *
 * Which ids the replica holds lives in this object only: a new transport (after an app restart) starts with one
 * snapshot, then deltas again. The replica keeps its queued local changes across it.
 */
export function qdrantRoutesTransport(options: QdrantRoutesOptions): SyncTransport {
  return new QdrantRoutesTransport(options);
}

class QdrantRoutesTransport implements SyncTransport {
  private readonly call: ReturnType<typeof restCaller>;
  private readonly field: string;
  private readonly epoch: string;
  /** Ids delivered to the replica and the stamp each was delivered at. */
  private readonly known = new Map<PointKey, number>();
  private primed = false;
  /** Pulls that reached the end of the deltas; the id scan runs on every `idScanEvery`-th. */
  private quietPulls = 0;
  /**
   * Set when a page ends with `more`: a pull from checkpoint `at` continues reading at stamp `from` (which may lie
   * below `at`, inside the skew window), not from the window's start again.
   */
  private continuation: { at: number; from: number } | undefined;
  private readonly pusher: QdrantRoutesPusher;
  private copy: CopyInProgress | undefined;

  constructor(private readonly options: QdrantRoutesOptions) {
    this.call = restCaller(options);
    this.field = options.versionField ?? 'updated_at';
    this.epoch = `qdrant-routes:${this.field}`;
    this.pusher = new QdrantRoutesPusher(this.call, this.field, options.clock ?? systemClock, () => this.checkpointNow());
  }

  private high = 0;

  private checkpointNow(): Checkpoint {
    return { epoch: this.epoch, seq: this.high };
  }

  async pull(collection: string, request: PullRequest, signal?: AbortSignalLike, onProgress?: ProgressListener): Promise<PullPage> {
    const since = request.since;
    if (!this.primed || since === null || since === undefined || since.epoch !== this.epoch) return this.snapshot(collection, request.filter, onProgress);

    const info = (await this.call('GET', collectionPath(collection))) as { payload_schema?: Record<string, unknown> };
    const indexes = info.payload_schema ?? {};
    const page = await this.delta(collection, since, request, indexes);
    const scanEvery = this.options.idScanEvery ?? 10;
    if (!page.more && ++this.quietPulls % scanEvery === 0) await this.idScan(collection, request.filter, page);
    if (page.upserts.length === 0 && page.removals.length === 0 && !page.more && (request.wait_ms ?? 0) > 0) {
      await sleep(Math.min(request.wait_ms!, this.options.pollMs ?? 1000), signal);
    }
    return page;
  }

  push(collection: string, request: Parameters<SyncTransport['push']>[1]) {
    return this.pusher.push(collection, request);
  }

  /**
   * The first copy: every (matching) point by scroll, into one segment. Each page read is kept (in `downloads` too)
   * before the next is asked for, so an interrupted copy resumes at its last offset.
   *
   * Checkpoint: the highest stamp read, except after an interruption, when it is the highest stamp read before it.
   * A scroll is not a consistent snapshot: a point at an id already passed may be rewritten while the copy waits to
   * resume; its new stamp is above everything read before the break, so the first delta (which starts there) finds
   * it. Points read after the break with higher stamps come again in that delta and are skipped as known.
   */
  private async snapshot(collection: string, filter: Schemas['Filter'] | null | undefined, onProgress?: ProgressListener): Promise<SnapshotPage> {
    const info = (await this.call('GET', collectionPath(collection))) as { config: CollectionConfig; payload_schema?: Record<string, { data_type: string; params?: unknown }> };
    const key = JSON.stringify([collection, filter ?? null, this.field, info.config.params]);
    const counted = (await this.call('POST', collectionPath(collection, '/points/count'), { exact: true, ...(filter ? { filter } : {}) })) as { count: number };
    const copy = await this.resumeCopy(key, info);
    const downloads = this.options.downloads;
    let received = copy.segment.ids.liveCount;
    // Writes during the copy may add points: the total grows to what has arrived, so `received` never passes it.
    let total = Math.max(counted.count, received);
    onProgress?.({ received, total });
    while (copy.offset !== null) {
      const body = { limit: ID_PAGE, with_payload: true, with_vector: true, ...(copy.offset === undefined ? {} : { offset: copy.offset }), ...(filter ? { filter } : {}) };
      const result = (await this.call('POST', collectionPath(collection, '/points/scroll'), body)) as { points: RestPoint[]; next_page_offset?: unknown };
      const page: PointWrite[] = [];
      for (const point of result.points) {
        const state = restPointState(point, this.field);
        page.push({ id: state.id, vectors: state.vectors, payload: state.payload });
        this.insertCopied(copy, state);
      }
      // The offset moves on only once the page is kept: a failed save reads the page again (inserting is idempotent).
      const next = result.next_page_offset ?? null;
      if (downloads !== undefined && next !== null) await downloads.page(page, next, copy.resumedAt ?? copy.high);
      copy.offset = next;
      received = copy.segment.ids.liveCount;
      total = Math.max(total, received);
      onProgress?.({ received, total: copy.offset === null ? received : total });
    }
    const segment = copy.segment;
    const high = copy.high;
    const image = segment.encode();
    // Local op numbers continue above every stamp: the collection skips an op older than the point it writes.
    image.lastSeq = high;
    const seq = Math.min(high, copy.resumedAt ?? high);
    this.known.clear();
    for (const [id, version] of copy.known) this.known.set(id, version);
    this.high = Math.max(this.high, seq);
    this.primed = true;
    this.continuation = undefined;
    this.copy = undefined;
    await downloads?.clear();
    const checkpoint = { epoch: this.epoch, seq };
    return { kind: 'snapshot', checkpoint, config: info.config, segment: encodeSegment(image), points: segment.ids.liveCount };
  }

  /** The copy to continue: this transport's own, else the one kept in `downloads`, else a new one. */
  private async resumeCopy(key: string, info: { config: CollectionConfig; payload_schema?: Record<string, { data_type: string; params?: unknown }> }): Promise<CopyInProgress> {
    const held = this.copy;
    if (held !== undefined && held.key === key) {
      held.resumedAt = Math.min(held.resumedAt ?? held.high, held.high);
      return held;
    }
    const segment = LocalSegment.create(vectorSpecs(info.config));
    for (const [field, schema] of Object.entries(info.payload_schema ?? {})) {
      segment.indexes.create(field, (schema.params ?? schema.data_type) as Schemas['PayloadFieldSchema'], segment);
    }
    const copy: CopyInProgress = { key, segment, known: new Map(), offset: undefined, high: 0, resumedAt: undefined };
    const downloads = this.options.downloads;
    const stored = downloads === undefined ? undefined : await downloads.load();
    if (stored !== undefined && stored.key === key) {
      for (const page of stored.pages) {
        for (const point of page) this.insertCopied(copy, { ...point, version: stampOf(point.payload, this.field) });
      }
      copy.offset = stored.offset;
      copy.resumedAt = Math.min(stored.resumedAt, copy.high);
    } else {
      await downloads?.begin(key);
    }
    this.copy = copy;
    return copy;
  }

  private insertCopied(copy: CopyInProgress, state: PointState): void {
    const old = copy.segment.ids.internalOf(state.id);
    if (old !== undefined) copy.segment.removePoint(old, state.version);
    copy.segment.insertPoint(state.id, state.vectors, state.payload, state.version);
    copy.known.set(state.id, state.version);
    if (state.version > copy.high) copy.high = state.version;
  }

  /**
   * Points stamped at or after the checkpoint (less the skew window), oldest first. Points already delivered at the
   * same stamp are left out. A full page whose stamps are all equal is fetched again with a larger limit, so a
   * page boundary never falls inside one stamp.
   */
  private async delta(collection: string, since: Checkpoint, request: PullRequest, indexes: Record<string, unknown>): Promise<ChangesPage> {
    const limit = pageLimit(request.limit);
    const start = this.continuation?.at === since.seq ? this.continuation.from : Math.max(0, since.seq - (this.options.skewMs ?? 2000));
    let fetchLimit = limit;
    let points: RestPoint[];
    for (;;) {
      const body = {
        limit: fetchLimit, with_payload: true, with_vector: true,
        order_by: { key: this.field, direction: 'asc', start_from: start },
        ...(request.filter ? { filter: request.filter } : {}),
      };
      points = ((await this.call('POST', collectionPath(collection, '/points/scroll'), body)) as { points: RestPoint[] }).points;
      const full = points.length === fetchLimit;
      if (!full || stampOf(points[0]!.payload, this.field) !== stampOf(points[points.length - 1]!.payload, this.field)) break;
      fetchLimit *= 2;
    }
    const more = points.length === fetchLimit;
    const upserts: PointState[] = [];
    let last = since.seq;
    for (const point of points) {
      const state = restPointState(point, this.field);
      if (state.version > last) last = state.version;
      if (this.known.get(state.id) === state.version) continue;
      this.known.set(state.id, state.version);
      upserts.push(state);
    }
    // With more to come, stop at the last stamp read; the next page starts there (its points are then skipped above).
    const lastRead = stampOf(points[points.length - 1]?.payload, this.field);
    const seq = Math.max(since.seq, more ? lastRead : last);
    this.continuation = more ? { at: seq, from: lastRead } : undefined;
    this.high = Math.max(this.high, seq);
    return { kind: 'changes', checkpoint: { epoch: this.epoch, seq }, more, upserts, removals: [], indexes };
  }

  /** Ids the server no longer has (or no longer match) become removals; ids never delivered are fetched whole. */
  private async idScan(collection: string, filter: Schemas['Filter'] | null | undefined, page: ChangesPage): Promise<void> {
    const present = new Set<PointKey>();
    let offset: unknown = null;
    do {
      const body = { limit: ID_PAGE, with_payload: false, with_vector: false, ...(offset === null ? {} : { offset }), ...(filter ? { filter } : {}) };
      const result = (await this.call('POST', collectionPath(collection, '/points/scroll'), body)) as { points: RestPoint[]; next_page_offset?: unknown };
      for (const point of result.points) present.add(point.id);
      offset = result.next_page_offset ?? null;
    } while (offset !== null);
    const removals: Removal[] = [];
    for (const id of this.known.keys()) {
      if (!present.has(id)) removals.push({ id, version: page.checkpoint.seq });
    }
    for (const r of removals) this.known.delete(r.id);
    const inPage = new Set(page.upserts.map((p) => p.id));
    const missing = [...present].filter((id) => !this.known.has(id) && !inPage.has(id));
    if (missing.length > 0) {
      const points = (await this.call('POST', collectionPath(collection, '/points'), { ids: missing, with_payload: true, with_vector: true })) as RestPoint[];
      for (const point of points) {
        const state = restPointState(point, this.field);
        this.known.set(state.id, state.version);
        page.upserts.push(state);
      }
    }
    page.removals.push(...removals);
  }
}

/** Waits `ms`, or less when `signal` aborts (the replica stopping cuts the poll short). */
function sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
  const g = globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(t: unknown): void };
  const events = signal as { addEventListener?(type: string, fn: () => void): void; aborted?: boolean } | undefined;
  return new Promise((resolve) => {
    if (events?.aborted === true) return resolve();
    const timer = g.setTimeout(resolve, ms);
    events?.addEventListener?.('abort', () => {
      g.clearTimeout(timer);
      resolve();
    });
  });
}
