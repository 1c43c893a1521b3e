import type { DescMessage } from '@bufbuild/protobuf';

/**
 * The wire bytes of a point-list reply (QueryResponse, SearchResponse, their Recommend / Discover kin, the batch
 * replies of BatchResults, and Get's GetResponse) written straight from the handler's init shape, for points that
 * carry an id, a payload, a score and a version (no vectors, order value or shard key). `create` + `toBinary` cost
 * ~35 µs for ten plain points (a message object per point, id and payload value, then a reflective walk); this ~4.
 *
 * The bytes are exactly protobuf-es's (server/test/grpc-point-reply-encoding.test.ts checks them against `toBinary` on
 * random replies): fields in number order, map entries in `Object.keys` order with key and value always written,
 * implicit-presence scalars skipped at zero (`Object.is(x, 0)` for floats, so -0 is written), oneof cases always
 * written, floats rounded to float32 little-endian, negative int64 as ten-byte varints. Anything else (vectors, an
 * order value, usage, a float32 overflow `toBinary` would refuse) returns undefined and the caller encodes the
 * usual way.
 */
export type PointReplyEncoder = (init: unknown, time: number) => Buffer | undefined;

type PointKind = 'scored' | 'retrieved';

interface PointInit {
  id?: { pointIdOptions?: { case?: string; value?: unknown } };
  payload?: Record<string, ValueInit>;
  score?: number;
  version?: bigint;
  vectors?: unknown;
  shardKey?: unknown;
  orderValue?: unknown;
}

interface ValueInit {
  kind?: { case?: string; value?: unknown };
}

