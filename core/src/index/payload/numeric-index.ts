import { ByteReader, ByteWriter } from './byte-codec.js';

/**
 * (value, id) pairs sorted by value then id, in two parallel typed arrays: the integer, float and datetime
 * indexes (datetimes as microseconds). Serves range filters, equality lookups and `order_by` walks.
 *
 * Invariant: no duplicate (value, id) pair; a point holding the same number twice is stored once.
 */
export class NumericIndex {
  private values = new Float64Array(16);
  private ids = new Uint32Array(16);
  private n = 0;

  get size(): number {
    return this.n;
  }
  valueAt(i: number): number {
    return this.values[i]!;
  }
  idAt(i: number): number {
    return this.ids[i]!;
  }

  /** First position whose pair is >= (value, id). */
  private bound(value: number, id: number): number {
    let lo = 0, hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.values[mid]!;
      if (v < value || (v === value && this.ids[mid]! < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(value: number, id: number): void {
    const at = this.bound(value, id);
    if (at < this.n && this.values[at] === value && this.ids[at] === id) return;
    if (this.n === this.values.length) {
      const v = new Float64Array(this.n * 2), d = new Uint32Array(this.n * 2);
      v.set(this.values);
      d.set(this.ids);
      this.values = v;
      this.ids = d;
    }
    this.values.copyWithin(at + 1, at, this.n);
    this.ids.copyWithin(at + 1, at, this.n);
    this.values[at] = value;
    this.ids[at] = id;
    this.n++;
  }

  remove(value: number, id: number): void {
    const at = this.bound(value, id);
    if (at >= this.n || this.values[at] !== value || this.ids[at] !== id) return;
    this.values.copyWithin(at, at + 1, this.n);
    this.ids.copyWithin(at, at + 1, this.n);
    this.n--;
  }

  /** Positions [start, end) of the values inside the bounds (an undefined bound is open). */
  range(gt?: number, gte?: number, lt?: number, lte?: number): [number, number] {
    let start = 0, end = this.n;
    if (gte !== undefined) start = Math.max(start, this.bound(gte, 0));
    if (gt !== undefined) start = Math.max(start, this.bound(gt, 0x1_0000_0000));
    if (lte !== undefined) end = Math.min(end, this.bound(lte, 0x1_0000_0000));
    if (lt !== undefined) end = Math.min(end, this.bound(lt, 0));
    return [start, Math.max(start, end)];
  }

  /** A zero-copy view of the ids at positions [start, end); valid until the next insert or remove. */
  idsView(start: number, end: number): Uint32Array {
    return this.ids.subarray(start, end);
  }

  /** Ids at positions [start, end), unsorted and possibly repeated. */
  idsIn(start: number, end: number): Uint32Array {
    return this.ids.slice(start, end);
  }

  encode(w: ByteWriter): void {
    w.f64s(this.values, this.n);
    w.u32s(this.ids, this.n);
  }

  static decode(r: ByteReader): NumericIndex {
    const index = new NumericIndex();
    const values = r.f64s();
    const ids = r.u32s();
    index.n = values.length;
    index.values = new Float64Array(Math.max(16, values.length));
    index.values.set(values);
    index.ids = new Uint32Array(Math.max(16, ids.length));
    index.ids.set(ids);
    return index;
  }
}
