import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Operation, encodeOperation } from '../src/collection/operations.js';
import { decodeLoggedOp, encodeLoggedOp } from '../src/wal/op-codec.js';

const num = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 });
const vectors = fc.dictionary(
  fc.constantFrom('', 'a', 'b b', 'ü'),
  fc.oneof(
    fc.array(num, { maxLength: 16 }),
    fc.integer({ min: 1, max: 4 }).chain((dim) => fc.array(fc.array(num, { minLength: dim, maxLength: dim }), { minLength: 1, maxLength: 4 })),
    fc.integer({ min: 0, max: 4 }).chain((n) =>
      fc.record({ indices: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: n, maxLength: n }), values: fc.array(num, { minLength: n, maxLength: n }) }),
    ),
  ),
);
const id = fc.oneof(fc.nat(), fc.uuid());
const payload = fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: null });
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ type: fc.constant('upsert' as const), points: fc.array(fc.record({ id, vectors, payload }), { maxLength: 5 }) }),
  fc.record({ type: fc.constant('update_vectors' as const), points: fc.array(fc.record({ id, vectors }), { maxLength: 5 }) }),
  fc.record({ type: fc.constant('delete_points' as const), ids: fc.array(id) }),
  fc.record({ type: fc.constant('set_payload' as const), ids: fc.array(id), payload: fc.dictionary(fc.string(), fc.jsonValue()), key: fc.string() }),
  fc.record({ type: fc.constant('create_index' as const), field: fc.string(), schema: fc.constant('keyword') }),
);

/** What a vector storage keeps of a value: every float rounded to float32 (payloads go through JSON). */
function asStored(op: Operation): unknown {
  const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  if (op.type !== 'upsert' && op.type !== 'update_vectors') return json(op);
  const f32 = (xs: number[]) => Array.from(Float32Array.from(xs));
  const vector = (v: unknown) =>
    Array.isArray(v)
      ? v.length > 0 && Array.isArray(v[0])
        ? (v as number[][]).map(f32)
        : f32(v as number[])
      : { indices: [...(v as { indices: number[] }).indices], values: f32((v as { values: number[] }).values) };
  return { ...op, points: op.points.map((p) => ({ ...json(p), vectors: Object.fromEntries(Object.entries(p.vectors).map(([k, v]) => [k, vector(v)])) })) };
}

describe('op log payload codec (version 2)', () => {
  it('round-trips every operation, vectors as the float32 the storages keep', () => {
    fc.assert(
      fc.property(operation, (op) => {
        expect(decodeLoggedOp(encodeLoggedOp(op))).toEqual(asStored(op));
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('still reads version-1 payloads (float64 vectors) written before it', () => {
    fc.assert(
      fc.property(operation, (op) => {
        const back = decodeLoggedOp(encodeOperation(op));
        expect(asStored(back as Operation)).toEqual(asStored(op));
      }),
      { seed: 12, numRuns: 200 },
    );
  });

  it('stores a 384-dimension upsert in about 4 bytes per dimension, payload included', () => {
    const points = Array.from({ length: 100 }, (_, i) => ({
      id: i,
      vectors: { '': Array.from({ length: 384 }, (_, k) => Math.sin(i * 384 + k)) },
      payload: { lang: 'en', n: i },
    }));
    const v2 = encodeLoggedOp({ type: 'upsert', points }).length / 100;
    const v1 = encodeOperation({ type: 'upsert', points }).length / 100;
    expect(v2).toBeLessThan(384 * 4 + 80);
    expect(v1).toBeGreaterThan(384 * 8);
  });

  it('carries sparse indices as unsigned 32-bit integers, up to 2^32 - 1', () => {
    const op: Operation = { type: 'upsert', points: [{ id: 1, vectors: { s: { indices: [0xffffffff, 7], values: [0.5, -2] } }, payload: null }] };
    expect(decodeLoggedOp(encodeLoggedOp(op))).toEqual(op);
  });

  it('encodes the skip note that covers numbers lost in a crash', () => {
    expect(decodeLoggedOp(encodeLoggedOp({ type: '$skip', from: 42 }))).toEqual({ type: '$skip', from: 42 });
  });
});