/** The encoder for `schema` when it has a point-list reply's shape (checked on its descriptor), else undefined. */
export function pointReplyEncoder(schema: DescMessage): PointReplyEncoder | undefined {
  const fields = schema.fields.map((f) => `${f.number}:${f.localName}:${f.fieldKind}:${f.fieldKind === 'list' && f.listKind === 'message' ? f.message.typeName : ''}`);
  const shape = (result: string) => [`1:result:list:${result}`, '2:time:scalar:', '3:usage:message:'];
  if (sameList(fields, shape('qdrant.ScoredPoint'))) return (init, time) => encodeReply(init, time, 'scored', false);
  if (sameList(fields, shape('qdrant.BatchResult'))) return (init, time) => encodeReply(init, time, 'scored', true);
  if (sameList(fields, shape('qdrant.RetrievedPoint'))) return (init, time) => encodeReply(init, time, 'retrieved', false);
  return undefined;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Thrown inside a write when the reply is not one this encoder writes; caught once per reply. */
const DECLINE = new Error('not a plain point reply');

function encodeReply(init: unknown, time: number, kind: PointKind, batched: boolean): Buffer | undefined {
  const reply = init as { result?: unknown[]; time?: number; usage?: unknown };
  if (reply.usage !== undefined || !Array.isArray(reply.result)) return undefined;
  const t = reply.time === undefined || reply.time === 0 ? time : reply.time;
  const w = scratch;
  w.pos = 0;
  try {
    for (const group of reply.result) {
      if (batched) {
        const points = (group as { result?: unknown }).result;
        if (!Array.isArray(points)) return undefined;
        w.byte(0x0a);
        const start = w.fork();
        for (const point of points) writePoint(w, point as PointInit, kind);
        w.join(start);
      } else writePoint(w, group as PointInit, kind);
    }
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
  if (!Object.is(t, 0)) {
    w.byte(0x11);
    w.double(t);
  }
  // A copy: the scratch is reused by the next reply while this one may still be gzipped.
  return Buffer.from(w.buf.subarray(0, w.pos));
}

function writePoint(w: Writer, point: PointInit, kind: PointKind): void {
  if (point.vectors !== undefined || point.orderValue !== undefined || point.shardKey !== undefined) throw DECLINE;
  w.byte(0x0a);
  const start = w.fork();
  if (point.id !== undefined) {
    w.byte(0x0a);
    const id = w.fork();
    const options = point.id.pointIdOptions;
    if (options?.case === 'num') {
      w.byte(0x08);
      w.uint64(options.value);
    } else if (options?.case === 'uuid' && typeof options.value === 'string') {
      w.byte(0x12);
      w.string(options.value);
    } else if (options?.case !== undefined) throw DECLINE;
    w.join(id);
  }
  if (point.payload !== undefined) writeFields(w, point.payload, 0x12);
  if (kind === 'scored') {
    const score = point.score ?? 0;
    if (typeof score !== 'number') throw DECLINE;
    if (!Object.is(score, 0)) {
      if (Number.isFinite(score) && !Number.isFinite(Math.fround(score))) throw DECLINE;
      w.byte(0x1d);
      w.float(score);
    }
    const version = point.version ?? 0n;
    if (version !== 0n) {
      w.byte(0x28);
      w.uint64(version);
    }
  } else if (point.score !== undefined || point.version !== undefined) throw DECLINE;
  w.join(start);
}

/** A map<string, Value> under `tag`: one entry per key, key (field 1) and value (field 2) always written. */
function writeFields(w: Writer, fields: Record<string, ValueInit>, tag: number): void {
  for (const key of Object.keys(fields)) {
    w.byte(tag);
    const entry = w.fork();
    w.byte(0x0a);
    w.string(key);
    w.byte(0x12);
    const value = w.fork();
    writeValue(w, fields[key]!);
    w.join(value);
    w.join(entry);
  }
}

/** json_with_int.proto's Value: its oneof case, always written, zero or not. */
function writeValue(w: Writer, value: ValueInit): void {
  const kind = value.kind;
  switch (kind?.case) {
    case undefined:
      return;
    case 'nullValue':
      if (typeof kind.value !== 'number') throw DECLINE;
      w.byte(0x08);
      w.int32(kind.value);
      return;
    case 'doubleValue':
      if (typeof kind.value !== 'number') throw DECLINE;
      w.byte(0x11);
      w.double(kind.value);
      return;
    case 'integerValue':
      w.byte(0x18);
      w.int64(kind.value);
      return;
    case 'stringValue':
      if (typeof kind.value !== 'string') throw DECLINE;
      w.byte(0x22);
      w.string(kind.value);
      return;
    case 'boolValue':
      if (typeof kind.value !== 'boolean') throw DECLINE;
      w.byte(0x28);
      w.byte(kind.value ? 1 : 0);
      return;
    case 'structValue': {
      w.byte(0x32);
      const start = w.fork();
      const fields = (kind.value as { fields?: Record<string, ValueInit> } | undefined)?.fields;
      if (fields !== undefined) writeFields(w, fields, 0x0a);
      w.join(start);
      return;
    }
    case 'listValue': {
      w.byte(0x3a);
      const start = w.fork();
      const values = (kind.value as { values?: ValueInit[] } | undefined)?.values;
      if (values !== undefined) {
        for (const item of values) {
          w.byte(0x0a);
          const one = w.fork();
          writeValue(w, item);
          w.join(one);
        }
      }
      w.join(start);
      return;
    }
    default:
      throw DECLINE;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A growable byte buffer. A length-delimited field reserves five bytes for its length (`fork`), writes its body,
 * then writes the length's varint and slides the body back over the unused reserve (`join`): one pass, no sizing
 * walk, and the moves are a few bytes per nesting level.
 */
class Writer {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  fork(): number {
    this.ensure(5);
    const start = this.pos;
    this.pos += 5;
    return start;
  }

  join(start: number): void {
    const length = this.pos - start - 5;
    const after = this.varintAt(start, length);
    const buf = this.buf;
    // Short bodies move in a JS loop: cheaper than copyWithin's call into C++ for a few dozen bytes.
    if (length <= 64) for (let i = 0; i < length; i++) buf[after + i] = buf[start + 5 + i]!;
    else buf.copyWithin(after, start + 5, this.pos);
    this.pos -= start + 5 - after;
  }

  /** A non-negative safe integer as a varint at `at`; returns the end. */
  private varintAt(at: number, value: number): number {
    while (value >= 128) {
      this.buf[at++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[at++] = value;
    return at;
  }

  private bigVarint(value: bigint): void {
    this.ensure(10);
    while (value >= 128n) {
      this.buf[this.pos++] = Number(value & 127n) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  uint64(value: unknown): void {
    if (typeof value !== 'bigint' || value < 0n || value > UINT64_MAX) throw DECLINE;
    if (value <= MAX_SAFE) {
      this.ensure(8);
      this.pos = this.varintAt(this.pos, Number(value));
    } else this.bigVarint(value);
  }

  /** Two's complement for negatives: ten bytes, as protobuf writes int64. */
  int64(value: unknown): void {
    if (typeof value !== 'bigint' || value < -(2n ** 63n) || value >= 2n ** 63n) throw DECLINE;
    if (value >= 0n) this.uint64(value);
    else this.bigVarint(BigInt.asUintN(64, value));
  }

  int32(value: number): void {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw DECLINE;
    if (value >= 0) {
      this.ensure(5);
      this.pos = this.varintAt(this.pos, value);
    } else this.bigVarint(BigInt.asUintN(64, BigInt(value)));
  }

  string(text: string): void {
    // Short ASCII (keys, most payload strings) is copied char by char; anything else through Buffer's UTF-8.
    const n = text.length;
    if (n < 128) {
      this.ensure(1 + n);
      const buf = this.buf;
      const at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = at + n;
        return;
      }
    }
    const length = Buffer.byteLength(text, 'utf8');
    this.ensure(5 + length);
    this.pos = this.varintAt(this.pos, length);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  float(value: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }
}

const scratch = new Writer();
