import { SextantError } from '../client/errors.js';

/** A point's external id after normalization: an unsigned safe integer, or a UUID in canonical lowercase hyphenated form. */
export type PointKey = number | string;

const HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SIMPLE = /^[0-9a-f]{32}$/;

/**
 * Normalizes an external id as Qdrant does: unsigned integers stay numbers; a UUID may come hyphenated, simple (32 hex
 * digits), braced (`{...}`) or as a URN (`urn:uuid:...`), in any case, and always leaves as canonical lowercase
 * hyphenated text. Anything else is a 400.
 */
export function parsePointId(value: unknown): PointKey {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
  } else if (typeof value === 'string') {
    let text = value.trim().toLowerCase();
    if (text.startsWith('urn:uuid:')) text = text.slice(9);
    else if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1);
    if (HYPHENATED.test(text)) return text;
    if (SIMPLE.test(text)) {
      return `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
    }
  }
  throw new SextantError(
    'bad_point_id',
    `Format error in JSON body: value ${JSON.stringify(value)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
}

/** Qdrant's order of point ids: every integer before every UUID; UUIDs by their 128-bit value (= canonical text order). */
export function comparePointKeys(a: PointKey, b: PointKey): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * External id <-> dense internal id (0, 1, 2, ... as uint32), the per-point `version` (sequence number of the last
 * operation that wrote the point) and the live bit.
 *
 * Invariants: an internal id is handed out once and never reused before compaction, so every per-point storage can
 * index by it; a removed id stays allocated with live = 0 and keeps its version; at most one live internal id maps
 * to each external id.
 */
export class IdTracker {
  private byExternal = new Map<PointKey, number>();
  private externals: PointKey[] = [];
  private versions = new Float64Array(64);
  private live = new Uint8Array(64);
  private liveTotal = 0;
  /** Live ids sorted by external id; dropped on every change and rebuilt on demand (scroll pages read it). */
  private sorted: Uint32Array | undefined;

  /** One past the largest internal id ever handed out: the size per-point storages must cover. */
  get capacity(): number {
    return this.externals.length;
  }

  get liveCount(): number {
    return this.liveTotal;
  }

  internalOf(key: PointKey): number | undefined {
    return this.byExternal.get(key);
  }

  externalOf(id: number): PointKey {
    return this.externals[id]!;
  }

  isLive(id: number): boolean {
    return id < this.externals.length && this.live[id] === 1;
  }

  version(id: number): number {
    return this.versions[id]!;
  }

  setVersion(id: number, seq: number): void {
    this.versions[id] = seq;
  }

  /** A fresh internal id for `key`, live, at version `seq`. The caller has removed any live id of the same key. */
  allocate(key: PointKey, seq: number): number {
    const id = this.externals.length;
    if (id >= this.live.length) this.grow(id * 2);
    this.externals.push(key);
    this.byExternal.set(key, id);
    this.live[id] = 1;
    this.versions[id] = seq;
    this.liveTotal++;
    this.sorted = undefined;
    return id;
  }

  remove(id: number, seq: number): void {
    if (!this.isLive(id)) return;
    this.live[id] = 0;
    this.versions[id] = seq;
    this.liveTotal--;
    if (this.byExternal.get(this.externals[id]!) === id) this.byExternal.delete(this.externals[id]!);
    this.sorted = undefined;
  }

  /** Live internal ids in Qdrant's external-id order (integers ascending, then UUIDs). */
  sortedLive(): Uint32Array {
    if (this.sorted !== undefined) return this.sorted;
    const ids = new Uint32Array(this.liveTotal);
    let n = 0;
    for (let id = 0; id < this.externals.length; id++) if (this.live[id] === 1) ids[n++] = id;
    const ext = this.externals;
    ids.sort((a, b) => comparePointKeys(ext[a]!, ext[b]!));
    this.sorted = ids;
    return ids;
  }

  private grow(to: number): void {
    const versions = new Float64Array(to);
    versions.set(this.versions);
    this.versions = versions;
    const live = new Uint8Array(to);
    live.set(this.live);
    this.live = live;
  }

  /**
   * Layout: `u32 n | live: u8[n] | kind: u8[n] (0 integer, 1 uuid) | pad to 8 | versions: f64[n] | ints: f64[n] |
   * uuids: 16 bytes per uuid-kind id, in id order`.
   */
  encode(): Uint8Array {
    const n = this.externals.length;
    let uuidCount = 0;
    for (const key of this.externals) if (typeof key === 'string') uuidCount++;
    const head = align8(4 + 2 * n);
    const out = new Uint8Array(head + 16 * n + 16 * uuidCount);
    const view = new DataView(out.buffer);
    view.setUint32(0, n, true);
    out.set(this.live.subarray(0, n), 4);
    let u = head + 16 * n;
    for (let id = 0; id < n; id++) {
      const key = this.externals[id]!;
      view.setFloat64(head + 8 * id, this.versions[id]!, true);
      if (typeof key === 'number') {
        view.setFloat64(head + 8 * n + 8 * id, key, true);
      } else {
        out[4 + n + id] = 1;
        const hex = key.replaceAll('-', '');
        for (let b = 0; b < 16; b++) out[u + b] = parseInt(hex.slice(2 * b, 2 * b + 2), 16);
        u += 16;
      }
    }
    return out;
  }

  static decode(bytes: Uint8Array): IdTracker {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getUint32(0, true);
    const head = align8(4 + 2 * n);
    const tracker = new IdTracker();
    tracker.grow(Math.max(64, n));
    let u = head + 16 * n;
    for (let id = 0; id < n; id++) {
      let key: PointKey;
      if (bytes[4 + n + id] === 0) {
        key = view.getFloat64(head + 8 * n + 8 * id, true);
      } else {
        let hex = '';
        for (let b = 0; b < 16; b++) hex += bytes[u + b]!.toString(16).padStart(2, '0');
        key = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
        u += 16;
      }
      tracker.externals.push(key);
      tracker.versions[id] = view.getFloat64(head + 8 * id, true);
      if (bytes[4 + id] === 1) {
        tracker.live[id] = 1;
        tracker.liveTotal++;
        tracker.byExternal.set(key, id);
      }
    }
    return tracker;
  }
}

const align8 = (n: number) => (n + 7) & ~7;
