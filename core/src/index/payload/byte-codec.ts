import { SextantError } from '../../client/errors.js';

/**
 * A tiny little-endian byte writer/reader for payload storage and payload indexes. Core has no `TextEncoder` in
 * its type environment (no DOM, no Node types), so UTF-8 is done here by hand; it is only used on encode/decode,
 * never on a query path.
 */
export class ByteWriter {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private at = 0;

  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.at++] = v;
  }
  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  string(s: string): void {
    this.bytes(utf8Encode(s));
  }
  u32s(a: ArrayLike<number>, length = a.length): void {
    this.u32(length);
    this.ensure(length * 4);
    for (let i = 0; i < length; i++) {
      this.view.setUint32(this.at, a[i]!, true);
      this.at += 4;
    }
  }
  f64s(a: ArrayLike<number>, length = a.length): void {
    this.u32(length);
    this.ensure(length * 8);
    for (let i = 0; i < length; i++) {
      this.view.setFloat64(this.at, a[i]!, true);
      this.at += 8;
    }
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private at = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.at + n > this.buf.length) {
      throw new SextantError('storage_corrupted', 'Payload data is truncated: it ends before its declared content');
    }
  }
  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  string(): string {
    return utf8Decode(this.bytes());
  }
  u32s(): Uint32Array {
    const n = this.u32();
    this.need(n * 4);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getUint32(this.at + i * 4, true);
    this.at += n * 4;
    return out;
  }
  f64s(): Float64Array {
    const n = this.u32();
    this.need(n * 8);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getFloat64(this.at + i * 8, true);
    this.at += n * 8;
    return out;
  }
  get done(): boolean {
    return this.at >= this.buf.length;
  }
}

export function utf8Encode(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

export function utf8Decode(b: Uint8Array): string {
  let out = '';
  let chunk: number[] = [];
  for (let i = 0; i < b.length; ) {
    const x = b[i]!;
    let c: number;
    if (x < 0x80) c = x, i += 1;
    else if (x < 0xe0) c = ((x & 31) << 6) | (b[i + 1]! & 63), i += 2;
    else if (x < 0xf0) c = ((x & 15) << 12) | ((b[i + 1]! & 63) << 6) | (b[i + 2]! & 63), i += 3;
    else c = ((x & 7) << 18) | ((b[i + 1]! & 63) << 12) | ((b[i + 2]! & 63) << 6) | (b[i + 3]! & 63), i += 4;
    chunk.push(c);
    if (chunk.length >= 4096) {
      out += String.fromCodePoint(...chunk);
      chunk = [];
    }
  }
  return out + String.fromCodePoint(...chunk);
}
