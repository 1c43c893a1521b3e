import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '../src/rest/validation/json-body.js';

// parseJsonBody reads ASCII bodies (nearly all) through a cheaper path than the validating UTF-8 decode; both paths
// must read the same text and refuse the same bytes.
describe('parseJsonBody', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it('reads ASCII and non-ASCII bodies, from a Buffer or a plain Uint8Array view', () => {
    const bodies = ['{"query":[0.97822185647555671,-1e-7,3],"limit":10}', '{"payload":{"name":"café ☕ 𝄞","k":"\\u00e9"}}', '[]', '"x"'];
    for (const text of bodies) {
      const buffer = bytes(text);
      const padded = new Uint8Array(buffer.length + 8);
      padded.set(buffer, 4);
      expect(parseJsonBody(buffer)).toEqual(JSON.parse(text));
      expect(parseJsonBody(padded.subarray(4, 4 + buffer.length))).toEqual(JSON.parse(text));
    }
    expect(parseJsonBody(new Uint8Array(0))).toBeUndefined();
  });

  it('skips a UTF-8 byte order mark, as the decoder always did', () => {
    expect(parseJsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('{"a":1}')]))).toEqual({ a: 1 });
  });

  it('refuses bytes that are not UTF-8, and non-finite numbers, with Qdrant format errors', () => {
    const invalid = [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]];
    for (const sequence of invalid) {
      const body = Buffer.concat([bytes('{"name":"'), Buffer.from(sequence), bytes('"}')]);
      expect(() => parseJsonBody(body)).toThrow('Format error in JSON body: invalid unicode code point: the body is not valid UTF-8');
    }
    expect(() => parseJsonBody(bytes('{"query":[1e400]}'))).toThrow('Format error in JSON body: number out of range');
    expect(() => parseJsonBody(bytes('{"query":[1,'))).toThrow(/^Format error in JSON body: /);
  });
});
