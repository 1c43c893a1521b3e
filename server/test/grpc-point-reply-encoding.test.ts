import { create, toBinary } from '@bufbuild/protobuf';
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import {
  CountResponseSchema,
  DiscoverBatchResponseSchema,
  DiscoverResponseSchema,
  GetResponseSchema,
  QueryBatchResponseSchema,
  QueryResponseSchema,
  RecommendBatchResponseSchema,
  RecommendResponseSchema,
  ScrollResponseSchema,
  SearchBatchResponseSchema,
  SearchResponseSchema,
} from '@sextant/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonToStruct } from '../src/grpc/convert/json-value.js';
import { pointReplyEncoder } from '../src/grpc/convert/point-reply-encoding.js';

const FLAT = [QueryResponseSchema, SearchResponseSchema, RecommendResponseSchema, DiscoverResponseSchema];
const BATCHED = [QueryBatchResponseSchema, SearchBatchResponseSchema, RecommendBatchResponseSchema, DiscoverBatchResponseSchema];

/**
 * What the handler wrapper sends without the encoder: `create`, elapsed time when the init has none, `toBinary`;
 * undefined where toBinary refuses (a finite score beyond float32).
 */
function reference(schema: DescMessage, init: Record<string, unknown>, time: number): Buffer | undefined {
  const message = create(schema, init as MessageInitShape<DescMessage>) as Record<string, unknown>;
  if (message['time'] === 0) message['time'] = time;
  try {
    return Buffer.from(toBinary(schema, message as never));
  } catch {
    return undefined;
  }
}

/** Same bytes, and declined exactly where toBinary throws. */
function expectSame(encoded: Buffer | undefined, expected: Buffer | undefined): void {
  expect(encoded === undefined).toBe(expected === undefined);
  if (encoded !== undefined) expect(encoded.toString('hex')).toBe(expected!.toString('hex'));
}

const safeU64 = fc.oneof(fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const id = fc.oneof(
  safeU64.map((value) => ({ pointIdOptions: { case: 'num' as const, value } })),
  fc.constantFrom(0n, 127n, 128n, 16383n, 16384n, 2n ** 32n, 2n ** 53n - 1n).map((value) => ({ pointIdOptions: { case: 'num' as const, value } })),
  fc.uuid().map((value) => ({ pointIdOptions: { case: 'uuid' as const, value } })),
  fc.string({ unit: 'binary' }).map((value) => ({ pointIdOptions: { case: 'uuid' as const, value } })),
  fc.constant({}),
  fc.constant(undefined),
);
const score = fc.oneof(fc.double(), fc.float().map(Number), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e-50, 3.4e38, -1, 1));
// Payloads as the handlers build them (jsonToStruct of JSON), integers past 2^53 and negative ones included.
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string({ unit: 'binary' }),
    fc.string({ minLength: 100, maxLength: 300 }),
    fc.double(),
    fc.integer(),
    fc.constantFrom(0, -0, -1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 60, 1.5),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary' }), tie('value'), { maxKeys: 4 }),
  ),
})).value;
const payload = fc.oneof(
  fc.constantFrom({}, undefined),
  fc.dictionary(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom('', '0', '17', 'a')), json, { maxKeys: 6 }).map((p) => jsonToStruct(p)),
);
const point = fc.record({
  id,
  payload,
  score: fc.option(score, { nil: undefined }),
  version: fc.option(fc.oneof(safeU64, fc.constantFrom(0n, 1n, 300n)), { nil: undefined }),
  vectors: fc.constant(undefined),
  orderValue: fc.constant(undefined),
});
const time = fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constantFrom(0, -0, 1e-9));
const initTime = fc.option(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0)), { nil: undefined });

describe('point reply encoding', () => {
  it('writes the same bytes as create + toBinary for search replies of plain points', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FLAT), fc.array(point, { maxLength: 30 }), initTime, time, (schema, result, t0, t) => {
        const init = { result, ...(t0 === undefined ? {} : { time: t0 }) };
        expectSame(pointReplyEncoder(schema)!(init, t), reference(schema, init, t));
      }),
      { seed: 9, numRuns: 2000 },
    );
  });

  it('writes the same bytes for Get replies (RetrievedPoint: no score or version)', () => {
    const retrieved = fc.record({ id, payload, vectors: fc.constant(undefined), orderValue: fc.constant(undefined) });
    fc.assert(
      fc.property(fc.array(retrieved, { maxLength: 20 }), time, (result, t) => {
        expectSame(pointReplyEncoder(GetResponseSchema)!({ result }, t), reference(GetResponseSchema, { result }, t));
      }),
      { seed: 13, numRuns: 1000 },
    );
  });

  it('writes the same bytes for batch replies', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BATCHED), fc.array(fc.record({ result: fc.array(point, { maxLength: 12 }) }), { maxLength: 6 }), time, (schema, result, t) => {
        const init = { result };
        expectSame(pointReplyEncoder(schema)!(init, t), reference(schema, init, t));
      }),
      { seed: 11, numRuns: 1000 },
    );
  });

  it('declines points with vectors, order values or out-of-range numbers, and other replies', () => {
    const encode = pointReplyEncoder(QueryResponseSchema)!;
    const plain = { id: { pointIdOptions: { case: 'num', value: 1n } }, payload: {}, score: 0.5, version: 1n };
    expect(encode({ result: [plain] }, 1)).toBeDefined();
    expect(encode({ result: [{ ...plain, payload: { a: { kind: { case: 'boolValue', value: true } } } }] }, 1)).toBeDefined();
    expect(encode({ result: [{ ...plain, vectors: { vectorsOptions: { case: 'vector', value: { data: [1] } } } }] }, 1)).toBeUndefined();
    expect(encode({ result: [{ ...plain, orderValue: { variant: { case: 'int', value: 1n } } }] }, 1)).toBeUndefined();
    expect(encode({ result: [{ ...plain, version: 2n ** 64n }] }, 1)).toBeUndefined();
    expect(encode({ result: [{ ...plain, id: { pointIdOptions: { case: 'num', value: -1n } } }] }, 1)).toBeUndefined();
    // toBinary refuses a finite score beyond float32; the caller's usual path then reports it as it always did.
    expect(encode({ result: [{ ...plain, score: 1e39 }] }, 1)).toBeUndefined();
    expect(encode({ result: [plain], usage: {} }, 1)).toBeUndefined();
    for (const other of [ScrollResponseSchema, CountResponseSchema]) expect(pointReplyEncoder(other)).toBeUndefined();
  });
});
