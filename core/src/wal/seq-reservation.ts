import type { Storage } from '../storage.js';
import { crc32 } from './crc32.js';

/**
 * The highest operation number a collection may have acknowledged without making the op durable (`wait=false`).
 *
 * A `wait=false` write is answered with its number before the log record is synced, so a crash can lose the record
 * after the client saw the number. Were numbering to restart from the last durable op, that number would be given to
 * another operation. Before answering a number above the reservation the collection raises it by a range and syncs
 * it (one small write per `RESERVED_OPS` unsynced writes); reopening after a crash numbers new ops above it.
 *
 * Layout (little endian): `f64 highest | u32 crc32(first 8 bytes)`. Written atomically (`Storage.write`).
 */
export const RESERVED_OPS = 1024;

export function seqReservationName(prefix: string): string {
  return `${prefix}seq`;
}

export async function writeSeqReservation(storage: Storage, name: string, highest: number): Promise<void> {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setFloat64(0, highest, true);
  view.setUint32(8, crc32(out.subarray(0, 8)), true);
  await storage.write(name, out);
}

/** The stored reservation; -1 when there is none; undefined when the blob fails its checksum. */
export async function readSeqReservation(storage: Storage, name: string): Promise<number | undefined> {
  const bytes = await storage.read(name);
  if (bytes === undefined) return -1;
  if (bytes.length !== 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (crc32(bytes.subarray(0, 8)) !== view.getUint32(8, true)) return undefined;
  return view.getFloat64(0, true);
}
