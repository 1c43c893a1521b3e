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

/**
 * Reads a snapshot answer's body into `partial` from `partial.received` on, reporting progress per chunk. Resolves
 * true once the frame is whole; false when the body ended early (the connection was cut cleanly). Rejects when
 * the stream fails or the server sends more than it announced; in the first case `partial` keeps what arrived.
 */
export async function readSnapshotBody(stream: ByteStreamLike, partial: PartialSnapshot, onProgress: ProgressListener | undefined): Promise<boolean> {
  const reader = stream.getReader();
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
  }
}
