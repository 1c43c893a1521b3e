import type { PointKey } from '../segment/id-tracker.js';
import type { Storage } from '../storage.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';
import { encodeRecord, parseRecords } from '../wal/op-log.js';

/** Record kinds, the payload's first byte. */
const FLOOR = 0;
const MARK = 1;
const DELETED = 2;

/** Deleted keys kept before the oldest half is dropped (and the floor raised). */
const DEFAULT_KEEP = 200_000;
/** How long a mark waits, gathering the ops after it (see `scheduleMark`). */
const DEFAULT_MARK_DELAY_MS = 1000;

/** The platform's timers, looked up when used (core compiles without DOM or Node types). */
function timers(): { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(timer: unknown): void } {
  return globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(timer: unknown): void };
}

export interface Tombstones {
  seq: number;
  keys: PointKey[];
}

export interface OpenedTombstones {
  log: TombstoneLog;
  /** The log holds every deletion made by an op numbered above this. */
  floor: number;
  /**
   * The highest op number the log has seen (a deletion or a mark). When it is below the collection's last op, the
   * server stopped before the log caught up (a crash): ops after it may have deleted points it never heard of.
   */
  covered: number;
  /** Retained deletions, in op order. */
  entries: Tombstones[];
}

/**
 * The durable half of the change feed: which points each op deleted, for a bounded window, in one append-only blob
 * per collection (records in the op log's checksummed format, `seq` = the op number). Live points need no such log:
 * their per-point versions, flushed with the segment, say which op last wrote them. A gone point leaves nothing in
 * the segment, so its deletion is written here.
 *
 * Records: `FLOOR` (every deletion above its seq is in the log; written when the log starts or drops its oldest
 * half), `DELETED` (JSON array of keys), `MARK` (empty: the log has seen every op up to its seq). Appends run one at a
 * time in op order; marks are coalesced (one per `markDelayMs` at most), so an op that deletes nothing costs no
 * write of its own. The appends become durable with the storage's next sync, like the op log's.
 *
 * A failed append stops the log (later records would follow a torn one and be unreadable): its coverage stops
 * there, so after a restart older checkpoints get a snapshot rather than a delta that could miss a deletion.
 */
export class TombstoneLog {
  private chain: Promise<void> = Promise.resolve();
  private marked: number;
  private seen: number;
  /** The timer of the next coalesced mark, while one is due. */
  private markTimer: unknown;
  private broken = false;
  private closed = false;
  private keptKeys: number;
  /** Entries at the front of `entries` whose append has completed (the rest are still queued). */
  private written: number;

  private constructor(
    private readonly storage: Storage,
    readonly name: string,
    private floorSeq: number,
    covered: number,
    private readonly entries: Tombstones[],
    private readonly keep: number,
    private readonly markDelayMs: number,
  ) {
    this.marked = covered;
    this.seen = covered;
    this.keptKeys = entries.reduce((n, e) => n + e.keys.length, 0);
    this.written = entries.length;
  }

  /**
   * Reads the log at `name`; a missing or unreadable one starts afresh at `start` (see `create`). The caller checks
   * `covered` against the collection's last op before trusting the history.
   */
  static async open(storage: Storage, name: string, start: number, keep = DEFAULT_KEEP, markDelayMs = DEFAULT_MARK_DELAY_MS): Promise<OpenedTombstones> {
    const bytes = await storage.read(name);
    const { records, validBytes } = parseRecords(bytes ?? new Uint8Array(0));
    const first = records[0];
    if (first === undefined || first.payload[0] !== FLOOR) return TombstoneLog.create(storage, name, start, keep, markDelayMs);
    // A torn tail (a crash mid-append) is cut off, so new records never follow garbage.
    if (validBytes < bytes!.length) await storage.write(name, bytes!.subarray(0, validBytes));
    const entries: Tombstones[] = [];
    let covered = first.seq;
    for (const record of records) {
      if (record.seq > covered) covered = record.seq;
      if (record.payload[0] === DELETED) entries.push({ seq: record.seq, keys: JSON.parse(utf8Decode(record.payload.subarray(1))) as PointKey[] });
    }
    const log = new TombstoneLog(storage, name, first.seq, covered, entries, keep, markDelayMs);
    return { log, floor: first.seq, covered, entries: entries.slice() };
  }

