import { ByteReader, ByteWriter } from './byte-codec.js';
import { PostingList } from './posting-list.js';

/**
 * Value -> sorted id list: the keyword, uuid and bool indexes, and the token lists of the full-text index. Keys are
 * strings (bools as `'true'` / `'false'`, uuids in canonical lowercase form).
 */
export class MapIndex {
  readonly postings = new Map<string, PostingList>();
  /** Keys in code-unit order for prefix scans; rebuilt lazily after the key set changes. */
  private sorted: string[] | undefined;

  insert(key: string, id: number): void {
    let list = this.postings.get(key);
    if (!list) {
      list = new PostingList();
      this.postings.set(key, list);
      this.sorted = undefined;
    }
    list.insert(id);
  }

  remove(key: string, id: number): void {
    const list = this.postings.get(key);
    if (!list) return;
    list.remove(id);
    if (list.length === 0) {
      this.postings.delete(key);
      this.sorted = undefined;
    }
  }

  get(key: string): Uint32Array {
    return this.postings.get(key)?.view() ?? EMPTY;
  }

  /** Posting lists of every key starting with `prefix`. */
  withPrefix(prefix: string): Uint32Array[] {
    const keys = (this.sorted ??= [...this.postings.keys()].sort());
    const out: Uint32Array[] = [];
    let lo = 0, hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++) out.push(this.get(keys[i]!));
    return out;
  }

  encode(w: ByteWriter): void {
    w.u32(this.postings.size);
    for (const [key, list] of this.postings) {
      w.string(key);
      w.u32s(list.view());
    }
  }

  static decode(r: ByteReader): MapIndex {
    const index = new MapIndex();
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const key = r.string();
      index.postings.set(key, new PostingList(r.u32s()));
    }
    return index;
  }
}

const EMPTY = new Uint32Array(0);
