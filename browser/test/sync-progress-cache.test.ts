import { describe, expect, it } from 'vitest';
import { SnapshotCache } from '../../server/src/sync/snapshot-cache.js';

// The server's cache of encoded snapshot frames that makes a first download resumable (see sync-routes.ts).
describe('snapshot frame cache', () => {
  const frame = (n: number, fill: number) => new Uint8Array(n).fill(fill);

  it('encodes once per key, resumes by id, and forgets a frame unserved for longer than its ttl', () => {
    let now = 1_000;
    const cache = new SnapshotCache({ ttlMs: 100, now: () => now });
    let encodes = 0;
    const a = cache.get('a', () => (encodes++, frame(10, 1)));
    expect(cache.get('a', () => (encodes++, frame(10, 2)))).toBe(a);
    expect(encodes).toBe(1);
    now += 90;
    expect(cache.resume(a.id)?.frame[0]).toBe(1); // serving it again restarts its ttl
    now += 90;
    expect(cache.resume(a.id)).toBeDefined();
    now += 101;
    expect(cache.resume(a.id)).toBeUndefined();
    const again = cache.get('a', () => (encodes++, frame(10, 3)));
    expect(again.id).not.toBe(a.id);
    expect(encodes).toBe(2);
  });

  it('stays within its byte budget by dropping the least recently served frames, and never keeps one larger than it', () => {
    const cache = new SnapshotCache({ maxBytes: 25 });
    const a = cache.get('a', () => frame(10, 1));
    const b = cache.get('b', () => frame(10, 2));
    cache.resume(a.id); // a is now more recent than b
    const c = cache.get('c', () => frame(10, 3));
    expect(cache.resume(b.id)).toBeUndefined();
    expect(cache.resume(a.id)).toBeDefined();
    expect(cache.resume(c.id)).toBeDefined();
    const huge = cache.get('huge', () => frame(30, 4));
    expect(huge.frame.byteLength).toBe(30);
    expect(cache.resume(huge.id)).toBeUndefined();
    expect(cache.resume(a.id)).toBeDefined();
  });
});
