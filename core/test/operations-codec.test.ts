import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Operation, decodeOperation, encodeOperation } from '../src/collection/operations.js';

const num = fc.double({ noNaN: true, noDefaultInfinity: true });
const vectors = fc.dictionary(
  fc.constantFrom('', 'a', 'b b', 'ü'),
  fc.oneof(
    fc.array(num, { maxLength: 16 }),
    fc.integer({ min: 1, max: 4 }).chain((dim) => fc.array(fc.array(num, { minLength: dim, maxLength: dim }), { minLength: 1, maxLength: 4 })),
    fc.record({ indices: fc.array(fc.nat(), { maxLength: 4 }), values: fc.array(num, { maxLength: 4 }) }),
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

describe('operation codec', () => {
  it('round-trips every operation exactly, vectors included (float64, not rounded)', () => {
    fc.assert(
      fc.property(operation, (op) => {
        // Payloads and sparse vectors travel as JSON (so -0 becomes 0); dense and multi vectors travel as float64
        // and keep every bit.
        const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
        const dense = (vs: Record<string, unknown>) => Object.fromEntries(Object.entries(vs).map(([k, v]) => [k, Array.isArray(v) ? v : json(v)]));
        const expected =
          op.type === 'upsert'
            ? { ...op, points: op.points.map((p) => ({ ...json(p), vectors: dense(p.vectors) })) }
            : op.type === 'update_vectors'
              ? { ...op, points: op.points.map((p) => ({ ...json(p), vectors: dense(p.vectors) })) }
              : json(op);
        expect(decodeOperation(encodeOperation(op))).toEqual(expected);
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('keeps a vector value bit-exact', () => {
    const v = [0.1 + 0.2, 1e-310, -0.5, 123456.789];
    const back = decodeOperation(encodeOperation({ type: 'upsert', points: [{ id: 1, vectors: { '': v }, payload: null }] }));
    expect(back).toEqual({ type: 'upsert', points: [{ id: 1, vectors: { '': v }, payload: null }] });
  });
});
