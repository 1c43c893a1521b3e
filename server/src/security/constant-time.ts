import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Compares a presented secret with an expected one in time that depends on neither: both are hashed with a key
 * drawn once per process, and the fixed-size digests are compared with `timingSafeEqual`. Comparing the strings
 * themselves would leak the expected key's length (timingSafeEqual needs equal lengths) and a plain `===` leaks
 * the length of the matching prefix, which lets a key be guessed byte by byte.
 */
let pepper: Buffer | undefined;

export function constantTimeEqual(presented: string, expected: string): boolean {
  pepper ??= randomBytes(32);
  const a = createHmac('sha256', pepper).update(presented, 'utf8').digest();
  const b = createHmac('sha256', pepper).update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
