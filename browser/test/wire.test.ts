import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SextantError } from '@sextant/core';
import { deserializeError, fromReply, pack, serializeError, toReply, unpack } from '../src/wire.js';

describe('wire: values and errors across the worker boundary', () => {
  it('unpack(pack(x)) is x for any JSON value, bit for bit', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.double({ noNaN: false }), { minLength: 32, maxLength: 200 }), (json, numbers) => {
        const value = { json, numbers, nested: [{ v: numbers }] };
        const { value: packed } = pack(value);
        // structuredClone stands in for postMessage: what arrives is a clone of what was sent.
        const back = unpack(structuredClone(packed)) as typeof value;
        expect(back.json).toEqual(json);
        expect(back.numbers).toHaveLength(numbers.length);
        numbers.forEach((n, i) => expect(Object.is(back.numbers[i], n)).toBe(true));
        expect(back.nested[0]!.v).toEqual(back.numbers);
      }),
      { seed: 5, numRuns: 200 },
    );
  });

  it('packs long number arrays into transferred Float64Arrays, and never transfers a caller buffer', () => {
    const own = new Float32Array(64);
    const long = Array.from({ length: 64 }, (_, i) => i / 3);
    const { value, transfer } = pack({ points: [{ vector: long, mine: own, short: [1, 2, 3], mixed: [...long, 'x'] }] });
    const point = (value as { points: Array<Record<string, unknown>> }).points[0]!;
    expect(point.vector).toBeInstanceOf(Float64Array);
    expect(point.short).toEqual([1, 2, 3]);
    expect(Array.isArray(point.mixed)).toBe(true);
    expect(point.mine).toBe(own);
    expect(transfer).toEqual([(point.vector as Float64Array).buffer]);
    expect(unpack(own)).toEqual(Array.from(own));
    const tricky = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const roundTripped = unpack(structuredClone(pack(tricky).value)) as Record<string, unknown>;
    expect(Object.keys(roundTripped)).toEqual(['__proto__', 'a']);
    expect((roundTripped as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('rebuilds SextantError with code, status and message; other failures become internal', async () => {
    const reply = await toReply(async () => {
      throw new SextantError('collection_not_found', 'Not found: Collection `x` doesn\'t exist!');
    });
    expect(() => fromReply(structuredClone(reply))).toThrow(SextantError);
    try {
      fromReply(structuredClone(reply));
    } catch (e) {
      expect(e).toMatchObject({ code: 'collection_not_found', status: 404, message: 'Not found: Collection `x` doesn\'t exist!' });
    }
    expect(serializeError(new TypeError('boom'))).toMatchObject({ code: 'internal', status: 500, message: expect.stringContaining('TypeError: boom') });
    expect(deserializeError({ nonsense: true })).toMatchObject({ code: 'internal', status: 500 });
    expect(await toReply(async () => 42)).toEqual({ ok: true, value: 42 });
  });
});
