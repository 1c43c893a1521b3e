import type { Schemas } from '../client/sextant-client.js';
import type { Collection } from '../collection/collection.js';
import { LocalSegment } from '../collection/local-segment.js';
import type { Operation, PayloadObject } from '../collection/operations.js';
import { compileFilter } from '../filter/compile-filter.js';
import { parseFilter } from '../filter/parse-filter.js';
import type { PointKey } from '../segment/id-tracker.js';
import { encodeSegment } from '../segment/segment-format.js';
import { cloneJson } from '../storage/utf8.js';
import { ChangeJournal } from './change-journal.js';
import { opKeys } from './op-keys.js';
import type { ChangesPage, Checkpoint, PointState, Removal, SnapshotPage } from './sync-protocol.js';

export interface ChangeFeedOptions {
  /** Journal entries kept (see `ChangeJournal`); older checkpoints get snapshots. */
  retain?: number;
  /**
   * The history to start from (see `journalFromState`): it must cover every op up to the collection's last op now.
   * Without it, the journal starts empty at the last op, and older checkpoints get a snapshot.
   */
  journal?: ChangeJournal;
}

/** Default and largest number of points in one page of changes. */
export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 10_000;

/**
 * The server side of pull for one collection: a journal of which points each op wrote (fed by the collection's
 * applied-op hook) plus readers that turn it into pages. Every read is synchronous, so a page is one consistent
 * state of the segment: nothing can be applied between reading the journal and reading the points.
 *
 * The journal lives in memory; a server rebuilds it when it attaches after a restart, from the points' versions and
 * a durable log of deletions (`journalFromState`, `TombstoneLog`), so checkpoints from before the restart still get
 * deltas. Its epoch names this collection's history.
 */
export class ChangeFeed {
  readonly journal: ChangeJournal;
  private readonly listeners = new Set<(seq: number) => void>();
  private readonly detach: () => void;

  constructor(
    readonly collection: Collection,
    readonly epoch: string,
    options: ChangeFeedOptions = {},
  ) {
    this.journal = options.journal ?? new ChangeJournal(collection.lastSeq, options.retain);
    this.detach = collection.onApplied((op: Operation, seq: number) => {
      this.journal.record(seq, opKeys(op));
      for (const listener of this.listeners) listener(seq);
    });
  }

  checkpoint(): Checkpoint {
    return { epoch: this.epoch, seq: this.collection.lastSeq };
  }

  /** Whether `since` can be answered with changes; otherwise the replica needs a snapshot. */
  canServe(since: Checkpoint | null | undefined): since is Checkpoint {
    return (
      since !== null && since !== undefined && since.epoch === this.epoch &&
      since.seq >= this.journal.floor && since.seq <= this.collection.lastSeq
    );
  }

  /** Called with the op number after each applied op (long polls wait on this). Returns the unsubscribe function. */
  onChange(listener: (seq: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.detach();
    this.listeners.clear();
  }

  /**
   * The collection now as one encoded segment. Unfiltered, it is the live segment's own encoding (graphs as they
   * are); filtered, a segment of the matching points only is built for the request (its graph built once here, on
   * the server, so the replica still decodes rather than builds).
   */
  snapshot(filter: Schemas['Filter'] | null | undefined): SnapshotPage {
    const collection = this.collection;
    const source = collection.segment;
    const checkpoint = this.checkpoint();
    let segment = source;
    if (filter !== undefined && filter !== null) {
      const matches = compileFilter(parseFilter(filter), source, source.indexes);
      segment = LocalSegment.create(collection.specs);
      for (const index of source.indexes.all()) segment.indexes.create(index.key, index.schema, segment);
      for (const id of source.ids.sortedLive()) {
        if (!matches(id)) continue;
        const payload = source.payloads.get(id) as PayloadObject | undefined;
        segment.insertPoint(source.ids.externalOf(id), source.readVectors(id), payload === undefined ? null : cloneJson(payload), source.ids.version(id));
      }
    }
    const image = segment.encode();
    image.lastSeq = checkpoint.seq;
    return { kind: 'snapshot', checkpoint, config: cloneJson(collection.config), segment: encodeSegment(image), points: segment.ids.liveCount };
  }

  /**
   * The changes after `since` (which `canServe`): each written point once, in its current state, or as a removal
   * when it is gone or (partial sync) no longer matches the filter. Stops after `limit` points at an op boundary,
   * so the returned checkpoint never splits an op.
   */
  changes(since: Checkpoint, filter: Schemas['Filter'] | null | undefined, limit = DEFAULT_PAGE_LIMIT): ChangesPage {
    const segment = this.collection.segment;
    const journal = this.journal;
    const matches = filter === undefined || filter === null ? undefined : compileFilter(parseFilter(filter), segment, segment.indexes);
    // Latest op number per key within the page: a removal's version.
    const seen = new Map<PointKey, number>();
    let i = journal.after(since.seq);
    const end = journal.end();
    while (i < end && (seen.size < limit || journal.seqAt(i) === journal.seqAt(i - 1))) {
      seen.set(journal.keyAt(i), journal.seqAt(i));
      i++;
    }
    const more = i < end;
    const upserts: PointState[] = [];
    const removals: Removal[] = [];
    for (const [key, seq] of seen) {
      const id = segment.ids.internalOf(key);
      if (id !== undefined && (matches === undefined || matches(id))) {
        const payload = segment.payloads.get(id) as PayloadObject | undefined;
        upserts.push({ id: key, version: segment.ids.version(id), vectors: segment.readVectors(id), payload: payload === undefined ? null : cloneJson(payload) });
      } else {
        removals.push({ id: key, version: id === undefined ? seq : segment.ids.version(id) });
      }
    }
    const checkpoint = { epoch: this.epoch, seq: more ? journal.seqAt(i - 1) : this.collection.lastSeq };
    return { kind: 'changes', checkpoint, more, upserts, removals, indexes: cloneJson(segment.indexes.schema()) as Record<string, unknown> };
  }
}

/** Clamps a requested page size to [1, MAX_PAGE_LIMIT]. */
export function pageLimit(requested: number | undefined): number {
  if (requested === undefined || !Number.isFinite(requested)) return DEFAULT_PAGE_LIMIT;
  return Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(requested)));
}
