import { describe, expect, it } from 'vitest';
import { float32Decimal, float32Json } from '../src/query/float32-json.js';
import { seededRandom } from '../src/index.js';

// A float32 prints as the shortest decimal that reads back as the same float32 (what Qdrant's serde/ryu prints),
// checked against a search over every digit count.
function shortestBySearch(x: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  throw new Error(`no decimal of 9 digits reads back as ${x}`);
}

describe('float32 values in JSON', () => {
  it('prints written decimals back as written, and the exact value stays in the array', () => {
    const stored = Float32Array.from([0.15, 0.31, -0.76, 1e-7, 123456.7, 3, 0, -2.5]);
    const out = float32Json(stored);
    expect(out[0]).toBe(Math.fround(0.15));
    expect(JSON.stringify(out)).toBe('[0.15,0.31,-0.76,1e-7,123456.7,3,0,-2.5]');
    expect(JSON.stringify({ v: [float32Json(Float32Array.from([1.1]))] })).toBe('{"v":[[1.1]]}');
  });

  it('matches the shortest round-trip decimal on random and on short-decimal float32s', () => {
    const random = seededRandom(7);
    for (let i = 0; i < 20000; i++) {
      const x = i % 2 === 0
        ? Math.fround((random() - 0.5) * 10 ** (random() * 76 - 38))
        : Math.fround(Number((random() * 10 ** (random() * 8 - 4)).toPrecision(1 + Math.floor(random() * 7))));
      const printed = float32Decimal(x);
      expect(Math.fround(printed)).toBe(x);
      expect(printed).toBe(shortestBySearch(x));
    }
    // the ends of the float32 range: largest, smallest normal, smallest subnormal
    for (const x of [3.4028234663852886e38, 1.1754943508222875e-38, 1.401298464324817e-45, -0.1, 16777217, 99999.99]) {
      const f = Math.fround(x);
      expect(float32Decimal(f)).toBe(shortestBySearch(f));
    }
  });
});
