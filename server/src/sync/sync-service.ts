import { randomUUID } from 'node:crypto';
import { ChangeFeed, PushLedger, applyPush, type Engine, type LedgerJson, type PushRequest, type PushResponse } from '@sextant/core';

/** Blob names kept inside the collection's own prefix, so deleting or recreating the collection drops them too. */
const epochBlob = (name: string) => `collections/${encodeURIComponent(name)}/sync-epoch`;
const ledgerBlob = (name: string) => `collections/${encodeURIComponent(name)}/sync-ledger`;

interface Attached {
  feed: ChangeFeed;
  ledger: PushLedger;
  /** Pushes of one collection run one at a time: each reads and then persists the ledger. */
  pushing: Promise<unknown>;
}

/**
 * The server's sync state per collection: a change feed attached to the open collection object and the push
 * ledger. A collection replaced by delete + create is a new object: its feed is rebuilt with a new epoch, so old
 * checkpoints get snapshots.
 */
export class SyncService {
  private readonly attached = new Map<string, Promise<Attached>>();

  constructor(
    readonly engine: Engine,
    private readonly options: { retain?: number } = {},
  ) {}

  /** The feed and ledger of a collection (name or alias); 404 when it does not exist. */
  async get(nameOrAlias: string): Promise<Attached> {
    const collection = this.engine.resolve(nameOrAlias);
    const pending = this.attached.get(collection.name);
    if (pending !== undefined) {
      const current = await pending;
      if (current.feed.collection === collection) return current;
      current.feed.close();
      this.attached.delete(collection.name);
    }
    const attaching = this.attach(collection.name);
    this.attached.set(collection.name, attaching);
    attaching.catch(() => this.attached.delete(collection.name));
    return attaching;
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

  close(): void {
    for (const pending of this.attached.values()) void pending.then((a) => a.feed.close(), () => undefined);
    this.attached.clear();
  }

  private async attach(name: string): Promise<Attached> {
    const storage = this.engine.storage;
    const epochBytes = await storage.read(epochBlob(name));
    let epoch = epochBytes === undefined ? undefined : new TextDecoder().decode(epochBytes);
    if (epoch === undefined) {
      epoch = randomUUID();
      await storage.write(epochBlob(name), new TextEncoder().encode(epoch));
      await storage.sync();
    }
    // The journal starts at the collection's last op now: older checkpoints get a snapshot, so nothing is missed.
    const feed = new ChangeFeed(this.engine.resolve(name), epoch, this.options);
    const ledgerBytes = await storage.read(ledgerBlob(name));
    const ledger = ledgerBytes === undefined ? new PushLedger() : PushLedger.fromJson(JSON.parse(new TextDecoder().decode(ledgerBytes)) as LedgerJson);
    return { feed, ledger, pushing: Promise.resolve() };
  }
}