  /**
   * Starts (or restarts) the log at `start`, the collection's last op now: deletions before it are unknown, so
   * checkpoints before it get snapshots. Durable at the storage's next sync.
   */
  static async create(storage: Storage, name: string, start: number, keep = DEFAULT_KEEP, markDelayMs = DEFAULT_MARK_DELAY_MS): Promise<OpenedTombstones> {
    await storage.write(name, encodeRecord(start, new Uint8Array([FLOOR])));
    return { log: new TombstoneLog(storage, name, start, start, [], keep, markDelayMs), floor: start, covered: start, entries: [] };
  }

  get floor(): number {
    return this.floorSeq;
  }

  /** Notes op `seq`: `deleted` are the keys it removed (none for most ops). Call in op order. */
  record(seq: number, deleted: readonly PointKey[]): void {
    if (this.closed || this.broken) return;
    if (seq > this.seen) this.seen = seq;
    if (deleted.length === 0) {
      this.scheduleMark();
      return;
    }
    const entry = { seq, keys: deleted.slice() };
    this.entries.push(entry);
    this.keptKeys += entry.keys.length;
    const body = utf8Encode(JSON.stringify(entry.keys));
    const payload = new Uint8Array(1 + body.length);
    payload[0] = DELETED;
    payload.set(body, 1);
    this.enqueue(async () => {
      await this.storage.append(this.name, encodeRecord(seq, payload));
      this.written++;
      if (seq > this.marked) this.marked = seq;
    });
    if (this.keptKeys > this.keep) this.enqueue(() => this.dropOldest());
  }

  /** Waits for every queued append, writes a last mark, and accepts nothing more (the server is stopping). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.markTimer !== undefined) timers().clearTimeout(this.markTimer);
    this.markTimer = undefined;
    this.enqueueMark();
    await this.chain;
  }

  /**
   * Marks wait `markDelayMs` and cover every op seen by then: a stream of writes costs one small append (and one
   * more file in the storage's sync round) per delay, not per op. A crash inside the delay costs older checkpoints
   * a snapshot, nothing worse.
   */
  private scheduleMark(): void {
    if (this.markTimer !== undefined) return;
    const timer = timers().setTimeout(() => {
      this.markTimer = undefined;
      this.enqueueMark();
    }, this.markDelayMs);
    (timer as { unref?: () => void }).unref?.();
    this.markTimer = timer;
  }

  private enqueueMark(): void {
    this.enqueue(async () => {
      const seq = this.seen;
      if (seq <= this.marked) return;
      await this.storage.append(this.name, encodeRecord(seq, new Uint8Array([MARK])));
      this.marked = seq;
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.broken) return;
      try {
        await step();
      } catch {
        // Coverage stops at the last whole record: a restart then answers older checkpoints with snapshots.
        this.broken = true;
      }
    });
  }

  /** Drops the oldest deletions (about half the kept keys) and rewrites the log from its new floor. */
  private async dropOldest(): Promise<void> {
    if (this.keptKeys <= this.keep) return;
    let dropped = 0;
    let cut = 0;
    // Only appended entries are rewritten: the ones still queued are appended after this rewrite.
    while (cut < this.written - 1 && dropped < this.keptKeys / 2) dropped += this.entries[cut++]!.keys.length;
    if (cut === 0) return;
    const floor = this.entries[cut - 1]!.seq;
    const kept = this.entries.slice(cut, this.written);
    const parts = [encodeRecord(floor, new Uint8Array([FLOOR]))];
    for (const entry of kept) {
      const body = utf8Encode(JSON.stringify(entry.keys));
      const payload = new Uint8Array(1 + body.length);
      payload[0] = DELETED;
      payload.set(body, 1);
      parts.push(encodeRecord(entry.seq, payload));
    }
    if (this.marked > floor) parts.push(encodeRecord(this.marked, new Uint8Array([MARK])));
    let size = 0;
    for (const part of parts) size += part.length;
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    await this.storage.write(this.name, bytes);
    this.entries.splice(0, cut);
    this.written -= cut;
    this.keptKeys -= dropped;
    this.floorSeq = floor;
  }
}
