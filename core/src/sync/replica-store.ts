import type { PointKey } from '../segment/id-tracker.js';
import type { Storage } from '../storage.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';
import { OpLog } from '../wal/op-log.js';
import type { Checkpoint, LocalChange } from './sync-protocol.js';

/** Compact the record log into the base once it passes this size. */
const COMPACT_BYTES = 4 * 1024 * 1024;

type StateRecord =
  | { t: 'pulled'; checkpoint: Checkpoint; set: [PointKey, number][]; del: PointKey[]; reset?: boolean }
  | { t: 'queued'; change: LocalChange }
  | { t: 'pushed'; upTo: number; set: [PointKey, number][]; del: PointKey[] };

interface BaseState {
  /** Number of the last log record folded into this base; replay skips records at or below it. */
  record: number;
  client: string;
  nextN: number;
  checkpoint: Checkpoint | null;
  versions: [PointKey, number][];
  pending: LocalChange[];
}

/**
 * A replica's durable sync state in its own storage, beside the collection: the checkpoint, the server version
 * of every point it holds (the bases of its local changes), the queue of local changes not yet acknowledged, and
 * its client id and change counter. Kept as a base blob plus an append-only record log (the op-log format, so a
 * torn tail after a crash is dropped cleanly); the log folds into the base once it grows.
 *
 * A record is appended synchronously when the state changes: the storage then orders it before the collection's
 * own sync, so a local write acknowledged as durable has its queue entry durable too.
 */
export class ReplicaStore {
  client = '';
  nextN = 1;
  checkpoint: Checkpoint | null = null;
  readonly versions = new Map<PointKey, number>();
  pending: LocalChange[] = [];
  private recordNo = 0;

  private constructor(
    private readonly storage: Storage,
    private readonly baseName: string,
    private readonly log: OpLog,
  ) {}

  static async open(storage: Storage, name: string, newClientId: () => string): Promise<ReplicaStore> {
    const prefix = `sync/${encodeURIComponent(name)}/`;
    const { log, records } = await OpLog.open(storage, `${prefix}log`);
    const store = new ReplicaStore(storage, `${prefix}base`, log);
    const baseBytes = await storage.read(store.baseName);
    if (baseBytes !== undefined) {
      const base = JSON.parse(utf8Decode(baseBytes)) as BaseState;
      store.recordNo = base.record;
      store.client = base.client;
      store.nextN = base.nextN;
      store.checkpoint = base.checkpoint;
      for (const [k, v] of base.versions) store.versions.set(k, v);
      store.pending = base.pending;
    }
    for (const record of records) {
      if (record.seq <= store.recordNo) continue;
      store.recordNo = record.seq;
      store.fold(JSON.parse(utf8Decode(record.payload)) as StateRecord);
    }
    if (store.client === '') {
      store.client = newClientId();
      await store.compact();
    }
    return store;
  }

  /** A local write to queue; numbered here. Appended synchronously (see the class comment). */
  queue(change: Omit<LocalChange, 'n'>): LocalChange {
    const full = { ...change, n: this.nextN };
    this.append({ t: 'queued', change: full }).catch((error: unknown) => this.onError(error));
    return full;
  }

  /** Told when a record queued from a synchronous listener fails to persist (the replica reports it in its status). */
  onError: (error: unknown) => void = () => undefined;

  /** A page (or snapshot, `reset`) was applied: new checkpoint and server versions. */
  pulled(checkpoint: Checkpoint, set: [PointKey, number][], del: PointKey[], reset = false): Promise<void> {
    return this.append({ t: 'pulled', checkpoint, set, del, reset });
  }

  /** Changes up to `upTo` were answered by the server; `set`/`del` update the server versions it reported. */
  pushed(upTo: number, set: [PointKey, number][], del: PointKey[]): Promise<void> {
    return this.append({ t: 'pushed', upTo, set, del });
  }

  private append(record: StateRecord): Promise<void> {
    this.fold(record);
    const no = ++this.recordNo;
    const done = this.log.append(no, utf8Encode(JSON.stringify(record)));
    return done.then(() => (this.log.bytes > COMPACT_BYTES ? this.compact() : undefined));
  }

  private fold(record: StateRecord): void {
    if (record.t === 'queued') {
      this.pending.push(record.change);
      this.nextN = Math.max(this.nextN, record.change.n + 1);
      return;
    }
    if (record.t === 'pulled') {
      this.checkpoint = record.checkpoint;
      if (record.reset === true) this.versions.clear();
    } else {
      this.pending = this.pending.filter((c) => c.n > record.upTo);
    }
    for (const [k, v] of record.set) this.versions.set(k, v);
    for (const k of record.del) this.versions.delete(k);
  }

  /** Writes the whole state as the base, then empties the log (a crash between the two replays nothing twice). */
  async compact(): Promise<void> {
    const base: BaseState = {
      record: this.recordNo,
      client: this.client,
      nextN: this.nextN,
      checkpoint: this.checkpoint,
      versions: [...this.versions],
      pending: this.pending,
    };
    await this.storage.write(this.baseName, utf8Encode(JSON.stringify(base)));
    await this.storage.sync();
    await this.log.truncate();
    await this.storage.sync();
  }

  /** Drops the whole state (the replica is being discarded). */
  async destroy(): Promise<void> {
    await this.storage.delete(this.baseName);
    await this.log.truncate();
    await this.storage.sync();
  }
}
