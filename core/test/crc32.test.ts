import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { crc32 } from '../src/wal/crc32.js';

describe('crc32 (slicing by 8)', () => {
  it('matches zlib for any bytes, any alignment of the view, and a continued seed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 300 }), (data, offset, split) => {
        const holder = new Uint8Array(data.length + offset);
        holder.set(data, offset);
        const view = holder.subarray(offset);
        expect(crc32(view)).toBe(zlibCrc32(data));
        const at = Math.min(split, data.length);
        expect(crc32(view.subarray(at), crc32(view.subarray(0, at)))).toBe(zlibCrc32(data));
      }),
      { seed: 3, numRuns: 500 },
    );
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
