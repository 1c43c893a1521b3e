import { describe, expect, it } from 'vitest';
import { MemoryStorage, TombstoneLog } from '../src/index.js';

const NAME = 'collections/c/sync-tombstones';

describe('TombstoneLog', () => {
  it('reopens with its deletions, floor and coverage; marks advance coverage without a record per op', async () => {
    const storage = new MemoryStorage();
    const { log } = await TombstoneLog.open(storage, NAME, 4);
    log.record(5, [1, 'a1b2c3d4-0000-4000-8000-000000000000']);
    for (let seq = 6; seq <= 40; seq++) log.record(seq, []);
    log.record(41, [7]);
    await log.close();
    const size = (await storage.read(NAME))!.length;
    const again = await TombstoneLog.open(storage, NAME, 99);
    expect(again.floor).toBe(4);
    expect(again.covered).toBe(41);
    expect(again.entries).toEqual([{ seq: 5, keys: [1, 'a1b2c3d4-0000-4000-8000-000000000000'] }, { seq: 41, keys: [7] }]);
    // Thirty-five ops that deleted nothing cost at most a few marks (coalesced), not one record each.
    expect(size).toBeLessThan(3 * 17 + 2 * 60);
  });

  it('drops the oldest half past its bound and raises the floor, on disk too', async () => {
    const storage = new MemoryStorage();
    const { log } = await TombstoneLog.open(storage, NAME, -1, 10);
    for (let seq = 0; seq < 30; seq++) log.record(seq, [seq]);
    await log.close();
    const again = await TombstoneLog.open(storage, NAME, 99, 10);
    expect(again.entries.length).toBeLessThanOrEqual(10);
    expect(again.entries.length).toBeGreaterThan(0);
    // Every deletion above the floor is still there, in order.
    const kept = again.entries.map((e) => e.seq);
    expect(kept).toEqual(Array.from({ length: 29 - again.floor }, (_, i) => again.floor + 1 + i));
    expect(again.covered).toBe(29);
  });

  it('cuts a torn tail and reports coverage up to the last whole record', async () => {
    const storage = new MemoryStorage();
    const { log } = await TombstoneLog.open(storage, NAME, 0);
    log.record(1, [1]);
    log.record(2, [2]);
    await log.close();
    const bytes = (await storage.read(NAME))!;
    await storage.write(NAME, bytes.subarray(0, bytes.length - 3));
    const again = await TombstoneLog.open(storage, NAME, 99);
    expect(again.covered).toBe(1);
    expect(again.entries).toEqual([{ seq: 1, keys: [1] }]);
    again.log.record(3, [3]);
    await again.log.close();
    expect((await TombstoneLog.open(storage, NAME, 99)).entries.map((e) => e.seq)).toEqual([1, 3]);
  });

  it('marks coverage after a short delay without being closed (what a crash leaves)', async () => {
    const storage = new MemoryStorage();
    const { log } = await TombstoneLog.open(storage, NAME, 0, 100, 20);
    for (let seq = 1; seq <= 50; seq++) log.record(seq, []);
    expect((await TombstoneLog.open(storage, NAME, 99)).covered).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect((await TombstoneLog.open(storage, NAME, 99)).covered).toBe(50);
    // One mark for the fifty ops: the floor record and one more.
    expect((await storage.read(NAME))!.length).toBe(2 * 17);
  });

  it('starts afresh at the given op when there is no log', async () => {
    const opened = await TombstoneLog.open(new MemoryStorage(), NAME, 17);
    expect(opened).toMatchObject({ floor: 17, covered: 17, entries: [] });
  });
});
