import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { shortestFloat32 } from '../src/query/selectors.js';

// Returned vectors print as Qdrant prints float32: the shortest decimal that reads back as the same float32.
describe('shortestFloat32', () => {
  /** The oracle: the fewest significant digits (1 to 9) whose decimal rounds to x as a float32. */
  const oracleDigits = (x: number) => {
    for (let p = 1; p <= 9; p++) if (Math.fround(Number(x.toPrecision(p))) === x) return p;
    return 9;
  };
  const digits = (y: number) => y.toExponential().split('e')[0]!.replace(/[-.]/g, '').replace(/0+$/, '').length || 1;

  it('reads back as the same float32 and is never longer than the shortest decimal', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (raw) => {
        const x = Math.fround(raw);
        const y = shortestFloat32(x);
        expect(Math.fround(y)).toBe(x);
        if (!Number.isSafeInteger(x)) expect(digits(y)).toBeLessThanOrEqual(oracleDigits(x));
      }),
      { seed: 7, numRuns: 20_000 },
    );
  });

  it('gives back what a client wrote', () => {
    for (const v of [0.1, 0.8, 0.3, 0.05, 0.61, 4.358899, -0.96139747, 1e-30, 123.456]) expect(shortestFloat32(Math.fround(v))).toBe(v);
    expect(shortestFloat32(Math.fround(0.0999755859375))).toBe(0.099975586);
  });
});
