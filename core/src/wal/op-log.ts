import type { Storage } from '../storage.js';
import { crc32 } from './crc32.js';

/** Bytes before a record's body: u32 body length, u32 CRC-32 of the body. */
const HEADER = 8;
/** The body starts with the operation's sequence number as a float64 (exact for every integer below 2^53). */
const SEQ_BYTES = 8;

export interface LogRecord {
  seq: number;
  payload: Uint8Array;
}

/**
 * The write-ahead op log of one collection: one storage blob that only grows, until a flush has made every record in
 * it redundant and `truncate` empties it.
 *
 * Record layout (little endian): `u32 length | u32 crc32(body) | body`, body = `f64 seq | payload`. A crash can leave
 * the last record short or half written; `open` keeps the longest prefix of whole records with good checksums and
 * rewrites the blob to that prefix, so later appends never follow garbage. Records after a bad one are dropped too:
 * they were never acknowledged as durable, because durability is acknowledged in append order.
 */
export class OpLog {
  /** Set when an append failed midway: the blob may end in part of a record (see `append`). */
  private torn = false;

  private constructor(
    private readonly storage: Storage,
    readonly name: string,
    private size: number,
  ) {}

  /** Opens (or starts) the log at `name` and returns the records that survived, in append order. */
  static async open(storage: Storage, name: string): Promise<{ log: OpLog; records: LogRecord[]; dropped: number }> {
    const bytes = (await storage.read(name)) ?? new Uint8Array(0);
    const { records, validBytes } = parseRecords(bytes);
    const dropped = bytes.length - validBytes;
    if (dropped > 0) await storage.write(name, bytes.subarray(0, validBytes));
    return { log: new OpLog(storage, name, validBytes), records, dropped };
  }

  /** Bytes currently in the log; the collection flushes once this passes its threshold. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Appends one record. Durable once the storage is synced (the caller decides when, per `wait`).
   *
   * A failed append (a full disk) may have left part of the record behind. Records appended after those bytes would
   * be unreadable at the next open, which stops at the first bad record, so the next append first cuts the blob back
   * to its last whole record; if that fails too (still full), the append fails and nothing is acknowledged.
   */
  async append(seq: number, payload: Uint8Array): Promise<void> {
    const record = encodeRecord(seq, payload);
    if (this.torn) {
      const bytes = (await this.storage.read(this.name)) ?? new Uint8Array(0);
      await this.storage.write(this.name, bytes.subarray(0, this.size));
      this.torn = false;
    }
    try {
      await this.storage.append(this.name, record);
    } catch (error) {
      this.torn = true;
      throw error;
    }
    this.size += record.length;
  }

  /** Empties the log. Only after the segment holding every logged op has been written and synced. */
  async truncate(): Promise<void> {
    await this.storage.write(this.name, new Uint8Array(0));
    this.size = 0;
    this.torn = false;
  }
}

export function encodeRecord(seq: number, payload: Uint8Array): Uint8Array {
  const bodyLength = SEQ_BYTES + payload.length;
  const out = new Uint8Array(HEADER + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, bodyLength, true);
  view.setFloat64(HEADER, seq, true);
  out.set(payload, HEADER + SEQ_BYTES);
  view.setUint32(4, crc32(out.subarray(HEADER)), true);
  return out;
}

/** Whole, checksummed records from the start of `bytes`; stops at the first short or corrupt one. */
export function parseRecords(bytes: Uint8Array): { records: LogRecord[]; validBytes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: LogRecord[] = [];
  let at = 0;
  while (at + HEADER <= bytes.length) {
    const bodyLength = view.getUint32(at, true);
    if (bodyLength < SEQ_BYTES || at + HEADER + bodyLength > bytes.length) break;
    const body = bytes.subarray(at + HEADER, at + HEADER + bodyLength);
    if (crc32(body) !== view.getUint32(at + 4, true)) break;
    records.push({ seq: view.getFloat64(at + HEADER, true), payload: body.slice(SEQ_BYTES) });
    at += HEADER + bodyLength;
  }
  return { records, validBytes: at };
}
