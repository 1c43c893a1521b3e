import { describe, expect, it } from 'vitest';
import type { Payload } from '../src/client/sextant-client.js';
import { PayloadStorage } from '../src/segment/payload-storage.js';

function after(initial: Payload, change: (s: PayloadStorage) => void): Payload | undefined {
  const s = new PayloadStorage();
  s.set(0, initial);
  change(s);
  return s.get(0);
}

describe('set_payload (merge)', () => {
  it('replaces top-level keys and keeps the others', () => {
    expect(after({ a: 1, b: { c: 2 } }, (s) => s.merge(0, { b: { d: 3 }, e: 4 }))).toEqual({ a: 1, b: { d: 3 }, e: 4 });
  });
  it('null removes a key', () => {
    expect(after({ a: 1, b: 2 }, (s) => s.merge(0, { a: null }))).toEqual({ b: 2 });
  });
  it('starts from an empty payload', () => {
    const s = new PayloadStorage();
    s.merge(3, { x: 1 });
    expect(s.get(3)).toEqual({ x: 1 });
  });
  it('with a key merges into the object at that path, creating it', () => {
    expect(after({ a: { b: { keep: 1 } } }, (s) => s.merge(0, { c: 2 }, 'a.b'))).toEqual({ a: { b: { keep: 1, c: 2 } } });
    expect(after({}, (s) => s.merge(0, { c: 2 }, 'x.y'))).toEqual({ x: { y: { c: 2 } } });
    expect(after({ a: 5 }, (s) => s.merge(0, { c: 2 }, 'a'))).toEqual({ a: { c: 2 } });
  });
  it('with array keys: [n] sets inside one element, [] inside each, [n] on a non-array makes []', () => {
    expect(after({ a: [{ x: 1 }, { x: 2 }] }, (s) => s.merge(0, { y: 0 }, 'a[1]'))).toEqual({ a: [{ x: 1 }, { x: 2, y: 0 }] });
    expect(after({ a: [{ x: 1 }, { x: 2 }] }, (s) => s.merge(0, { y: 0 }, 'a[]'))).toEqual({ a: [{ x: 1, y: 0 }, { x: 2, y: 0 }] });
    expect(after({ a: [{ x: 1 }] }, (s) => s.merge(0, { y: 0 }, 'a[5]'))).toEqual({ a: [{ x: 1 }] });
    expect(after({ a: 'text' }, (s) => s.merge(0, { y: 0 }, 'a[0]'))).toEqual({ a: [] });
  });
  it('never mutates the object a caller obtained before the write', () => {
    const s = new PayloadStorage();
    s.set(0, { a: { b: 1 } });
    const before = s.get(0);
    s.merge(0, { c: 1 }, 'a');
    s.deleteKeys(0, ['a.b']);
    expect(before).toEqual({ a: { b: 1 } });
    expect(s.get(0)).toEqual({ a: { c: 1 } });
  });
  it('copies the caller payload in', () => {
    const s = new PayloadStorage();
    const p = { a: [1] };
    s.set(0, p);
    p.a.push(2);
    expect(s.get(0)).toEqual({ a: [1] });
  });
});

describe('delete_payload', () => {
  const p: Payload = { a: { b: 1, c: 2 }, arr: [{ x: 1, y: 1 }, { x: 2 }], list: [1, 2], top: 0 };
  it.each([
    [['top'], { a: { b: 1, c: 2 }, arr: [{ x: 1, y: 1 }, { x: 2 }], list: [1, 2] }],
    [['a.b'], { a: { c: 2 }, arr: [{ x: 1, y: 1 }, { x: 2 }], list: [1, 2], top: 0 }],
    [['arr[].x'], { a: { b: 1, c: 2 }, arr: [{ y: 1 }, {}], list: [1, 2], top: 0 }],
    [['arr[0].y'], { a: { b: 1, c: 2 }, arr: [{ x: 1 }, { x: 2 }], list: [1, 2], top: 0 }],
    [['list[0]'], p],
    [['list[]'], { a: { b: 1, c: 2 }, arr: [{ x: 1, y: 1 }, { x: 2 }], list: [], top: 0 }],
    [['missing', 'a.missing.deeper'], p],
  ])('%j', (keys, want) => {
    expect(after(p, (s) => s.deleteKeys(0, keys))).toEqual(want);
  });
});

describe('clear, delete, encode', () => {
  it('clear and delete drop the payload', () => {
    const s = new PayloadStorage();
    s.set(0, { a: 1 });
    s.set(1, { b: 1 });
    s.clear(0);
    s.delete(1);
    expect(s.get(0)).toBeUndefined();
    expect(s.get(1)).toBeUndefined();
  });
  it('round trips through bytes, unicode and nesting included', () => {
    const s = new PayloadStorage();
    s.set(0, { name: 'Zürich 🚀 東京', nested: { a: [1, 2.5, null, true, { z: 'x' }] } });
    s.set(5, { n: -0.125 });
    const t = PayloadStorage.decode(s.encode());
    expect(t.get(0)).toEqual(s.get(0));
    expect(t.get(5)).toEqual(s.get(5));
    expect(t.get(1)).toBeUndefined();
    expect([...t.ids()]).toEqual([0, 5]);
  });
  it('rejects truncated bytes', () => {
    const s = new PayloadStorage();
    s.set(0, { a: 'long enough value' });
    const bytes = s.encode();
    expect(() => PayloadStorage.decode(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
  });
});
