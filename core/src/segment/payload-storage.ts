import type { Payload } from '../client/sextant-client.js';
import { ByteReader, ByteWriter } from '../index/payload/byte-codec.js';
import { isObject, mergeMap, parseJsonPath, removeAtPath, setAtPath, structuredCloneJson } from './json-path.js';

/**
 * Payloads by internal id. A payload is a plain JSON object kept as is (payloads are read whole by the filter and
 * the response mapper; field indexes hold the typed-array views for the hot paths).
 *
 * Invariants: a stored payload is never shared with the caller (writes copy in, `get` returns the stored object
 * which callers must treat as read-only) and is never mutated in place (writes replace it), so an object obtained
 * from `get` before a write stays a faithful `before` for the payload indexes. `undefined` means "no payload",
 * which Qdrant reports as `{}`.
 */
export class PayloadStorage {
  private readonly byId: (Payload | undefined)[] = [];

  get(id: number): Payload | undefined {
    return this.byId[id];
  }

  /** overwrite_payload: replaces the whole payload. */
  set(id: number, payload: Payload): void {
    this.byId[id] = structuredCloneJson(payload);
  }

  /**
   * set_payload: merges the top-level keys of `payload` into the stored one (a `null` value removes its key). With
   * `key`, the merge happens at that path, creating the objects along it (see `setAtPath` for arrays).
   */
  merge(id: number, payload: Payload, key?: string): void {
    // Copy on write: callers keep the previous object as `before` for the payload indexes.
    const current: Record<string, unknown> = structuredCloneJson(this.byId[id] ?? {});
    if (key === undefined || key === null) mergeMap(current, payload);
    else setAtPath(current, parseJsonPath(key), payload);
    this.byId[id] = current as Payload;
  }

  /** delete_payload: removes each key path (`a.b`, `a[].b`, `a[]` empties the array). */
  deleteKeys(id: number, keys: string[]): void {
    const stored = this.byId[id];
    if (!stored) return;
    const current = structuredCloneJson(stored) as Record<string, unknown>;
    for (const key of keys) removeAtPath(current, parseJsonPath(key));
    this.byId[id] = current as Payload;
  }

  /** clear_payload: the point keeps existing, with an empty payload. */
  clear(id: number): void {
    this.byId[id] = undefined;
  }

  /** The point is gone; its id may be reused after compaction. */
  delete(id: number): void {
    this.byId[id] = undefined;
  }

  /** Internal ids that hold a non-empty payload, ascending. */
  *ids(): IterableIterator<number> {
    for (let id = 0; id < this.byId.length; id++) if (this.byId[id] !== undefined) yield id;
  }

  /** Layout: `u32 count`, then per payload `u32 id | u32 length | utf-8 JSON`. */
  encode(): Uint8Array {
    const w = new ByteWriter();
    let count = 0;
    for (const p of this.byId) if (p !== undefined) count++;
    w.u32(count);
    for (let id = 0; id < this.byId.length; id++) {
      const p = this.byId[id];
      if (p === undefined) continue;
      w.u32(id);
      w.string(JSON.stringify(p));
    }
    return w.finish();
  }

  static decode(bytes: Uint8Array): PayloadStorage {
    const r = new ByteReader(bytes);
    const storage = new PayloadStorage();
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const id = r.u32();
      const value: unknown = JSON.parse(r.string());
      if (isObject(value)) storage.byId[id] = value as Payload;
    }
    return storage;
  }
}
