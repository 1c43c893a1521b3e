import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdTracker, comparePointKeys, parsePointId } from '../src/segment/id-tracker.js';

describe('parsePointId', () => {
  it('accepts every UUID spelling Qdrant accepts and answers canonical lowercase hyphenated', () => {
    const canonical = '550e8400-e29b-41d4-a716-446655440000';
    for (const form of [canonical, canonical.toUpperCase(), '550e8400e29b41d4a716446655440000', `{${canonical}}`, `urn:uuid:${canonical}`]) {
      expect(parsePointId(form)).toBe(canonical);
    }
    expect(parsePointId(0)).toBe(0);
    expect(parsePointId(2 ** 53 - 1)).toBe(2 ** 53 - 1);
  });

  it('rejects negatives, fractions, and strings that are not UUIDs with a 400', () => {
    for (const bad of [-1, 1.5, 'abc', '550e8400-e29b-41d4-a716-44665544000', null, {}, '1']) {
      expect(() => parsePointId(bad)).toThrowError(expect.objectContaining({ status: 400, code: 'bad_point_id' }));
    }
  });

  it('orders integers before UUIDs', () => {
    expect([ 'ffffffff-0000-0000-0000-000000000000', 10, 2, '00000000-0000-0000-0000-000000000001'].sort(comparePointKeys)).toEqual([
      2, 10, '00000000-0000-0000-0000-000000000001', 'ffffffff-0000-0000-0000-000000000000',
    ]);
  });
});

describe('IdTracker', () => {
  it('hands out dense ids, never reuses them, and round-trips through encode/decode', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.nat(1000), fc.uuid().map((u) => u.toLowerCase()))), { maxLength: 200 }),
        (steps) => {
          const t = new IdTracker();
          let seq = 0;
          for (const [insert, key] of steps) {
            seq++;
            const old = t.internalOf(key);
            if (old !== undefined) t.remove(old, seq);
            if (insert) expect(t.allocate(key, seq)).toBe(t.capacity - 1);
          }
          const back = IdTracker.decode(t.encode());
          expect(back.capacity).toBe(t.capacity);
          expect(back.liveCount).toBe(t.liveCount);
          for (let id = 0; id < t.capacity; id++) {
            expect(back.isLive(id)).toBe(t.isLive(id));
            expect(back.externalOf(id)).toBe(t.externalOf(id));
            expect(back.version(id)).toBe(t.version(id));
          }
          expect(Array.from(back.sortedLive())).toEqual(Array.from(t.sortedLive()));
        },
      ),
      { seed: 3, numRuns: 100 },
    );
  });
});
