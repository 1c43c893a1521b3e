/**
 * Encoded snapshot frames, kept briefly so that an interrupted first download can continue where it stopped
 * (`PullRequest.resume`) instead of starting over. A frame is the collection as of one checkpoint (epoch + seq)
 * under one filter: while the collection has not changed, a new pull is answered from here too (no re-encoding).
 *
 * A resumed frame may be older than the collection by then; that is sound, because the client next pulls the
 * changes since the frame's checkpoint (or, past the retained journal, gets a fresh snapshot).
 */
export interface CachedSnapshot {
  /** Opaque to clients; unique per cached frame, so a resume never mixes bytes of two frames. */
  id: string;
  frame: Uint8Array;
}

interface Entry extends CachedSnapshot {
  key: string;
  expires: number;
}

export interface SnapshotCacheOptions {
  /** How long a frame stays resumable after it was last served (ms). */
  ttlMs?: number;
  /** Bound on the bytes held; the least recently served frames go first. */
  maxBytes?: number;
  now?: () => number;
}

export class SnapshotCache {
  /** Insertion order = least recently served first (an entry served again is moved to the end). */
  private readonly byId = new Map<string, Entry>();
  private readonly byKey = new Map<string, string>();
  private bytes = 0;
  private counter = 0;
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(options: SnapshotCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 120_000;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /** The cached frame of `id`, if it is still held. */
  resume(id: string): CachedSnapshot | undefined {
    this.expire();
    return this.touch(this.byId.get(id));
  }

  /** The frame of `key` (collection + checkpoint + filter), encoding and caching it on a miss. */
  get(key: string, encode: () => Uint8Array): CachedSnapshot {
    this.expire();
    const id = this.byKey.get(key);
    const hit = this.touch(id === undefined ? undefined : this.byId.get(id));
    if (hit !== undefined) return hit;
    const entry: Entry = { key, id: `${++this.counter}.${this.now().toString(36)}`, frame: encode(), expires: this.now() + this.ttlMs };
    // A frame larger than the whole budget is served but not kept.
    if (entry.frame.byteLength > this.maxBytes) return entry;
    this.byId.set(entry.id, entry);
    this.byKey.set(key, entry.id);
    this.bytes += entry.frame.byteLength;
    while (this.bytes > this.maxBytes) this.drop(this.byId.values().next().value!);
    return entry;
  }

  clear(): void {
    this.byId.clear();
    this.byKey.clear();
    this.bytes = 0;
  }

  private touch(entry: Entry | undefined): Entry | undefined {
    if (entry === undefined) return undefined;
    entry.expires = this.now() + this.ttlMs;
    this.byId.delete(entry.id);
    this.byId.set(entry.id, entry);
    return entry;
  }

  private expire(): void {
    const now = this.now();
    for (const entry of [...this.byId.values()]) if (entry.expires <= now) this.drop(entry);
  }

  private drop(entry: Entry): void {
    this.byId.delete(entry.id);
    if (this.byKey.get(entry.key) === entry.id) this.byKey.delete(entry.key);
    this.bytes -= entry.frame.byteLength;
  }
}
