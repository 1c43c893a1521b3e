import { describe, expect, it } from 'vitest';
import { OpLog, encodeRecord, parseRecords } from '../src/wal/op-log.js';
import { decodeSegment, encodeSegment } from '../src/segment/segment-format.js';
import { MemoryStorage } from '../src/storage/memory-storage.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('op log', () => {
  it('reads back what was appended, in order', async () => {
    const storage = new MemoryStorage();
    const { log } = await OpLog.open(storage, 'wal');
    await log.append(1, bytes(1, 2, 3));
    await log.append(2, bytes());
    await log.append(3, bytes(9));
    const { records, dropped } = await OpLog.open(storage, 'wal');
    expect(dropped).toBe(0);
    expect(records).toEqual([
      { seq: 1, payload: bytes(1, 2, 3) },
      { seq: 2, payload: bytes() },
      { seq: 3, payload: bytes(9) },
    ]);
  });

  it('cuts every possible torn tail back to the last whole record, and rewrites the blob', async () => {
    const whole = [encodeRecord(1, bytes(1, 1)), encodeRecord(2, bytes(2, 2, 2))];
    const all = new Uint8Array(whole[0]!.length + whole[1]!.length);
    all.set(whole[0]!, 0);
    all.set(whole[1]!, whole[0]!.length);
    for (let cut = whole[0]!.length; cut < all.length; cut++) {
      const storage = new MemoryStorage();
      await storage.write('wal', all.subarray(0, cut));
      const { records, dropped } = await OpLog.open(storage, 'wal');
      expect(records.map((r) => r.seq)).toEqual([1]);
      expect(dropped).toBe(cut - whole[0]!.length);
      expect(storage.size('wal')).toBe(whole[0]!.length);
    }
    expect(parseRecords(all).records).toHaveLength(2);
  });
});

describe('segment format', () => {
  it('round-trips sections and the last sequence number', () => {
    const sections = new Map([
      ['ids', bytes(1, 2)],
      ['vectors/caf%C3%A9', bytes()],
      ['hnsw/', bytes(7, 7, 7)],
    ]);
    const back = decodeSegment(encodeSegment({ lastSeq: 12345, sections }));
    expect(back.lastSeq).toBe(12345);
    expect([...back.sections]).toEqual([...sections]);
  });

  it('names the section whose checksum fails, and refuses truncated blobs', () => {
    const blob = encodeSegment({ lastSeq: 1, sections: new Map([['a', bytes(1)], ['b', bytes(2, 3)]]) });
    const rotten = blob.slice();
    rotten[rotten.length - 1] ^= 1;
    expect(() => decodeSegment(rotten)).toThrowError(/section b fails its checksum/);
    expect(() => decodeSegment(blob.subarray(0, blob.length - 1))).toThrowError(/truncated/);
    expect(() => decodeSegment(bytes(1, 2, 3))).toThrowError(expect.objectContaining({ code: 'storage_corrupted' }));
  });
});
