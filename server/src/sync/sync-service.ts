import { randomUUID } from 'node:crypto';
import {
  ChangeFeed, PushLedger, TombstoneLog, applyPush, journalFromState, opKeys,
  type Engine, type LedgerJson, type PushRequest, type PushResponse,
} from '@sextant/core';

type Collection = ChangeFeed['collection'];
type AppliedListener = Parameters<Collection['onApplied']>[0];

/** Blob names kept inside the collection's own prefix, so deleting or recreating the collection drops them too. */
const epochBlob = (name: string) => `collections/${encodeURIComponent(name)}/sync-epoch`;
const ledgerBlob = (name: string) => `collections/${encodeURIComponent(name)}/sync-ledger`;
const tombstoneBlob = (name: string) => `collections/${encodeURIComponent(name)}/sync-tombstones`;

interface Attached {
  feed: ChangeFeed;
  ledger: PushLedger;
  /** Deletions, durably, so the feed can be rebuilt after a restart. */
  tombstones: TombstoneLog;
  stopRecording: () => void;
  /** Pushes of one collection run one at a time: each reads and then persists the ledger. */
  pushing: Promise<unknown>;
}

export interface SyncServiceOptions {
  /** Journal entries retained per collection (see ChangeJournal). */
  retain?: number;
  /** Deleted keys retained durably per collection (see TombstoneLog). */
  keepDeletions?: number;
}

/**
 * The server's sync state per collection: a change feed attached to the open collection object, the durable log of
 * its deletions, and the push ledger.
 *
 * Restarts: the feed's journal is rebuilt from the points' versions (flushed with the segment, replayed from the op
 * log) and the retained deletions, so a checkpoint taken before the restart still gets a delta. Every collection
 * open at start is attached at once, before any write can arrive, so no deletion goes unrecorded; a collection
 * created later gets a new epoch when first attached, so no checkpoint of it can predate its recording. After a
 * crash the deletion log may not have seen the last ops (it says how far it got): then older checkpoints get a
 * snapshot. A collection replaced by delete + create (or recovered from a snapshot) is a new object: its feed is
 * rebuilt with a new epoch and an empty deletion log, so old checkpoints get snapshots.
 */
export class SyncService {
  private readonly attached = new Map<string, Promise<Attached>>();

  constructor(
    readonly engine: Engine,
    private readonly options: SyncServiceOptions = {},
  ) {
    for (const name of engine.names()) this.attach(engine.resolve(name), false).catch(() => undefined);
  }

  /** The feed and ledger of a collection (name or alias); 404 when it does not exist. */
  async get(nameOrAlias: string): Promise<Attached> {
    const collection = this.engine.resolve(nameOrAlias);
    const pending = this.attached.get(collection.name);
    if (pending === undefined) return this.attach(collection, false);
    const current = await pending;
    if (current.feed.collection === collection) return current;
    // Replaced while we waited: whoever sees it first starts the new history; the others wait for that one.
    const now = this.attached.get(collection.name);
    if (now !== pending && now !== undefined) return this.get(nameOrAlias);
    return this.attach(collection, true, current);
  }

  async push(nameOrAlias: string, request: PushRequest): Promise<PushResponse> {
    const state = await this.get(nameOrAlias);
    const run = state.pushing.then(async () => {
      const response = await applyPush(state.feed.collection, state.ledger, request, () => state.feed.checkpoint());
      const storage = this.engine.storage;
      // Durable before the answer: a retry after a lost answer must find these change numbers applied.
      await storage.write(ledgerBlob(state.feed.collection.name), new TextEncoder().encode(JSON.stringify(state.ledger.toJson())));
      await storage.sync();
      return response;
    });
    state.pushing = run.catch(() => undefined);
    return run;
  }

  /** Detaches every feed and writes each deletion log's last mark, so the next start serves old checkpoints. */
  async close(): Promise<void> {
    const all = [...this.attached.values()];
    this.attached.clear();
    for (const pending of all) {
      const state = await pending.catch(() => undefined);
      if (state !== undefined) await detach(state);
    }
    await this.engine.storage.sync();
  }

  /**
   * Starts attaching `collection`. Ops applied while the durable state loads are buffered by a listener subscribed
   * here, synchronously, and handed to the journal and the deletion log once they exist.
   */
  private attach(collection: Collection, replaced: boolean, previous?: Attached): Promise<Attached> {
    const start = collection.lastSeq;
    const buffered: Array<Parameters<AppliedListener>> = [];
    const stopBuffer = collection.onApplied((op, seq) => buffered.push([op, seq]));
    const attaching = this.load(collection, start, buffered, replaced, previous).finally(stopBuffer);
    const name = collection.name;
    this.attached.set(name, attaching);
    attaching.catch(() => {
      if (this.attached.get(name) === attaching) this.attached.delete(name);
    });
    return attaching;
  }

  private async load(
    collection: Collection,
    start: number,
    buffered: Array<Parameters<AppliedListener>>,
    replaced: boolean,
    previous: Attached | undefined,
  ): Promise<Attached> {
    if (previous !== undefined) await detach(previous);
    const storage = this.engine.storage;
    const name = collection.name;
    const epochBytes = replaced ? undefined : await storage.read(epochBlob(name));
    let epoch = epochBytes === undefined ? undefined : new TextDecoder().decode(epochBytes);
    const keep = this.options.keepDeletions;
    let opened = epoch === undefined ? undefined : await TombstoneLog.open(storage, tombstoneBlob(name), start, keep);
    // The log must have seen every op up to now, and no further. Short of it (the server stopped before the log
    // caught up), deletions after its coverage are unknown; past it (a crash lost unacknowledged ops the log had
    // seen), their numbers will be reused. Either way it starts again from now, so no later restart trusts the gap.
    if (opened === undefined || opened.covered !== start) {
      opened = await TombstoneLog.create(storage, tombstoneBlob(name), start, keep);
    }
    if (epoch === undefined) {
      // After the fresh deletion log: a crash in between leaves no epoch, so the next attach starts afresh again.
      epoch = randomUUID();
      await storage.write(epochBlob(name), new TextEncoder().encode(epoch));
    }
    await storage.sync();
    const ledgerBytes = await storage.read(ledgerBlob(name));
    const ledger = ledgerBytes === undefined ? new PushLedger() : PushLedger.fromJson(JSON.parse(new TextDecoder().decode(ledgerBytes)) as LedgerJson);

    // From here on nothing awaits, so no op can slip between the buffered ones and the feed's own listener.
    const journal = journalFromState(collection.segment, opened.entries, opened.floor, start, this.options.retain);
    const feed = new ChangeFeed(collection, epoch, { retain: this.options.retain, journal });
    const tombstones = opened.log;
    const record: AppliedListener = (op, seq) => tombstones.record(seq, op.type === 'delete_points' ? op.ids : []);
    for (const [op, seq] of buffered) {
      feed.journal.record(seq, opKeys(op));
      record(op, seq);
    }
    const stopRecording = collection.onApplied(record);
    return { feed, ledger, tombstones, stopRecording, pushing: Promise.resolve() };
  }
}

async function detach(state: Attached): Promise<void> {
  state.feed.close();
  state.stopRecording();
  await state.tombstones.close();
}
