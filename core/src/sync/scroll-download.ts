import { decodeOperation, encodeOperation, type PointWrite } from '../collection/operations.js';
import type { Storage } from '../storage.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';
import { encodeRecord, parseRecords } from '../wal/op-log.js';

/**
 * How far a first copy by `scroll` (Qdrant-routes mode) got: the scroll's next offset and the points read before
 * it, page by page. Invariant: `pages` holds exactly the pages read before `offset`, in order.
 */
export interface ScrollPartial {
  /** Which copy this is (collection, filter, version field, vector config): a resume continues only the same one. */
  key: string;
  /** Qdrant's `next_page_offset` to continue from. */
  offset: unknown;
  /** Highest version stamp among the stored points when the copy was last interrupted (see the transport). */
  resumedAt: number;
  pages: PointWrite[][];
}

/**
 * Where a Qdrant-routes transport keeps a first copy in progress, so that one broken off (a lost connection, a
 * closed tab, a restart) continues from its last scroll offset instead of from the start. Contract: after
 * `begin(key)` and `page(...)` calls, `load()` returns the key and every page passed, in order, with the offset and
 * `resumedAt` of the last call (or undefined once cleared, or when what is stored cannot be trusted).
 */
export interface ScrollDownloadStore {
  load(): Promise<ScrollPartial | undefined>;
  begin(key: string): Promise<void>;
  /** One more page read; `offset` is where the scroll goes on after it. Durable when it resolves. */
  page(points: PointWrite[], offset: unknown, resumedAt: number): Promise<void>;
  clear(): Promise<void>;
}

/**
 * A ScrollDownloadStore in the engine's Storage (files in Node, IndexedDB in browsers): pages as checksummed
 * records (the op log's format, vectors packed as float32) in one appended blob, and a small JSON head that names
 * the key, the offset and how many pages it covers. A page is synced before the head that counts it is written, so
 * a crash leaves the head behind the pages (extra pages are dropped), never ahead of them.
 */
export function storageScrollDownloads(storage: Storage, localName: string): ScrollDownloadStore {
  const prefix = `sync/${encodeURIComponent(localName)}/scroll`;
  const head = `${prefix}.json`;
  const body = `${prefix}.bin`;
  let key = '';
  let pages = 0;
  return {
    async load() {
      const raw = await storage.read(head);
      if (raw === undefined) return undefined;
      const meta = JSON.parse(utf8Decode(raw)) as { key: string; offset: unknown; resumedAt: number; pages: number };
      const { records } = parseRecords((await storage.read(body)) ?? new Uint8Array(0));
      // A page whose save failed midway is saved again under the same number: the last record of each number wins.
      const bySeq = new Map<number, (typeof records)[number]>();
      for (const record of records) bySeq.set(record.seq, record);
      const kept: (typeof records)[number][] = [];
      const out: PointWrite[][] = [];
      for (let i = 0; i < meta.pages; i++) {
        const record = bySeq.get(i);
        if (record === undefined) return undefined;
        const op = decodeOperation(record.payload);
        if (op.type !== 'upsert') return undefined;
        kept.push(record);
        out.push(op.points);
      }
      if (records.length !== meta.pages) {
        // Pages stored without their head (a crash between the two) or saved twice: the body is rewritten to the
        // counted ones, so the next page follows them.
        const encoded = kept.map((r) => encodeRecord(r.seq, r.payload));
        const bytes = new Uint8Array(encoded.reduce((n, r) => n + r.length, 0));
        let at = 0;
        for (const r of encoded) {
          bytes.set(r, at);
          at += r.length;
        }
        await storage.write(body, bytes);
      }
      key = meta.key;
      pages = meta.pages;
      return { key: meta.key, offset: meta.offset, resumedAt: meta.resumedAt, pages: out };
    },
    async begin(next) {
      await storage.delete(head);
      await storage.delete(body);
      key = next;
      pages = 0;
    },
    async page(points, offset, resumedAt) {
      await storage.append(body, encodeRecord(pages, encodeOperation({ type: 'upsert', points })));
      await storage.sync();
      pages++;
      await storage.write(head, utf8Encode(JSON.stringify({ key, offset, resumedAt, pages })));
    },
    async clear() {
      await storage.delete(head);
      await storage.delete(body);
      key = '';
      pages = 0;
    },
  };
}
