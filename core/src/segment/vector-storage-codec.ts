/**
 * A minimal little-endian byte writer/reader shared by the vector storages and the HNSW graph. Typed-array
 * payloads are padded to 4 bytes so a reader can copy them out with one `slice` (no per-element loop).
 * The formats built on it start with a magic word and a version so that a wrong or stale blob fails loudly.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    this.reserve(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  f64(v: number): this {
    this.reserve(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** Raw bytes of a typed array (platform order; every supported engine is little-endian), padded to 4. */
  array(a: Float32Array | Uint32Array | Uint8Array | Int8Array): this {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const padded = (bytes.length + 3) & ~3;
    this.reserve(4 + padded);
    this.u32(a.length);
    this.buf.set(bytes, this.pos);
    this.buf.fill(0, this.pos + bytes.length, this.pos + padded);
    this.pos += padded;
    return this;
  }

  /** Raw bytes of a typed array without a length (the reader knows it), padded to 4. */
  raw(a: Uint32Array | Int8Array | Uint8Array): this {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const padded = (bytes.length + 3) & ~3;
    this.reserve(padded);
    this.buf.set(bytes, this.pos);
    this.buf.fill(0, this.pos + bytes.length, this.pos + padded);
    this.pos += padded;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class ByteReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  private raw(byteLength: number): ArrayBuffer {
    if (this.pos + byteLength > this.bytes.length) throw new Error('truncated vector storage bytes');
    const start = this.bytes.byteOffset + this.pos;
    // slice copies, so the result is aligned and owns its memory whatever the source buffer's offset was.
    const out = this.bytes.buffer.slice(start, start + byteLength) as ArrayBuffer;
    this.pos += (byteLength + 3) & ~3;
    return out;
  }

  /** `byteLength` bytes written by `ByteWriter.raw`, in a buffer of their own. */
  rawBytes(byteLength: number): ArrayBuffer {
    return this.raw(byteLength);
  }

  f32Array(): Float32Array {
    const n = this.u32();
    return new Float32Array(this.raw(n * 4));
  }

  u32Array(): Uint32Array {
    const n = this.u32();
    return new Uint32Array(this.raw(n * 4));
  }

  u8Array(): Uint8Array {
    const n = this.u32();
    return new Uint8Array(this.raw(n));
  }

  int8Array(): Int8Array {
    const n = this.u32();
    return new Int8Array(this.raw(n));
  }

  expectMagic(magic: number, version: number, what: string): void {
    const m = this.u32();
    const v = this.u32();
    if (m !== magic) throw new Error(`not a ${what} blob`);
    if (v !== version) throw new Error(`unsupported ${what} version ${v}`);
  }
}
