import type { PointKey } from '../segment/id-tracker.js';

/**
 * Which points each recent operation wrote, in operation order: `(seq, key)` entries, appended as ops are applied.
 * The feed reads a point's current state from the segment, so the journal needs no values, only which keys to look
 * at; that keeps it small (a key and a float per written point) and makes a delta cost what changed, not the size
 * of the collection.
 *
 * Invariant: every op with a number above `floor` has all its entries here. Trimming drops whole ops from the front
 * and raises `floor`; a checkpoint below `floor` can no longer be served as changes and gets a snapshot instead.
 */
export class ChangeJournal {
  private seqs = new Float64Array(1024);
  private keys: PointKey[] = [];
  /** Index of the first retained entry; entries before it are garbage, reclaimed when the array is rebuilt. */
  private head = 0;

  constructor(
    /** Op number the journal starts after (the collection's last op when the feed attached). */
    private floorSeq: number,
    /** Entries kept before trimming: bounds memory at about 24 bytes per entry plus the keys. */
    private readonly retain = 200_000,
  ) {}

  /**
   * A journal of existing entries (`seqs` ascending, one key each) after op `floor`, as rebuilt from durable state
   * when a server restarts (see `journalFromState`).
   */
  static of(floor: number, seqs: Float64Array, keys: PointKey[], retain?: number): ChangeJournal {
    const journal = new ChangeJournal(floor, retain);
    journal.seqs = new Float64Array(Math.max(1024, keys.length * 2));
    journal.seqs.set(seqs.subarray(0, keys.length));
    journal.keys = keys;
    if (journal.length > journal.retain) journal.trim();
    return journal;
  }

  get floor(): number {
    return this.floorSeq;
  }

  get length(): number {
    return this.keys.length - this.head;
  }

  record(seq: number, keys: readonly PointKey[]): void {
    for (const key of keys) {
      const at = this.keys.length;
      if (at >= this.seqs.length) {
        const next = new Float64Array(this.seqs.length * 2);
        next.set(this.seqs);
        this.seqs = next;
      }
      this.seqs[at] = seq;
      this.keys.push(key);
    }
    if (this.length > this.retain) this.trim();
  }

  /** Position of the first entry after op `seq` (binary search); `end()` when there is none. */
  after(seq: number): number {
    let lo = this.head;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  end(): number {
    return this.keys.length;
  }

  seqAt(i: number): number {
    return this.seqs[i]!;
  }

  keyAt(i: number): PointKey {
    return this.keys[i]!;
  }

  /** Drops the oldest half, ending on an op boundary, and rebuilds the arrays when the garbage outweighs the rest. */
  private trim(): void {
    let cut = this.head + (this.length >>> 1);
    const lastDropped = this.seqs[cut - 1]!;
    while (cut < this.keys.length && this.seqs[cut] === lastDropped) cut++;
    this.floorSeq = lastDropped;
    this.head = cut;
    if (this.head > this.keys.length - this.head) {
      const n = this.keys.length - this.head;
      const seqs = new Float64Array(Math.max(1024, n * 2));
      seqs.set(this.seqs.subarray(this.head, this.keys.length));
      this.seqs = seqs;
      this.keys = this.keys.slice(this.head);
      this.head = 0;
    }
  }
}
