import type { Storage } from '../storage.js';
import { utf8Decode, utf8Encode } from '../storage/utf8.js';
import type { ByteStreamLike, ProgressListener } from './http-transport.js';

/**
 * The bytes of one snapshot frame received so far. Kept by the transport when a download breaks off, so the next
 * pull asks the server for the rest (`PullRequest.resume`) instead of the whole frame again.
 *
 * Invariant: `bytes.byteLength === total` and the first `received` bytes are the frame's, in order.
 */
export interface PartialSnapshot {
  /** Which pull this frame answers (collection + filter): a resume is only offered for the same one. */
  key: string;
  /** The server's id of the frame (SNAPSHOT_ID_HEADER). */
  id: string;
  total: number;
  bytes: Uint8Array;
  received: number;
}

/** How many received bytes may be lost with a closed tab: fewer, larger writes to storage above it. */
const SAVE_EVERY_BYTES = 1 << 20;

/**
 * Reads a snapshot answer's body into `partial` from `partial.received` on, reporting progress per chunk. Resolves
 * true once the frame is whole; false when the body ended early (the connection was cut cleanly). Rejects when
 * the stream fails or the server sends more than it announced; in the first case `partial` keeps what arrived.
 * `save` persists what arrived so far (see DownloadStore); it is called about every SAVE_EVERY_BYTES.
 */
export async function readSnapshotBody(
  stream: ByteStreamLike,
  partial: PartialSnapshot,
  onProgress: ProgressListener | undefined,
  save?: () => Promise<void>,
): Promise<boolean> {
  const reader = stream.getReader();
  let unsaved = 0;
  onProgress?.({ received: partial.received, total: partial.total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return partial.received === partial.total;
    if (value === undefined || value.byteLength === 0) continue;
    if (partial.received + value.byteLength > partial.total) {
      await reader.cancel?.().catch(() => undefined);
      throw new Error(`the snapshot frame is longer than the ${partial.total} bytes announced`);
    }
    partial.bytes.set(value, partial.received);
    partial.received += value.byteLength;
    onProgress?.({ received: partial.received, total: partial.total });
    unsaved += value.byteLength;
    if (save !== undefined && unsaved >= SAVE_EVERY_BYTES) {
      unsaved = 0;
      await save();
    }
  }
}

/**
 * Where a transport keeps the bytes of a snapshot download, so a download cut off by a closed tab or a reload
 * resumes from them. Contract: after `begin(p)` and appends of n bytes in order, `load()` returns p's key, id and
 * total with `received === n` (or undefined once cleared).
 */
export interface DownloadStore {
  load(): Promise<PartialSnapshot | undefined>;
  begin(partial: PartialSnapshot): Promise<void>;
  append(bytes: Uint8Array): Promise<void>;
  clear(): Promise<void>;
}

/** A DownloadStore in the engine's Storage (IndexedDB in browsers): a small JSON head plus appended byte records. */
export function storageDownloads(storage: Storage, localName: string): DownloadStore {
  const prefix = `sync/${encodeURIComponent(localName)}/download`;
  const head = `${prefix}.json`;
  const body = `${prefix}.bin`;
  return {
    async load() {
      const raw = await storage.read(head);
      if (raw === undefined) return undefined;
      const meta = JSON.parse(utf8Decode(raw)) as { key: string; id: string; total: number };
      const bytes = (await storage.read(body)) ?? new Uint8Array(0);
      // More bytes than the frame has: a write of an older download survived; nothing here can be trusted.
      if (bytes.byteLength > meta.total) return undefined;
      const frame = new Uint8Array(meta.total);
      frame.set(bytes);
      return { key: meta.key, id: meta.id, total: meta.total, bytes: frame, received: bytes.byteLength };
    },
    async begin(partial) {
      // Head last: a crash in between leaves an older head over no bytes, which resumes from 0 or is refused.
      await storage.delete(body);
      await storage.write(head, utf8Encode(JSON.stringify({ key: partial.key, id: partial.id, total: partial.total })));
    },
    append: (bytes) => storage.append(body, bytes),
    async clear() {
      await storage.delete(head);
      await storage.delete(body);
    },
  };
}
