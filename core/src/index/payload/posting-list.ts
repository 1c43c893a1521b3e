/**
 * A sorted, duplicate-free list of internal ids in a growable `Uint32Array`: the value side of every map-like
 * field index (keyword, uuid, bool, text tokens). Insert and remove are binary search + `copyWithin`, so an update
 * costs O(list length) memory moves, which stays cheap for the list sizes one value sees; reads are zero-copy views.
 */
export class PostingList {
  private ids: Uint32Array;
  private n = 0;

  constructor(initial?: Uint32Array) {
    this.ids = initial ? initial.slice() : new Uint32Array(4);
    this.n = initial ? initial.length : 0;
  }

  get length(): number {
    return this.n;
  }

  /** A view of the ids, ascending; valid until the next insert or remove. */
  view(): Uint32Array {
    return this.ids.subarray(0, this.n);
  }

  insert(id: number): void {
    const at = lowerBound(this.ids, this.n, id);
    if (at < this.n && this.ids[at] === id) return;
    if (this.n === this.ids.length) {
      const next = new Uint32Array(this.ids.length * 2);
      next.set(this.ids);
      this.ids = next;
    }
    this.ids.copyWithin(at + 1, at, this.n);
    this.ids[at] = id;
    this.n++;
  }

  remove(id: number): void {
    const at = lowerBound(this.ids, this.n, id);
    if (at >= this.n || this.ids[at] !== id) return;
    this.ids.copyWithin(at, at + 1, this.n);
    this.n--;
  }

  has(id: number): boolean {
    const at = lowerBound(this.ids, this.n, id);
    return at < this.n && this.ids[at] === id;
  }
}

export function lowerBound(a: ArrayLike<number>, n: number, x: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Ids in both sorted lists. */
export function intersectSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length > b.length) [a, b] = [b, a];
  const out = new Uint32Array(a.length);
  let n = 0, j = 0;
  for (let i = 0; i < a.length && j < b.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j < b.length && b[j] === x) out[n++] = x;
  }
  return out.slice(0, n);
}

/** Ids in any of the sorted lists, sorted and without duplicates. */
export function unionSorted(lists: Uint32Array[]): Uint32Array {
  if (lists.length === 0) return new Uint32Array(0);
  if (lists.length === 1) return lists[0]!.slice();
  let total = 0;
  for (const l of lists) total += l.length;
  const all = new Uint32Array(total);
  let at = 0;
  for (const l of lists) all.set(l, (at += l.length) - l.length);
  return sortUnique(all, total);
}

/** Sorts `a[0..n)` in place and drops duplicates; returns a fresh array. */
export function sortUnique(a: Uint32Array, n = a.length): Uint32Array {
  const s = a.subarray(0, n).sort();
  let w = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[w - 1]) s[w++] = s[i]!;
  return s.slice(0, w);
}
