/**
 * UTF-8 through the platform's TextEncoder/TextDecoder (present in every browser and in Node), reached through
 * `globalThis` because core compiles without DOM or Node types. Looked up on first use, never at module load.
 */
interface Codec {
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}

let codec: Codec | undefined;

function platformCodec(): Codec {
  if (codec !== undefined) return codec;
  const g = globalThis as unknown as {
    TextEncoder: new () => { encode(text: string): Uint8Array };
    TextDecoder: new () => { decode(bytes: Uint8Array): string };
  };
  const encoder = new g.TextEncoder();
  const decoder = new g.TextDecoder();
  codec = { encode: (t) => encoder.encode(t), decode: (b) => decoder.decode(b) };
  return codec;
}

export const utf8Encode = (text: string): Uint8Array => platformCodec().encode(text);
export const utf8Decode = (bytes: Uint8Array): string => platformCodec().decode(bytes);

/** A deep copy of a JSON value (payloads, configs); core has no `structuredClone` in its types. */
export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
