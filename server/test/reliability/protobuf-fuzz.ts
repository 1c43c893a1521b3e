import type { DescField, DescMessage } from '@bufbuild/protobuf';
import { hostileValue, Rng } from './hostile-values.js';

/**
 * Protobuf requests written straight to the wire from a message descriptor: plausible ones (so the handlers run)
 * and broken ones a library encoder would never produce (wrong wire types, unknown enum numbers, invalid UTF-8 in
 * strings, lengths past the end, 1,000-level nesting). `names` supplies the collection names to aim at.
 */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

// @bufbuild/protobuf's ScalarType numbers (descriptor.proto's field types).
const WIRE_OF_SCALAR: Record<number, number> = {
  1: FIXED64, 2: FIXED32, 3: VARINT, 4: VARINT, 5: VARINT, 6: FIXED64, 7: FIXED32, 8: VARINT, 9: LEN, 12: LEN,
  13: VARINT, 15: FIXED32, 16: FIXED64, 17: VARINT, 18: VARINT,
};

class Writer {
  readonly parts: Buffer[] = [];
  varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.parts.push(Buffer.from(bytes));
  }
  tag(number: number, wire: number): void {
    this.varint(BigInt((number << 3) | wire));
  }
  bytes(data: Buffer): void {
    this.varint(BigInt(data.length));
    this.parts.push(data);
  }
  raw(data: Buffer): void {
    this.parts.push(data);
  }
  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface Aim {
  names: readonly string[];
  /** Probability of each kind of damage per field. */
  hostility: number;
  /** Fields never written, as `Message.field` (known bugs waiting for their fix; see the suite). */
  skip?: ReadonlySet<string>;
  /** Keep varints below 2^53 (see the suite: settings that cannot be read back past that). */
  safeIntegers?: boolean;
}

export function encodeRandom(rng: Rng, desc: DescMessage, aim: Aim, depth = 0): Buffer {
  const out = new Writer();
  for (const field of desc.fields) {
    if (aim.skip?.has(`${desc.typeName}.${field.name}`)) continue;
    if (field.oneof !== undefined && rng.chance(0.6)) continue;
    if (depth > 5 || !rng.chance(depth === 0 ? 0.85 : 0.5)) continue;
    const repeats = field.fieldKind === 'list' || field.fieldKind === 'map' ? rng.int(4) : 1;
    for (let i = 0; i < repeats; i++) writeField(rng, out, field, aim, depth);
  }
  if (rng.chance(aim.hostility)) damage(rng, out);
  return out.finish();
}

function writeField(rng: Rng, out: Writer, field: DescField, aim: Aim, depth: number): void {
  if (rng.chance(aim.hostility)) {
    // The wrong wire type for the field, or a length that runs past the message.
    out.tag(field.number, rng.pick([VARINT, FIXED64, LEN, FIXED32, 3, 7]));
    if (rng.chance(0.5)) out.varint(BigInt(rng.int(1 << 30)));
    return;
  }
  switch (field.fieldKind) {
    case 'scalar':
    case 'list':
      if (field.fieldKind === 'list' && field.listKind === 'message') return message(rng, out, field.number, field.message, aim, depth);
      if (field.fieldKind === 'list' && field.listKind === 'enum') return enumValue(rng, out, field.number);
      return scalar(rng, out, field.number, field.scalar as number, field.name, aim);
    case 'enum':
      return enumValue(rng, out, field.number);
    case 'message':
      return message(rng, out, field.number, field.message, aim, depth);
    case 'map': {
      const entry = new Writer();
      scalar(rng, entry, 1, field.mapKey as number, 'key', aim);
      if (field.mapKind === 'message') message(rng, entry, 2, field.message, aim, depth);
      else if (field.mapKind === 'enum') enumValue(rng, entry, 2);
      else scalar(rng, entry, 2, field.scalar as number, 'value', aim);
      out.tag(field.number, LEN);
      out.bytes(entry.finish());
      return;
    }
  }
}

function message(rng: Rng, out: Writer, number: number, desc: DescMessage, aim: Aim, depth: number): void {
  out.tag(number, LEN);
  out.bytes(encodeRandom(rng, desc, aim, depth + 1));
}

function enumValue(rng: Rng, out: Writer, number: number): void {
  out.tag(number, VARINT);
  out.varint(BigInt(rng.pick([0, 1, 2, 3, 7, 99, -1, 2 ** 31 - 1])));
}

function scalar(rng: Rng, out: Writer, number: number, type: number, name: string, aim: Aim): void {
  const wire = WIRE_OF_SCALAR[type] ?? VARINT;
  out.tag(number, wire);
  if (wire === VARINT) {
    const big = aim.safeIntegers ? [2n ** 31n, 2n ** 32n - 1n] : [-1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
    out.varint(rng.pick([0n, 1n, 3n, 10n, 100n, ...big, BigInt(rng.int(1000))]));
  } else if (wire === FIXED64) {
    const b = Buffer.alloc(8);
    if (type === 1) b.writeDoubleLE(rng.pick([0.5, -1, 1e300, Number.NaN, Number.POSITIVE_INFINITY, 3]));
    else b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(rng.int(2 ** 31))));
    out.raw(b);
  } else if (wire === FIXED32) {
    const b = Buffer.alloc(4);
    if (type === 2) b.writeFloatLE(rng.pick([0.25, -0.5, 1, Number.NaN, Number.POSITIVE_INFINITY, 3.4e38]));
    else b.writeUInt32LE(rng.int(2 ** 31));
    out.raw(b);
  } else if (type === 9) {
    let text: string;
    if (/collection/.test(name)) text = rng.pick(aim.names);
    else if (rng.chance(0.7)) text = rng.pick(['n', 'tag', 'a', 'dense', '6ba7b810-9dad-11d1-80b4-000000000001']);
    else {
      const value = hostileValue(rng);
      text = typeof value === 'string' ? value : JSON.stringify(value);
    }
    const bytes = Buffer.from(text.slice(0, 5000), 'utf8');
    out.bytes(rng.chance(aim.hostility) ? Buffer.concat([bytes, Buffer.from([0xff, 0xfe])]) : bytes);
  } else {
    out.bytes(Buffer.from(Array.from({ length: rng.int(64) }, () => rng.int(256))));
  }
}

/** Corrupts the encoded message at the end: a truncated field, a giant length, a group tag, stray bytes. */
function damage(rng: Rng, out: Writer): void {
  switch (rng.int(4)) {
    case 0:
      out.tag(rng.int(40) + 1, LEN);
      out.varint(2n ** 31n);
      return;
    case 1:
      out.raw(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
      return;
    case 2:
      out.tag(rng.int(40) + 1, 3);
      return;
    default:
      out.raw(Buffer.from(Array.from({ length: rng.int(20) + 1 }, () => rng.int(256))));
  }
}

/** `levels` messages nested through fields `numbers` in turn (length-delimited) around `leaf`: a recursion bomb. */
export function nested(levels: number, numbers: readonly number[], leaf: Buffer): Buffer {
  let inner = leaf;
  for (let i = 0; i < levels; i++) {
    const w = new Writer();
    w.tag(numbers[i % numbers.length]!, LEN);
    w.bytes(inner);
    inner = w.finish();
  }
  return inner;
}

/** One length-delimited field: to wrap a nested payload into a request. */
export function lengthField(number: number, data: Buffer, prefix: Buffer = Buffer.alloc(0)): Buffer {
  const w = new Writer();
  w.raw(prefix);
  w.tag(number, LEN);
  w.bytes(data);
  return w.finish();
}
